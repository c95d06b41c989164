import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from kiban_platform.placement.bounds import lower_bounds
from kiban_platform.placement.cpsat import SolverOptions, canonical, solve_exact, symmetry_classes
from kiban_platform.placement.first_fit import first_fit_decreasing, nova_first_fit
from kiban_platform.placement.problem import (
    Bin,
    Item,
    PackingProblem,
    bins_used,
    domains_used,
    licence_hosts,
    objective,
)
from kiban_platform.placement.solver import solve_packing
from kiban_platform.placement.verify import verify_assignment
from tests.kiban_platform.placement.builders import one_d, placed

QUICK = SolverOptions(time_limit=2.0, seed=0, workers=1)


def _problem(
    items: list[Item], bins: list[Bin], domains: tuple[str, ...] = ("d0", "d1"), costs: dict[str, int] | None = None
) -> PackingProblem:
    return PackingProblem(("size",), ("-",), domains, tuple(bins), tuple(items), costs or {})


def _bins(domains: list[int], capacity: int = 10) -> list[Bin]:
    return [Bin(f"b{i}", domain, (capacity,), (capacity,)) for i, domain in enumerate(domains)]


def test_complementary_peaks_share_bins_that_peak_sizes_would_not():
    items = [Item(f"m{i}", ((8,), (2,)), (8,)) for i in range(2)] + [
        Item(f"j{i}", ((2,), (8,)), (8,)) for i in range(2)
    ]
    problem = PackingProblem(("ram",), ("3", "6"), ("d0",), tuple(_bins([0] * 4)), tuple(items))
    result = solve_exact(problem, QUICK, nova_first_fit(problem))
    assert bins_used(placed(nova_first_fit(problem))) == 4
    assert bins_used(placed(result.assignment)) == 2 and result.optimal
    assert verify_assignment(problem, placed(result.assignment)) == []


def test_licences_are_consolidated_among_placements_with_the_fewest_bins():
    licensed = [Item(f"p{i}", ((5,),), (5,), None, "rdbms") for i in range(4)]
    fillers = [Item(f"f{i}", ((5,),), (5,)) for i in range(4)]
    problem = _problem(licensed + fillers, _bins([0] * 4), ("d0",), {"rdbms": 1_000_000})
    spread = (0, 1, 2, 3, 0, 1, 2, 3)  # four full bins, each paying a licence: already the fewest bins
    result = solve_exact(problem, QUICK, spread, lower_bound=4)
    assert bins_used(placed(result.assignment)) == 4
    assert len(licence_hosts(problem, placed(result.assignment))["rdbms"]) == 2


def test_a_group_with_members_of_different_sizes_is_still_spread_over_chassis():
    # One bin would hold both members (5 + 4); they belong on two chassis.
    items = [Item("g-large", ((5,),), (5,), "g"), Item("g-small", ((4,),), (4,), "g")]
    problem = _problem(items, _bins([0, 1]))
    result = solve_exact(problem, QUICK, None)
    assert bins_used(placed(result.assignment)) == 2
    assert verify_assignment(problem, placed(result.assignment)) == []


def test_fewer_blades_come_before_cheaper_licences():
    # Both licensed items on one bin would push the two large items onto two more bins: 3 bins, 1 licence.
    items = [
        Item("p1", ((4,),), (4,), None, "rdbms"),
        Item("p2", ((4,),), (4,), None, "rdbms"),
        Item("a", ((6,),), (6,)),
        Item("b", ((6,),), (6,)),
    ]
    problem = _problem(items, _bins([0, 0, 0, 0]), ("d0",), {"rdbms": 10**9})
    result = solve_exact(problem, QUICK, (0, 1, 2, 3))
    assert bins_used(placed(result.assignment)) == 2
    assert len(licence_hosts(problem, placed(result.assignment))["rdbms"]) == 2


def test_fewest_chassis_is_the_third_objective():
    problem = one_d([6, 6, 6], 10, 6)  # bins alternate domains: d0 holds bins 0, 2, 4
    result = solve_exact(problem, QUICK, (0, 1, 2))
    assert bins_used(placed(result.assignment)) == 3
    assert domains_used(problem, placed(result.assignment)) == 1


