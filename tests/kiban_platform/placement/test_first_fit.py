from hypothesis import given, settings
from hypothesis import strategies as st

from kiban_platform.placement.first_fit import (
    decreasing_order,
    first_fit,
    first_fit_decreasing,
    interleaved_bin_order,
    licensed_first,
    nova_first_fit,
)
from kiban_platform.placement.problem import Bin, Item, PackingProblem, bins_used
from kiban_platform.placement.verify import verify_assignment
from tests.kiban_platform.placement.builders import one_d


def _seasonal(bins: int = 4) -> PackingProblem:
    """Two items that peak in different months: 8 in their own month, 2 in the other."""
    items = (Item("march", ((8,), (2,)), (8,)), Item("june", ((2,), (8,)), (8,)))
    return PackingProblem(
        ("ram",), ("3", "6"), ("d0",), tuple(Bin(f"b{b}", 0, (10,), (10,)) for b in range(bins)), items
    )


def test_peak_aware_first_fit_shares_a_bin_between_complementary_peaks():
    assert first_fit(_seasonal()) == (0, 0)


def test_nova_first_fit_sizes_every_item_at_its_peak_all_year():
    assert nova_first_fit(_seasonal()) == (0, 1)


def test_first_fit_keeps_a_group_in_distinct_domains_even_when_one_bin_would_hold_it():
    problem = one_d([1, 1, 1], 10, 4, groups=["g", "g", None])
    assert first_fit(problem) == (0, 1, 0)  # bins 0 and 1 are in domains d0 and d1


def test_first_fit_gives_up_when_an_item_finds_no_bin():
    assert first_fit(one_d([6, 6, 6], 10, 2)) is None
    assert first_fit(one_d([1, 1, 1], 10, 4, groups=["g", "g", "g"])) is None  # three members, two domains


def test_prefer_licensed_puts_a_product_on_a_bin_that_already_pays_for_it():
    items = (
        Item("x", ((5,),), (5,), None, None),
        Item("a", ((6,),), (6,), None, "rdbms"),
        Item("c", ((4,),), (4,), None, "rdbms"),
    )
    problem = PackingProblem(
        ("size",), ("-",), ("d0",), tuple(Bin(f"b{i}", 0, (10,), (10,)) for i in range(3)), items, {"rdbms": 9}
    )
    assert first_fit(problem) == (0, 1, 0)  # c lands beside x and pays a second licence
    assert first_fit(problem, prefer_licensed=True) == (0, 1, 1)


def test_orders():
    problem = one_d([3, 9, 5, 9], 10, 4)
    assert decreasing_order(problem) == [1, 3, 2, 0]  # ties keep their order
    assert interleaved_bin_order(problem) == [0, 1, 2, 3]  # bins alternate domains already
    licensed = PackingProblem(
        problem.resources,
        problem.periods,
        problem.domains,
        problem.bins,
        (Item("x", ((3,),), (3,)), Item("y", ((9,),), (9,), None, "p"), Item("z", ((5,),), (5,), None, "p")),
        {"p": 1},
    )
    assert licensed_first(licensed, [1, 2, 0]) == [1, 2, 0]
    assert licensed_first(licensed, [0, 2, 1]) == [2, 1, 0]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 10), st.sampled_from([None, "g", "h"])), min_size=1, max_size=14),
)
def test_first_fit_decreasing_keeps_every_rule_and_never_uses_more_bins_than_items(entries):
    sizes = [size for size, _ in entries]
    groups = [group for _, group in entries]
    if max(groups.count("g"), groups.count("h")) > 2:
        return  # two domains hold at most two members of a group
    problem = one_d(sizes, 10, len(sizes) + 2, groups=groups)
    placed = first_fit_decreasing(problem)
    assert placed is not None
    assert verify_assignment(problem, placed) == []
    assert bins_used(placed) <= len(sizes)
