"""Check a placement against every hard rule; used by the tests and after every solve.

``verify_placement`` works from the spec and the VMs directly, not from the packing
problem the solver saw, so a mistake in building that problem is caught too.
An empty list means the placement keeps every rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from kiban_platform.placement.demand import MONTHS, RESOURCES, blade_capacity, monthly_demand
from kiban_platform.placement.problem import Assignment, PackingProblem
from kiban_platform.spec.instances import VirtualMachine
from kiban_platform.spec.model import PlatformSpec


class Rule(StrEnum):
    PLACED = "placed"  # every VM on exactly one known blade, nothing else placed
    FITS = "fits"  # a VM is no larger than its blade (vCPUs <= cores, RAM, disk)
    CAPACITY = "capacity"  # a blade holds the sum of its VMs' demand in every month and resource
    DISTINCT_BLADES = "distinct_blades"  # replicas of an anti-affine group on distinct blades
    DISTINCT_CHASSIS = "distinct_chassis"  # ... and on distinct chassis


@dataclass(frozen=True)
class Violation:
    rule: Rule
    subject: str  # the VM, blade or group at fault
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}: {self.message}"


def verify_placement(
    vms: Sequence[VirtualMachine], spec: PlatformSpec, assignment: Mapping[str, str]
) -> list[Violation]:
    """Every broken rule in ``assignment`` (VM name -> blade id)."""
    violations: list[Violation] = []
    domains = spec.failure_domains
    blades = {blade.id: (chassis.id, blade) for chassis, blade in domains.blades()}
    names = {vm.name for vm in vms}
    for name in sorted(set(assignment) - names):
        violations.append(Violation(Rule.PLACED, name, "placed, but the spec has no such VM"))

    load: dict[str, list[list[int]]] = defaultdict(lambda: [[0] * len(RESOURCES) for _ in MONTHS])
    members: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # group -> (vm, blade, chassis)
    for vm in vms:
        blade_id = assignment.get(vm.name)
        if blade_id is None:
            violations.append(Violation(Rule.PLACED, vm.name, "not placed on any blade"))
            continue
        if blade_id not in blades:
            violations.append(Violation(Rule.PLACED, vm.name, f"placed on unknown blade {blade_id!r}"))
            continue
        chassis_id, blade = blades[blade_id]
        if vm.vcpu > blade.vcpu or vm.ram_gb > blade.ram_gb or vm.disk.size_gb > blade.disk_gb:
            violations.append(
                Violation(
                    Rule.FITS,
                    vm.name,
                    f"{vm.vcpu} vCPU/{vm.ram_gb} GB/{vm.disk.size_gb} GB does not fit blade {blade_id} "
                    f"({blade.vcpu} cores/{blade.ram_gb} GB/{blade.disk_gb} GB)",
                )
            )
        for month_load, month_demand in zip(load[blade_id], monthly_demand(vm), strict=True):
            for k, value in enumerate(month_demand):
                month_load[k] += value
        if vm.anti_affinity:
            members[vm.group].append((vm.name, blade_id, chassis_id))

    for blade_id, months in sorted(load.items()):
        capacity = blade_capacity(blades[blade_id][1], domains.vcpu_overcommit)
        for month, month_load in zip(MONTHS, months, strict=True):
            for k, resource in enumerate(RESOURCES):
                if month_load[k] > capacity[k]:
                    violations.append(
                        Violation(
                            Rule.CAPACITY,
                            blade_id,
                            f"month {month}: {resource} {month_load[k]} exceeds capacity {capacity[k]}",
                        )
                    )

    for group, placed in sorted(members.items()):
        for rule, index in ((Rule.DISTINCT_BLADES, 1), (Rule.DISTINCT_CHASSIS, 2)):
            seen: dict[str, str] = {}
            for entry in placed:
                where = entry[index]
                if where in seen:
                    violations.append(Violation(rule, group, f"{seen[where]} and {entry[0]} are both on {where}"))
                else:
                    seen[where] = entry[0]
    return violations


def verify_assignment(problem: PackingProblem, assignment: Assignment) -> list[Violation]:
    """The same rules on a packing problem (used for the benchmark's instances and the baselines)."""
    violations: list[Violation] = []
    if len(assignment) != len(problem.items):
        return [Violation(Rule.PLACED, "-", f"{len(assignment)} positions for {len(problem.items)} items")]
    width = len(problem.resources)
    load = [[[0] * width for _ in problem.periods] for _ in problem.bins]
    seen: dict[tuple[str, int], str] = {}
    seen_bins: dict[tuple[str, int], str] = {}
    for item, bin_index in zip(problem.items, assignment, strict=True):
        if not 0 <= bin_index < len(problem.bins):
            violations.append(Violation(Rule.PLACED, item.name, f"unknown bin {bin_index}"))
            continue
        bin_ = problem.bins[bin_index]
        if not bin_.takes(item):
            violations.append(Violation(Rule.FITS, item.name, f"size {item.size} exceeds limit {bin_.limit}"))
        if bin_.domain in item.excluded_domains:
            where = problem.domains[bin_.domain]
            violations.append(Violation(Rule.DISTINCT_CHASSIS, item.name, f"on {where}, where its group already is"))
        for p, period in enumerate(item.demand):
            for k, value in enumerate(period):
                load[bin_index][p][k] += value
        if item.group is not None:
            for rule, key, where, table in (
                (Rule.DISTINCT_BLADES, (item.group, bin_index), bin_.id, seen_bins),
                (Rule.DISTINCT_CHASSIS, (item.group, bin_.domain), problem.domains[bin_.domain], seen),
            ):
                if key in table:
                    violations.append(Violation(rule, item.group, f"{table[key]} and {item.name} are both on {where}"))
                else:
                    table[key] = item.name
    for bin_, periods in zip(problem.bins, load, strict=True):
        for label, period_load in zip(problem.periods, periods, strict=True):
            for k, resource in enumerate(problem.resources):
                if period_load[k] > bin_.capacity[k]:
                    violations.append(
                        Violation(
                            Rule.CAPACITY,
                            bin_.id,
                            f"period {label}: {resource} {period_load[k]} exceeds capacity {bin_.capacity[k]}",
                        )
                    )
    return violations
