"""The packing problem every placement algorithm here works on, independent of the spec.

A platform spec and a classic one-dimensional bin-packing instance both become a
``PackingProblem``: items with a demand per period and resource, bins with a capacity
per resource, grouped into failure domains (chassis). The first-fit heuristics, the
bounds and the CP-SAT model read only this, so the benchmark's textbook instances go
through exactly the code that plans a city.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# An assignment gives, for each item (by index), the index of the bin it is on.
Assignment = tuple[int, ...]


@dataclass(frozen=True)
class Bin:
    """A blade: ``capacity`` per resource, and ``limit``, the largest single item it can take per resource.

    ``limit`` differs from ``capacity`` when sharing is overcommitted: a blade with 64 cores
    offers 256 vCPUs at 4x overcommit, but no single VM may have more vCPUs than it has cores.
    """

    id: str
    domain: int  # index into PackingProblem.domains
    capacity: tuple[int, ...]
    limit: tuple[int, ...]

    def takes(self, item: Item) -> bool:
        return all(need <= most for need, most in zip(item.size, self.limit, strict=True))

    @property
    def kind(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Bins of one kind are interchangeable: same capacity, same limits."""
        return self.capacity, self.limit


@dataclass(frozen=True)
class Item:
    """A VM: ``demand[period][resource]``; ``size`` is what it asks of one blade at its largest."""

    name: str
    demand: tuple[tuple[int, ...], ...]
    size: tuple[int, ...]
    group: str | None = None  # anti-affinity: items of one group go to distinct bins in distinct domains
    licence: str | None = None  # per-host licensed product: each bin holding one pays one licence
    # Domains this item may not use because members of its group already sit there (fixed
    # outside a sub-problem that the improvement search re-solves).
    excluded_domains: frozenset[int] = frozenset()
    # The bin this item had in the previous plan (None: new, or its bin is gone): staying there is
    # the first objective when a previous plan is given.
    previous: int | None = None

    def peak(self) -> tuple[int, ...]:
        """The largest demand of each resource over the periods: the item's size all year without peak awareness."""
        return tuple(max(period[k] for period in self.demand) for k in range(len(self.size)))


@dataclass(frozen=True)
class PackingProblem:
    resources: tuple[str, ...]
    periods: tuple[str, ...]
    domains: tuple[str, ...]
    bins: tuple[Bin, ...]
    items: tuple[Item, ...]
    licence_costs: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        width = len(self.resources)
        for item in self.items:
            if len(item.demand) != len(self.periods) or any(len(p) != width for p in item.demand):
                raise ValueError(f"item {item.name}: demand must be {len(self.periods)} periods x {width} resources")
            if len(item.size) != width or any(value < 0 for p in item.demand for value in p):
                raise ValueError(f"item {item.name}: size must have {width} resources and demand be non-negative")
            if item.licence is not None and item.licence not in self.licence_costs:
                raise ValueError(f"item {item.name}: licence {item.licence!r} has no cost")
        for bin_ in self.bins:
            if len(bin_.capacity) != width or len(bin_.limit) != width:
                raise ValueError(f"bin {bin_.id}: capacity and limit must have {width} resources")
            if not 0 <= bin_.domain < len(self.domains):
                raise ValueError(f"bin {bin_.id}: unknown domain {bin_.domain}")

    @property
    def has_previous(self) -> bool:
        return any(item.previous is not None for item in self.items)

    def groups(self) -> dict[str, list[int]]:
        """Item indices of each anti-affinity group, in item order."""
        groups: dict[str, list[int]] = {}
        for index, item in enumerate(self.items):
            if item.group is not None:
                groups.setdefault(item.group, []).append(index)
        return groups

    def with_items(self, items: Sequence[Item]) -> PackingProblem:
        return PackingProblem(self.resources, self.periods, self.domains, self.bins, tuple(items), self.licence_costs)

    def with_bins(self, bins: Sequence[Bin]) -> PackingProblem:
        return PackingProblem(self.resources, self.periods, self.domains, tuple(bins), self.items, self.licence_costs)

    def flattened(self) -> PackingProblem:
        """The same problem without peak awareness: every item at its peak in every period."""
        items = [
            Item(
                item.name,
                (item.peak(),) * len(self.periods),
                item.size,
                item.group,
                item.licence,
                item.excluded_domains,
                item.previous,
            )
            for item in self.items
        ]
        return self.with_items(items)

    def extended(self, copies: int) -> PackingProblem:
        """Each domain with its bins repeated ``copies`` times: an inventory large enough for a baseline."""
        bins = list(self.bins)
        for copy in range(1, copies):
            bins += [Bin(f"{b.id}+{copy}", b.domain, b.capacity, b.limit) for b in self.bins]
        return self.with_bins(bins)


def bins_used(assignment: Assignment) -> int:
    return len(set(assignment))


def licence_hosts(problem: PackingProblem, assignment: Assignment) -> dict[str, set[int]]:
    """The bins each per-host licensed product runs on."""
    hosts: dict[str, set[int]] = {}
    for item, bin_index in zip(problem.items, assignment, strict=True):
        if item.licence is not None:
            hosts.setdefault(item.licence, set()).add(bin_index)
    return hosts


def licence_cost(problem: PackingProblem, assignment: Assignment) -> int:
    return sum(problem.licence_costs[product] * len(b) for product, b in licence_hosts(problem, assignment).items())


def domains_used(problem: PackingProblem, assignment: Assignment) -> int:
    return len({problem.bins[b].domain for b in assignment})


def moves(problem: PackingProblem, assignment: Assignment) -> int:
    """Items that had a previous bin and are not on it."""
    return sum(
        1 for item, b in zip(problem.items, assignment, strict=True) if item.previous is not None and b != item.previous
    )


def objective(problem: PackingProblem, assignment: Assignment) -> tuple[int, int, int, int]:
    """The planner's lexicographic objective: moves (with a previous plan), blades, licence cost, chassis."""
    return (
        moves(problem, assignment),
        bins_used(assignment),
        licence_cost(problem, assignment),
        domains_used(problem, assignment),
    )
