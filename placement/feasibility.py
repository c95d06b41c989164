"""Specs no placement can satisfy, reported at the field a person must change.

``kiban validate`` already rejects the first two kinds; the planner checks again
because it also takes specs built in code, which never went through validation.
"""

from __future__ import annotations

from collections.abc import Iterator

from placement.bounds import LowerBounds
from placement.demand import blade_capacity
from spec.model import PlatformSpec, VmShape
from spec.problems import FieldPath, Problem

CHASSIS_PATH: FieldPath = ("failure_domains", "chassis")


def _fits_a_blade(shape: VmShape, spec: PlatformSpec, path: FieldPath) -> Iterator[Problem]:
    domains = spec.failure_domains
    blades = [blade for _, blade in domains.blades()]
    if any(
        shape.vcpu <= blade.vcpu and shape.ram_gb <= blade.ram_gb and shape.disk.size_gb <= blade.disk_gb
        for blade in blades
    ):
        return
    largest = {
        "vcpu": (shape.vcpu, max(b.vcpu for b in blades)),
        "ram_gb": (shape.ram_gb, max(b.ram_gb for b in blades)),
        "disk": (shape.disk.size_gb, max(b.disk_gb for b in blades)),
    }
    too_big = [field for field, (need, most) in largest.items() if need > most]
    where = (*path, too_big[0]) if len(too_big) == 1 else path
    yield Problem(
        where,
        f"a VM of {shape.vcpu} vCPU, {shape.ram_gb} GB RAM and {shape.disk.size_gb} GB disk fits no blade "
        f"(largest: {largest['vcpu'][1]} cores, {largest['ram_gb'][1]} GB RAM, {largest['disk'][1]} GB disk)",
    )


def _spread(replicas: int, anti_affinity: bool, spec: PlatformSpec, path: FieldPath) -> Iterator[Problem]:
    chassis = len(spec.failure_domains.chassis)
    if anti_affinity and replicas > chassis:
        yield Problem(
            (*path, "replicas"),
            f"{replicas} replicas must each be on a chassis of their own and the spec has {chassis} chassis",
        )


def shape_problems(spec: PlatformSpec) -> list[Problem]:
    """VMs larger than every blade, and anti-affine tiers with more replicas than chassis."""
    problems: list[Problem] = []
    for index, business in enumerate(spec.businesses):
        for name, tier in business.tiers.items():
            path: FieldPath = ("businesses", index, "tiers", name.value)
            problems += _fits_a_blade(tier, spec, path)
            problems += _spread(tier.replicas, tier.anti_affinity, spec, path)
    for role, service in spec.middleware.items():
        path = ("middleware", role.value)
        problems += _fits_a_blade(service, spec, path)
        problems += _spread(service.replicas, service.anti_affinity, spec, path)
    return problems


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
