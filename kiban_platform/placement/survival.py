"""What is left when a chassis is lost: for each chassis, the tiers that would have no replica running.

Anti-affine tiers are on distinct chassis, so with two or more replicas they always
survive; a tier with one replica (``redundant: false``) or without anti-affinity can
go down with its chassis, and the report names it so that the risk is a decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kiban_platform.spec.instances import VirtualMachine


@dataclass(frozen=True)
class ChassisLoss:
    chassis: str
    vms_lost: int
    tiers_down: tuple[str, ...]  # groups ("<business>/<tier>", "<role>@<area>") with no replica left
    redundant_tiers_down: tuple[str, ...]  # of those, the ones the spec marks redundant

    @property
    def survives(self) -> bool:
        """Every tier the spec wants redundant keeps a replica."""
        return not self.redundant_tiers_down


def chassis_losses(
    vms: Sequence[VirtualMachine], chassis_of_vm: Mapping[str, str], chassis_ids: Sequence[str]
) -> list[ChassisLoss]:
    """One entry per chassis of the spec, in spec order."""
    groups: dict[str, list[VirtualMachine]] = {}
    for vm in vms:
        groups.setdefault(vm.group, []).append(vm)
    losses = []
    for chassis in chassis_ids:
        down = [group for group, members in groups.items() if all(chassis_of_vm[vm.name] == chassis for vm in members)]
        redundant = [group for group in down if any(vm.redundant for vm in groups[group])]
        lost = sum(1 for vm in vms if chassis_of_vm[vm.name] == chassis)
        losses.append(ChassisLoss(chassis, lost, tuple(down), tuple(redundant)))
    return losses
