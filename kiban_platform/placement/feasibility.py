"""Specs no placement can satisfy, reported at the field a person must change.

``kiban validate`` already rejects the first two kinds; the planner checks again
because it also takes specs built in code, which never went through validation.
"""

from __future__ import annotations

from kiban_platform.placement.bounds import LowerBounds
from kiban_platform.placement.demand import blade_capacity
from kiban_platform.spec.checks import placement_problems
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.problems import FieldPath, Problem

CHASSIS_PATH: FieldPath = ("failure_domains", "chassis")


def shape_problems(spec: PlatformSpec) -> list[Problem]:
    """VMs larger than every blade, and anti-affine tiers with more replicas than chassis (the spec's own rules)."""
    return placement_problems(spec)


def _binding(bounds: LowerBounds) -> str:
    if bounds.best == bounds.anti_affinity and bounds.anti_affinity >= max(bounds.capacity, bounds.martello_toth):
        return "to keep each tier's replicas on distinct blades"
    if bounds.binding is None:
        return "for their demand"
    month, resource = bounds.binding
    return f"for their {resource} in month {month}"


def capacity_problem(spec: PlatformSpec, bounds: LowerBounds, vm_count: int) -> Problem | None:
    """Too few blades: the lower bound alone exceeds what the spec has."""
    blades = sum(len(chassis.blades) for chassis in spec.failure_domains.chassis)
    if bounds.best <= blades:
        return None
    overcommit = spec.failure_domains.vcpu_overcommit
    capacity = {blade_capacity(blade, overcommit) for _, blade in spec.failure_domains.blades()}
    shown = ", ".join(f"{v} vCPU/{r} GB RAM/{d} GB disk" for v, r, d in sorted(capacity))
    return Problem(
        CHASSIS_PATH,
        f"not enough blades: the {vm_count} VMs need at least {bounds.best} blades {_binding(bounds)}, "
        f"and the spec has {blades} (each offering {shown} at {overcommit:g}x vCPU overcommit): add blades",
    )


def no_placement_problem(
    spec: PlatformSpec, vm_count: int, lower_bound: int, proven: bool, time_limit: float
) -> Problem:
    """The solver found no placement: proven impossible, or none found in the time allowed."""
    blades = sum(len(chassis.blades) for chassis in spec.failure_domains.chassis)
    chassis = len(spec.failure_domains.chassis)
    if proven:
        reason = "CP-SAT proved that no placement fits"
    else:
        reason = f"neither first fit nor CP-SAT (in {time_limit:g} s) found a placement that fits"
    return Problem(
        CHASSIS_PATH,
        f"not enough blades: {reason} the {vm_count} VMs on the {blades} blades in {chassis} chassis "
        f"(capacity alone needs at least {lower_bound}; replicas also need distinct chassis): add blades or chassis",
    )