def test_anti_affinity_that_no_placement_can_keep_is_proven_infeasible():
    # d1 has one bin and holds one item of 6; each of two groups needs a member there.
    items = [Item(name, ((6,),), (6,), name[0]) for name in ("g1", "g2", "h1", "h2")]
    problem = _problem(items, _bins([0, 0, 0, 1]))
    assert lower_bounds(problem).best == 4  # the bounds alone do not see it
    result = solve_exact(problem, QUICK, None)
    assert result.assignment is None and result.infeasible


def test_same_problem_and_seed_give_the_same_placement():
    sizes = [7, 5, 5, 4, 4, 3, 3, 3, 2, 2, 6, 6, 1, 1, 8]
    groups = ["a", "a", "b", "b", None, None, "c", "c", None, None, "d", "d", None, None, None]
    problem = one_d(sizes, 10, 12, groups=groups)
    start = first_fit_decreasing(problem)
    first = solve_packing(
        problem, SolverOptions(time_limit=1.0, seed=3, workers=2), [start], lower_bounds(problem).best
    )
    second = solve_packing(
        problem, SolverOptions(time_limit=1.0, seed=3, workers=2), [start], lower_bounds(problem).best
    )
    assert first.assignment == second.assignment
    assert first.phases == second.phases


@settings(max_examples=12, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 10), st.sampled_from([None, "g", "h"])), min_size=2, max_size=12),
    st.integers(0, 5),
)
def test_a_solved_placement_keeps_every_rule_and_beats_neither_bound_nor_first_fit(entries, seed):
    sizes = [size for size, _ in entries]
    groups = [group for _, group in entries]
    if max(groups.count("g"), groups.count("h")) > 2:
        return
    problem = one_d(sizes, 10, len(sizes) + 2, groups=groups)
    nova = nova_first_fit(problem)
    bound = lower_bounds(problem).best
    result = solve_packing(problem, SolverOptions(time_limit=0.5, seed=seed, workers=1), [nova], bound)
    assert result.assignment is not None
    assert verify_assignment(problem, placed(result.assignment)) == []
    assert bound <= bins_used(placed(result.assignment)) <= bins_used(placed(nova))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=10))
def test_canonical_moves_a_placement_onto_interchangeable_bins_in_symmetry_order(raw):
    problem = one_d([1] * len(raw), 10, 6)
    placed = canonical(problem, tuple(raw))
    assert objective(problem, placed) == objective(problem, tuple(raw))
    runs, domain_classes = symmetry_classes(problem)
    used = set(placed)
    for run in runs:
        flags = [b in used for b in run]
        assert flags == sorted(flags, reverse=True)  # used bins first
    for domains in domain_classes:
        counts = [sum(b in used for b in bins) for bins in domains]
        assert counts == sorted(counts, reverse=True)
    # The contents move together: the multiset of bin loads is unchanged.
    loads = sorted(len([p for p in placed if p == b]) for b in range(6))
    assert loads == sorted(len([p for p in raw if p == b]) for b in range(6))


def test_the_direct_model_reads_back_every_group_member_on_its_own_chassis():
    groups = [g for g in ("a", "b", "c") for _ in range(3)]
    problem = PackingProblem(
        ("size",),
        ("-",),
        ("d0", "d1", "d2"),
        tuple(Bin(f"b{i}", i % 3, (10,), (10,)) for i in range(6)),
        tuple(Item(f"{g}{i}", ((3,),), (3,), g) for i, g in enumerate(groups)),
    )
    result = solve_exact(problem, QUICK, None)
    assert bins_used(placed(result.assignment)) == 3 and result.optimal
    for group in ("a", "b", "c"):
        members = [b for item, b in zip(problem.items, placed(result.assignment), strict=True) if item.group == group]
        assert sorted(problem.bins[b].domain for b in members) == [0, 1, 2]
    assert (
        list(itertools.chain(placed(result.assignment))) and verify_assignment(problem, placed(result.assignment)) == []
    )
