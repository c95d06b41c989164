"""What each VM asks of a blade in each month, and what each blade offers.

Decisions (docs/PLACEMENT.md explains them):

- A business VM needs its full size in its business's peak months and
  ``size x off_peak_load`` in the other months, rounded up to a whole vCPU and a
  whole GB so that a plan never counts on fractions.
- A business with no peak months (elections, steady monthly payments) is planned
  flat at full size: without a calendar, the safe assumption is that it may peak any time.
- Middleware VMs from ``expand_vms`` are already full size in all twelve months.
- Disk does not follow the calendar: data stays on disk off-peak, so a VM's disk
  is reserved at full size all year. vCPU and RAM follow the profile (the platform
  resizes or scales in off-peak, the seed's performance loop).
- A blade offers ``cores x vcpu_overcommit`` vCPUs (rounded down), its RAM with no
  overcommit, and its local disk; no VM may have more vCPUs than the blade has cores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from kiban_platform.placement.problem import Bin, Item, PackingProblem
from kiban_platform.spec.instances import VirtualMachine
from kiban_platform.spec.model import Blade, LicenceModel, PlatformSpec

RESOURCES = ("vcpu", "ram_gb", "disk_gb")
MONTHS = tuple(range(1, 13))


def _exact(value: float) -> Fraction:
    # Through str, 0.7 is exactly 7/10; Fraction(0.7) would carry binary noise into the ceiling.
    return Fraction(str(value))


def monthly_demand(vm: VirtualMachine) -> tuple[tuple[int, int, int], ...]:
    """Return (vCPU, RAM GB, disk GB) for each month 1..12."""
    full = (vm.vcpu, vm.ram_gb, vm.disk.size_gb)
    load = _exact(vm.off_peak_load)
    off_peak = (math.ceil(vm.vcpu * load), math.ceil(vm.ram_gb * load), vm.disk.size_gb)
    peaks = set(vm.peak_months)
    return tuple(full if not peaks or month in peaks else off_peak for month in MONTHS)


def blade_capacity(blade: Blade, vcpu_overcommit: float) -> tuple[int, int, int]:
    return math.floor(blade.vcpu * _exact(vcpu_overcommit)), blade.ram_gb, blade.disk_gb


def licence_key(vm: VirtualMachine) -> str | None:
    """The per-host licensed product a VM needs a licence of on its blade, or None.

    VMs naming the same product share one licence per blade, whichever business or role they serve.
    """
    if vm.licence.model != LicenceModel.PER_HOST:
        return None
    return vm.licence.product or (vm.business or vm.role)


def licence_costs(vms: Sequence[VirtualMachine]) -> dict[str, int]:
    """Annual cost of one licence of each product; when two declarations differ, the dearer one counts."""
    costs: dict[str, int] = {}
    for vm in vms:
        key = licence_key(vm)
        if key is not None:
            costs[key] = max(costs.get(key, 0), vm.licence.annual_cost_jpy)
    return costs


def vm_item(vm: VirtualMachine) -> Item:
    return Item(
        name=vm.name,
        demand=monthly_demand(vm),
        size=(vm.vcpu, vm.ram_gb, vm.disk.size_gb),
        group=vm.group if vm.anti_affinity else None,
        licence=licence_key(vm),
    )


def problem_from_spec(spec: PlatformSpec, vms: Sequence[VirtualMachine]) -> PackingProblem:
    """The spec's VMs (from ``expand_vms``) and blades as a packing problem; bins in spec order."""
    domains = spec.failure_domains
    chassis_index = {chassis.id: index for index, chassis in enumerate(domains.chassis)}
    bins = tuple(
        Bin(
            id=blade.id,
            domain=chassis_index[chassis.id],
            capacity=blade_capacity(blade, domains.vcpu_overcommit),
            limit=(blade.vcpu, blade.ram_gb, blade.disk_gb),
        )
        for chassis, blade in domains.blades()
    )
    return PackingProblem(
        resources=RESOURCES,
        periods=tuple(str(month) for month in MONTHS),
        domains=tuple(chassis.id for chassis in domains.chassis),
        bins=bins,
        items=tuple(vm_item(vm) for vm in vms),
        licence_costs=licence_costs(vms),
    )
