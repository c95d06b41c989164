"""The neighbourhood search, the pattern search and the worker processes."""

import random

import pytest

from kiban_platform.placement.binpack import one_dimensional
from kiban_platform.placement.bounds import lower_bounds
from kiban_platform.placement.cpsat import SolverOptions
from kiban_platform.placement.first_fit import first_fit_decreasing
from kiban_platform.placement.lns import improve
from kiban_platform.placement.patterns import applies, improve_by_patterns
from kiban_platform.placement.problem import Bin, Item, PackingProblem, bins_used, licence_hosts, objective
from kiban_platform.placement.solver import solve_packing
from kiban_platform.placement.verify import verify_assignment
from kiban_platform.placement.workers import WorkerPool
from tests.kiban_platform.placement.builders import one_d, placed


def _triplets(bins: int, seed: int) -> list[int]:
    """Falkenauer's construction: three items filling a bin of 1000 exactly, shuffled."""
    rng = random.Random(seed)
    sizes = []
    for _ in range(bins):
        first = rng.randint(380, 490)
        second = rng.randint(250, (1000 - first) // 2)
        sizes += [first, second, 1000 - first - second]
    rng.shuffle(sizes)
    return sizes


def _city_like(seed: int) -> PackingProblem:
    """Forty items in two-member groups and a licensed product, over three domains of six bins."""
    rng = random.Random(seed)
    items = []
    for g in range(20):
        size = rng.randint(2, 6)
        licence = "rdbms" if g % 5 == 0 else None
        items += [Item(f"g{g}-{m}", ((size,), (max(1, size // 2),)), (size,), f"g{g}", licence) for m in range(2)]
    bins = tuple(Bin(f"b{b}", b % 3, (12,), (12,)) for b in range(18))
    return PackingProblem(("ram",), ("peak", "rest"), ("d0", "d1", "d2"), bins, tuple(items), {"rdbms": 7})


def test_neighbourhood_search_improves_without_breaking_rules_and_repeats_itself():
    problem = _city_like(1)
    start = tuple(range(len(problem.items)))  # one item per bin where possible: a poor start
    start = tuple(b % len(problem.bins) for b in start)
    assert verify_assignment(problem, placed(start)) == []
    options = SolverOptions(time_limit=3.0, seed=5, workers=1)
    result = improve(problem, options, start, lower_bounds(problem).best)
    assert result.assignment is not None
    assert verify_assignment(problem, placed(result.assignment)) == []
    assert objective(problem, placed(result.assignment)) < objective(problem, placed(start))
    assert bins_used(placed(result.assignment)) <= bins_used(placed(first_fit_decreasing(problem)))
    again = improve(problem, options, start, lower_bounds(problem).best)
    assert again.assignment == result.assignment


def test_neighbourhood_search_in_worker_processes_keeps_every_rule():
    problem = _city_like(2)
    start = placed(first_fit_decreasing(problem))
    result = improve(problem, SolverOptions(time_limit=2.0, seed=1, workers=2), start, lower_bounds(problem).best)
    assert verify_assignment(problem, placed(result.assignment)) == []
    assert objective(problem, placed(result.assignment)) <= objective(problem, placed(start))


def test_pattern_search_finds_exact_triplets_that_first_fit_decreasing_misses():
    problem = one_dimensional(_triplets(8, seed=4), 1000)
    start = placed(first_fit_decreasing(problem))
    assert bins_used(start) > 8  # the instance is one where the greedy start is not optimal
    result = improve_by_patterns(problem, SolverOptions(time_limit=3.0, seed=0, workers=1), start, 8)
    assert bins_used(placed(result.assignment)) == 8
    assert verify_assignment(problem, placed(result.assignment)) == []


def test_pattern_search_keeps_licences_down_among_the_fewest_bins():
    items = [Item(f"p{i}", ((5,),), (5,), None, "rdbms") for i in range(4)] + [
        Item(f"f{i}", ((5,),), (5,)) for i in range(4)
    ]
    problem = PackingProblem(
        ("size",), ("-",), ("d0",), tuple(Bin(f"b{i}", 0, (10,), (10,)) for i in range(5)), tuple(items), {"rdbms": 3}
    )
    start = (0, 1, 2, 3, 0, 1, 2, 3)
    assert applies(problem)
    result = improve_by_patterns(problem, SolverOptions(time_limit=2.0, seed=0, workers=1), start, 4)
    assert bins_used(placed(result.assignment)) == 4
    assert len(licence_hosts(problem, placed(result.assignment))["rdbms"]) == 2


def test_pattern_search_is_not_used_when_items_have_groups():
    assert not applies(one_d([1, 2], 10, 2, groups=["g", "g"]))
    problem = one_dimensional(_triplets(5, seed=9), 1000)
    result = solve_packing(
        problem, SolverOptions(time_limit=2.0, seed=0, workers=1), [first_fit_decreasing(problem)], 5
    )
    assert result.method.startswith("patterns(") and bins_used(placed(result.assignment)) == 5


def _square(value: int) -> int:
    return value * value


def _fail(value: int) -> int:
    raise ValueError(f"bad {value}")


def test_worker_pool_answers_in_order_and_runs_here_without_workers():
    with WorkerPool(2) as pool:
        assert len(pool.processes) == 2
        assert pool.map(_square, [(n,) for n in range(5)]) == [0, 1, 4, 9, 16]
    with WorkerPool(0) as pool:
        assert pool.map(_square, [(3,)]) == [9]


def test_a_failure_in_a_worker_is_raised_here():
    with WorkerPool(1) as pool, pytest.raises(ValueError, match="bad 7"):
        pool.map(_fail, [(7,)])
