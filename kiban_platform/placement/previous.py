"""Planning against a previous plan: keep every VM on its blade unless it must move, and say why it moved.

``kiban plan SPEC --previous PLAN`` reads the reviewed plan (``read_plan_placements``), gives
each VM still in the spec the bin it had (``Item.previous``; none when its blade or chassis is
gone), starts the solver from the previous plan repaired as little as possible
(``keep_previous``), and then the solver's first objective is to move as few VMs as it can.
``continuity`` compares the two plans VM by VM and names the reason for each move, from the
spec alone, so the reason holds whatever the solver did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from kiban_platform.placement.demand import MONTHS, RESOURCES, blade_capacity, monthly_demand
from kiban_platform.placement.problem import Assignment, PackingProblem
from kiban_platform.spec.instances import VirtualMachine
from kiban_platform.spec.model import PlatformSpec

# Why a VM left its previous blade, most certain first. The codes are a contract of the JSON output.
CHASSIS_REMOVED = "chassis-removed"
BLADE_REMOVED = "blade-removed"
TOO_LARGE = "too-large"
ANTI_AFFINITY = "anti-affinity"
OVER_CAPACITY = "over-capacity"
MAKE_ROOM = "make-room"
REASONS = (CHASSIS_REMOVED, BLADE_REMOVED, TOO_LARGE, ANTI_AFFINITY, OVER_CAPACITY, MAKE_ROOM)


@dataclass(frozen=True)
class Move:
    vm: str
    from_chassis: str | None  # as the previous plan named it
    from_blade: str
    to_chassis: str
    to_blade: str
    reason: str  # one of REASONS
    detail: str  # the reason in a sentence, with the numbers


@dataclass(frozen=True)
class Continuity:
    """What re-planning against a previous plan changed."""

    moves: tuple[Move, ...]  # in expand_vms order
    kept: tuple[str, ...]  # VMs on the blade they had
    added: tuple[str, ...]  # VMs the previous plan did not have
    removed: tuple[str, ...]  # VMs of the previous plan the spec no longer has, in the plan's order
    fewest_moves_proven: bool  # the solver proved no placement moves fewer VMs


def previous_bins(
    problem: PackingProblem, spec: PlatformSpec, where: Mapping[str, tuple[str | None, str]]
) -> PackingProblem:
    """``problem`` with each item's previous bin: its blade in ``where`` if that blade is still in the same chassis."""
    chassis_of = {blade.id: chassis.id for chassis, blade in spec.failure_domains.blades()}
    index = {bin_.id: b for b, bin_ in enumerate(problem.bins)}
    items = []
    for item in problem.items:
        previous = where.get(item.name)
        kept: int | None = None
        if previous is not None:
            chassis, blade = previous
            if blade in index and chassis in (None, chassis_of.get(blade)):
                kept = index[blade]
        items.append(replace(item, previous=kept))
    return problem.with_items(items)


def _peak_share(problem: PackingProblem, position: int) -> float:
    item = problem.items[position]
    capacity = problem.bins[0].capacity if problem.bins else item.size
    return sum(value / cap for value, cap in zip(item.peak(), capacity, strict=True) if cap > 0)


def keep_previous(problem: PackingProblem) -> Assignment | None:
    """The previous plan, repaired: every item that can stay stays, the others go where they fit first.

    Items that can stay are kept smallest first (so a blade that can no longer hold all it had
    keeps as many as it can); the rest, largest first, take the first bin with room that keeps
    their group apart, bins already in use before empty ones. None when some item fits nowhere;
    the solver then starts from its greedy placements instead.
    """
    bins, items = problem.bins, problem.items
    periods, width = len(problem.periods), len(problem.resources)
    load = [[[0] * width for _ in range(periods)] for _ in bins]
    domains_of_group: dict[str, set[int]] = {}
    assignment: list[int] = [-1] * len(items)

    def fits(position: int, b: int) -> bool:
        item, bin_ = items[position], bins[b]
        if not bin_.takes(item) or bin_.domain in item.excluded_domains:
            return False
        if item.group is not None and bin_.domain in domains_of_group.get(item.group, set()):
            return False
        return all(load[b][p][k] + item.demand[p][k] <= bin_.capacity[k] for p in range(periods) for k in range(width))

    def put(position: int, b: int) -> None:
        item = items[position]
        for p in range(periods):
            for k in range(width):
                load[b][p][k] += item.demand[p][k]
        if item.group is not None:
            domains_of_group.setdefault(item.group, set()).add(bins[b].domain)
        assignment[position] = b

    staying = sorted(
        (position for position, item in enumerate(items) if item.previous is not None),
        key=lambda position: (_peak_share(problem, position), position),
    )
    for position in staying:
        previous = items[position].previous
        assert previous is not None
        if fits(position, previous):
            put(position, previous)
    rest = sorted(
        (position for position in range(len(items)) if assignment[position] < 0),
        key=lambda position: (-_peak_share(problem, position), position),
    )
    for position in rest:
        in_use = sorted(set(assignment) - {-1})
        order = in_use + [b for b in range(len(bins)) if b not in set(in_use)]
        target = next((b for b in order if fits(position, b)), None)
        if target is None:
            return None
        put(position, target)
    return tuple(assignment)


