"""Every virtual machine a spec asks for, named once for the planner, the Pulumi program and the inventory.

Names are stable and readable by operators: ``<business>-<tier>-<n>`` for a
business replica (``juki-app-1``) and ``<role>-<area>-<n>`` for a middleware node
(``integration-hub-mynumber-1``, ``bastion-mynumber-1``), n counting from 1.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiban_platform.spec.model import Disk, Licence, MiddlewareRole, PlatformSpec, Port, TierName, tier_ports


@dataclass(frozen=True)
class VirtualMachine:
    name: str
    role: str  # the tier name for a business VM ("web", "app", "db", "batch"), else the middleware role
    business: str | None
    tier: TierName | None
    area: str
    replica: int  # 0-based index within its group
    group: str  # replicas of one group are spread: "<business>/<tier>" or "<role>@<area>"
    vcpu: int
    ram_gb: int
    disk: Disk
    ports: tuple[Port, ...]
    redundant: bool
    anti_affinity: bool
    peak_months: tuple[int, ...]
    off_peak_load: float
    licence: Licence

    @property
    def middleware_role(self) -> MiddlewareRole | None:
        return None if self.business is not None else MiddlewareRole(self.role)


def vm_name_for_middleware(role: MiddlewareRole, area: str, replica: int) -> str:
    return f"{role.value.replace('_', '-')}-{area}-{replica + 1}"


def expand_vms(spec: PlatformSpec) -> list[VirtualMachine]:
    """Each replica of each business tier, then each middleware node in each of its areas, in spec order.

    Bastions come last (after every middleware role), so a spec that gains `management` appends
    VMs and renames none.
    """
    vms: list[VirtualMachine] = []
    for business in spec.businesses:
        for name, tier in business.tiers.items():
            for replica in range(tier.replicas):
                vms.append(
                    VirtualMachine(
                        name=f"{business.id}-{name.value}-{replica + 1}",
                        role=name.value,
                        business=business.id,
                        tier=name,
                        area=business.area,
                        replica=replica,
                        group=f"{business.id}/{name.value}",
                        vcpu=tier.vcpu,
                        ram_gb=tier.ram_gb,
                        disk=tier.disk,
                        ports=tier_ports(name, tier),
                        redundant=tier.redundant,
                        anti_affinity=tier.anti_affinity,
                        peak_months=tuple(business.peak_months),
                        off_peak_load=business.off_peak_load,
                        licence=business.licence,
                    )
                )
    for role, service in spec.platform_services():
        for area in service.areas:
            for replica in range(service.replicas):
                vms.append(
                    VirtualMachine(
                        name=vm_name_for_middleware(role, area, replica),
                        role=role.value,
                        business=None,
                        tier=None,
                        area=area,
                        replica=replica,
                        group=f"{role.value}@{area}",
                        vcpu=service.vcpu,
                        ram_gb=service.ram_gb,
                        disk=service.disk,
                        ports=tuple(service.ports),
                        redundant=service.redundant,
                        anti_affinity=service.anti_affinity,
                        # Platform services carry every business, so they are planned at full size all year.
                        peak_months=tuple(range(1, 13)),
                        off_peak_load=1.0,
                        licence=service.licence,
                    )
                )
    return vms
