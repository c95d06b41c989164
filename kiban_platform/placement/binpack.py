"""Classic one-dimensional bin packing as a ``PackingProblem``, so textbook instances test the planner's solver.

One period, one resource, one domain, no anti-affinity, no licences: what is left is
exactly bin packing, solved by the same first fit, bounds and CP-SAT code as a city.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiban_platform.placement.first_fit import first_fit_decreasing
from kiban_platform.placement.problem import Bin, Item, PackingProblem, bins_used


def one_dimensional(sizes: Sequence[int], capacity: int, bins: int | None = None) -> PackingProblem:
    """Items of ``sizes`` into bins of ``capacity``; by default as many bins as first-fit-decreasing uses.

    Offering more bins than a known packing needs only makes the model larger: the
    optimum never uses more than first-fit-decreasing does.
    """
    if capacity <= 0 or any(size <= 0 or size > capacity for size in sizes):
        raise ValueError("every size must be positive and at most the capacity")
    items = tuple(Item(f"i{index}", ((size,),), (size,)) for index, size in enumerate(sizes))

    def problem(count: int) -> PackingProblem:
        return PackingProblem(
            resources=("size",),
            periods=("-",),
            domains=("all",),
            bins=tuple(Bin(f"b{index}", 0, (capacity,), (capacity,)) for index in range(count)),
            items=items,
        )

    if bins is not None:
        return problem(bins)
    packed = first_fit_decreasing(problem(len(sizes)))
    assert packed is not None  # one bin per item always fits
    return problem(bins_used(packed))
