"""Lower bounds on the number of bins (blades): no placement can use fewer.

- capacity: in each period and resource, the demand must fit in the capacity of the
  bins used. With bins of different sizes, the fewest bins that could hold it are the
  largest ones, so the bound is the length of the shortest prefix of capacities sorted
  largest first whose sum reaches the demand (for equal bins: ceil(demand / capacity)).
- anti-affinity: a group's items are on distinct bins, so the largest group needs that many.
- Martello-Toth L2 (Martello and Toth, 1990): the classic one-dimensional bound, which also
  counts the items too large to share a bin, applied to each period and resource with the
  largest bin's capacity; every bin holds at most that, so the bound holds for mixed bins too.

The planner reports the largest of the three.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from kiban_platform.placement.problem import PackingProblem


@dataclass(frozen=True)
class LowerBounds:
    capacity: int
    anti_affinity: int
    martello_toth: int
    binding: tuple[str, str] | None  # (period, resource) of the capacity bound, for messages

    @property
    def best(self) -> int:
        return max(self.capacity, self.anti_affinity, self.martello_toth)


def bins_to_hold(total: int, capacities: Sequence[int]) -> int:
    """The fewest bins, taken largest first, whose capacities add up to ``total``.

    Beyond the bins given, more bins of the largest capacity are assumed, so the answer
    says how many a city would need, not just that it has too few.
    """
    if total <= 0:
        return 0
    ordered = sorted(capacities, reverse=True)
    held = 0
    for count, capacity in enumerate(ordered, start=1):
        held += capacity
        if held >= total:
            return count
    largest = ordered[0] if ordered else 0
    if largest <= 0:
        raise ValueError("no bin has room for this resource")
    return len(ordered) + math.ceil((total - held) / largest)


def martello_toth_l2(weights: Sequence[int], capacity: int) -> int:
    """Martello-Toth L2 for one-dimensional bin packing of ``weights`` into bins of ``capacity``.

    For each threshold a in [0, C/2], items larger than C - a each need a bin of their own (J1);
    items in (C/2, C - a] also cannot share with each other (J2); items in [a, C/2] (J3) need
    whatever does not fit in the room J2 leaves. L2 is the best such count over a.
    """
    sizes = sorted(w for w in weights if w > 0)
    if not sizes:
        return 0
    if capacity <= 0 or sizes[-1] > capacity:
        raise ValueError("an item is larger than the bin capacity")
    prefix = [0]
    for size in sizes:
        prefix.append(prefix[-1] + size)
    count = len(sizes)
    best = math.ceil(prefix[-1] / capacity)
    half_index = bisect.bisect_right(sizes, capacity // 2)  # sizes[:half_index] are <= C/2
    thresholds = {0, *sizes[:half_index]}
    for alpha in thresholds:
        j1_start = bisect.bisect_right(sizes, capacity - alpha)  # w > C - alpha
        j2_start = half_index  # w > C/2
        j3_start = bisect.bisect_left(sizes, alpha)  # w >= alpha
        n1 = count - j1_start
        n2 = max(0, j1_start - j2_start)
        s2 = prefix[j1_start] - prefix[j2_start] if n2 else 0
        s3 = prefix[half_index] - prefix[j3_start]
        spill = s3 - (n2 * capacity - s2)
        best = max(best, n1 + n2 + max(0, math.ceil(spill / capacity)))
    return best


def capacity_bound(problem: PackingProblem) -> tuple[int, tuple[str, str] | None]:
    best, binding = 0, None
    for p, period in enumerate(problem.periods):
        for k, resource in enumerate(problem.resources):
            total = sum(item.demand[p][k] for item in problem.items)
            needed = bins_to_hold(total, [b.capacity[k] for b in problem.bins])
            if needed > best:
                best, binding = needed, (period, resource)
    return best, binding


def anti_affinity_bound(problem: PackingProblem) -> int:
    return max((len(members) for members in problem.groups().values()), default=0)


def martello_toth_bound(problem: PackingProblem) -> int:
    best = 0
    for p in range(len(problem.periods)):
        for k in range(len(problem.resources)):
            largest = max((b.capacity[k] for b in problem.bins), default=0)
            weights = [item.demand[p][k] for item in problem.items]
            if largest <= 0 or max(weights, default=0) > largest:
                continue  # no bin takes such an item; the feasibility checks report it
            best = max(best, martello_toth_l2(weights, largest))
    return best


def lower_bounds(problem: PackingProblem) -> LowerBounds:
    capacity, binding = capacity_bound(problem)
    return LowerBounds(capacity, anti_affinity_bound(problem), martello_toth_bound(problem), binding)


def licence_host_bounds(problem: PackingProblem) -> dict[str, int]:
    """The fewest bins each per-host licensed product can run on.

    A product's items of one anti-affinity group are on distinct bins, and all its
    items together need at least the bins their demand fills (the capacity bound).
    """
    bounds: dict[str, int] = {}
    for product in sorted(problem.licence_costs):
        items = [item for item in problem.items if item.licence == product]
        if not items:
            continue
        groups: dict[str, int] = {}
        for item in items:
            if item.group is not None:
                groups[item.group] = groups.get(item.group, 0) + 1
        needed = max([1, *groups.values()])
        for p in range(len(problem.periods)):
            for k in range(len(problem.resources)):
                total = sum(item.demand[p][k] for item in items)
                needed = max(needed, bins_to_hold(total, [b.capacity[k] for b in problem.bins]))
        bounds[product] = needed
    return bounds


def domain_bound(problem: PackingProblem, bins: int) -> int:
    """The fewest domains that can hold ``bins`` bins and keep every group's members apart."""
    per_domain = [sum(1 for b in problem.bins if b.domain == d) for d in range(len(problem.domains))]
    return max(bins_to_hold(bins, per_domain) if bins else 0, anti_affinity_bound(problem))