def _too_large(vm: VirtualMachine, spec: PlatformSpec, blade_id: str) -> str | None:
    """Why ``vm`` no longer fits ``blade_id`` even alone, or None."""
    domains = spec.failure_domains
    blade = next(blade for _, blade in domains.blades() if blade.id == blade_id)
    capacity = blade_capacity(blade, domains.vcpu_overcommit)
    limits = (min(blade.vcpu, capacity[0]), capacity[1], capacity[2])
    sizes = (vm.vcpu, vm.ram_gb, vm.disk.size_gb)
    for resource, size, limit in zip(RESOURCES, sizes, limits, strict=True):
        if size > limit:
            return f"it now needs {size} {resource}; blade {blade_id} holds at most {limit}"
    return None


def _over_capacity(
    spec: PlatformSpec, vms: Sequence[VirtualMachine], blade_id: str, previous: Mapping[str, tuple[str | None, str]]
) -> str | None:
    """Whether the VMs ``blade_id`` had, as the spec sizes them now, exceed it in some month."""
    domains = spec.failure_domains
    blade = next(blade for _, blade in domains.blades() if blade.id == blade_id)
    capacity = blade_capacity(blade, domains.vcpu_overcommit)
    had = [vm for vm in vms if vm.name in previous and previous[vm.name][1] == blade_id]
    totals = [[0] * len(RESOURCES) for _ in MONTHS]
    for vm in had:
        for month_total, demand in zip(totals, monthly_demand(vm), strict=True):
            for k, value in enumerate(demand):
                month_total[k] += value
    for m, month_total in enumerate(totals):
        for k, resource in enumerate(RESOURCES):
            if month_total[k] > capacity[k]:
                return (
                    f"blade {blade_id} can no longer hold the {len(had)} VMs it had: "
                    f"{resource} {month_total[k]}/{capacity[k]} in month {MONTHS[m]}"
                )
    return None


def _reason(
    vm: VirtualMachine,
    spec: PlatformSpec,
    vms: Sequence[VirtualMachine],
    previous: Mapping[str, tuple[str | None, str]],
    now: Mapping[str, tuple[str, str]],
    fewest_proven: bool,
) -> tuple[str, str]:
    from_chassis, from_blade = previous[vm.name]
    chassis_ids = {chassis.id for chassis in spec.failure_domains.chassis}
    chassis_of = {blade.id: chassis.id for chassis, blade in spec.failure_domains.blades()}
    if from_chassis is not None and from_chassis not in chassis_ids:
        return CHASSIS_REMOVED, f"chassis {from_chassis} is no longer in the spec"
    if from_blade not in chassis_of:
        return BLADE_REMOVED, f"blade {from_blade} is no longer in the spec"
    if from_chassis is not None and chassis_of[from_blade] != from_chassis:
        return BLADE_REMOVED, f"blade {from_blade} is now in chassis {chassis_of[from_blade]}, not {from_chassis}"
    too_large = _too_large(vm, spec, from_blade)
    if too_large is not None:
        return TOO_LARGE, too_large
    if vm.anti_affinity:
        chassis = chassis_of[from_blade]
        beside = sorted(
            other.name
            for other in vms
            if other.group == vm.group and other.name != vm.name and now[other.name][0] == chassis
        )
        if beside:
            return ANTI_AFFINITY, f"{', '.join(beside)} of {vm.group} is on chassis {chassis}, and replicas stay apart"
    over = _over_capacity(spec, vms, from_blade, previous)
    if over is not None:
        return OVER_CAPACITY, over
    if fewest_proven:
        return MAKE_ROOM, "no placement of every VM keeps it where it was (fewest moves proven)"
    return MAKE_ROOM, "moved to make room for the spec's VMs (the fewest moves found, not proven)"


def continuity(
    spec: PlatformSpec,
    vms: Sequence[VirtualMachine],
    previous: Mapping[str, tuple[str | None, str]],
    now: Mapping[str, tuple[str, str]],
    fewest_proven: bool,
) -> Continuity:
    """Compare the new placement ``now`` (VM -> chassis, blade) with ``previous``, naming each move's reason."""
    names = {vm.name for vm in vms}
    moves: list[Move] = []
    kept: list[str] = []
    added: list[str] = []
    for vm in vms:
        if vm.name not in previous:
            added.append(vm.name)
            continue
        from_chassis, from_blade = previous[vm.name]
        to_chassis, to_blade = now[vm.name]
        if to_blade == from_blade and from_chassis in (None, to_chassis):
            kept.append(vm.name)
            continue
        reason, detail = _reason(vm, spec, vms, previous, now, fewest_proven)
        moves.append(Move(vm.name, from_chassis, from_blade, to_chassis, to_blade, reason, detail))
    removed = tuple(name for name in previous if name not in names)
    return Continuity(tuple(moves), tuple(kept), tuple(added), removed, fewest_proven)
