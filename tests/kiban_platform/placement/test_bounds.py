import math
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from kiban_platform.placement.bounds import (
    anti_affinity_bound,
    bins_to_hold,
    capacity_bound,
    licence_host_bounds,
    lower_bounds,
    martello_toth_l2,
)
from kiban_platform.placement.problem import Bin, Item, PackingProblem
from tests.kiban_platform.placement.builders import one_d


def _optimum(sizes: list[int], capacity: int) -> int:
    """Fewest bins by trying every assignment (tiny instances only)."""
    best = len(sizes)
    for assignment in product(range(len(sizes)), repeat=len(sizes)):
        loads: dict[int, int] = {}
        for size, b in zip(sizes, assignment, strict=True):
            loads[b] = loads.get(b, 0) + size
        if all(load <= capacity for load in loads.values()):
            best = min(best, len(loads))
    return best


def test_bins_to_hold_takes_the_largest_bins_first_and_extrapolates_beyond_the_inventory():
    assert bins_to_hold(12, [5, 10, 5]) == 2  # 10 + 5
    assert bins_to_hold(20, [5, 10, 5]) == 3
    assert bins_to_hold(41, [5, 10, 5]) == 6  # 20 held, 21 more in three more bins of 10
    assert bins_to_hold(0, [5]) == 0


def test_l2_counts_items_that_cannot_share_a_bin():
    # Three items of 60 in bins of 100: the volume needs 2 bins, but no two fit together.
    assert martello_toth_l2([60, 60, 60], 100) == 3
    # Volume says 3 bins; but items over 85 leave room only for items under 15, and those are 15.
    assert martello_toth_l2([90, 90, 90, 15, 15], 100) == 4


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=5, max_value=20), st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=6))
def test_l2_lies_between_the_volume_bound_and_the_optimum(capacity, raw):
    sizes = [min(size, capacity) for size in raw]
    l2 = martello_toth_l2(sizes, capacity)
    assert math.ceil(sum(sizes) / capacity) <= l2 <= _optimum(sizes, capacity)


def test_capacity_bound_names_the_binding_period_and_resource():
    items = tuple(
        Item(f"v{i}", ((4, 1), (1, 8)), (4, 8)) for i in range(5)
    )  # period a: 20 vCPU in total, period b: 40 GB in total
    problem = PackingProblem(
        ("vcpu", "ram"), ("a", "b"), ("d",), tuple(Bin(f"b{i}", 0, (10, 10), (10, 10)) for i in range(9)), items
    )
    assert capacity_bound(problem) == (4, ("b", "ram"))


def test_anti_affinity_bound_is_the_largest_group():
    problem = one_d([1, 1, 1, 1, 1], 10, 5, groups=["g", "g", "g", "h", None])
    assert anti_affinity_bound(problem) == 3
    assert lower_bounds(problem).best == 3


def test_licence_host_bound_counts_a_products_replicas_and_its_volume():
    items = (
        Item("a1", ((6,),), (6,), "a", "rdbms"),
        Item("a2", ((6,),), (6,), "a", "rdbms"),
        Item("b1", ((6,),), (6,), None, "rdbms"),
        Item("x", ((6,),), (6,), None, "other"),
    )
    problem = PackingProblem(
        ("size",),
        ("-",),
        ("d0", "d1"),
        tuple(Bin(f"b{i}", i % 2, (10,), (10,)) for i in range(4)),
        items,
        {"rdbms": 5, "other": 1},
    )
    # Three items of 6 in bins of 10 need 2 bins by volume; the group needs 2 distinct bins too.
    assert licence_host_bounds(problem) == {"other": 1, "rdbms": 2}
