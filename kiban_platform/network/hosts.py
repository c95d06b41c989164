"""Where each VM goes: its subnet, its fixed address, its failure domain (chassis) and blade.

With a placement plan (``kiban plan``), each VM goes to the chassis and blade the planner chose.
Without one, replica i of a group goes to chassis i mod n, so replicas of one group never
share a chassis while there are at least as many chassis as replicas (the spec checks refuse
anti-affine groups with more replicas than chassis). Either way a host's address depends on
its replica number only (and, where subnets are zonal, on its zone), never on other VMs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from kiban_platform.network.plan import NetworkPlan, Subnet
from kiban_platform.spec.instances import VirtualMachine, expand_vms
from kiban_platform.spec.model import Chassis, PlatformSpec
from kiban_platform.spec.numbering import host_address, zone_block


@dataclass(frozen=True)
class PlannedHost:
    vm: VirtualMachine
    subnet: Subnet
    address: ipaddress.IPv4Address
    chassis: Chassis
    blade: str | None = None  # the planner's blade; None when the stack does not plan placement

    @property
    def name(self) -> str:
        return self.vm.name

    @property
    def group(self) -> str:
        """The flow plan's host-group id of this VM: "juki/app" or "integration_hub@mynumber"."""
        return self.vm.group


def chassis_for_replica(spec: PlatformSpec, replica: int) -> Chassis:
    chassis = spec.failure_domains.chassis
    return chassis[replica % len(chassis)]


def subnet_of(network: NetworkPlan, vm: VirtualMachine) -> Subnet:
    if vm.business is not None:
        assert vm.tier is not None  # a business VM always belongs to a tier
        return network.tier_subnet(vm.business, vm.tier)
    role = vm.middleware_role
    assert role is not None
    return network.role_subnet(vm.area, role)


def plan_hosts(
    spec: PlatformSpec,
    network: NetworkPlan,
    zonal_subnets: bool = False,
    placement: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[PlannedHost, ...]:
    """Every VM of ``expand_vms`` with its subnet, its address and its chassis (and blade, when placed).

    ``placement`` maps a VM's name to the (chassis id, blade id) the planner chose.
    ``zonal_subnets``: the target cuts each subnet into one block per failure domain (an AWS
    subnet lives in one availability zone), so a replica takes a host address in the block of
    its chassis, numbered among its group's replicas in that chassis.
    """
    chassis_by_id = {chassis.id: chassis for chassis in spec.failure_domains.chassis}
    zone_index = {chassis.id: index for index, chassis in enumerate(spec.failure_domains.chassis)}
    zones = len(zone_index)
    in_zone: dict[tuple[str, str], int] = {}
    hosts = []
    for vm in expand_vms(spec):
        subnet = subnet_of(network, vm)
        if placement is not None:
            chassis_id, blade = placement[vm.name]
            chassis = chassis_by_id[chassis_id]
        else:
            chassis, blade = chassis_for_replica(spec, vm.replica), None
        if zonal_subnets:
            order = in_zone.get((vm.group, chassis.id), 0)
            in_zone[(vm.group, chassis.id)] = order + 1
            address = host_address(zone_block(subnet.cidr, zone_index[chassis.id], zones), order)
        else:
            address = subnet.host(vm.replica)
        hosts.append(PlannedHost(vm, subnet, address, chassis, blade))
    return tuple(hosts)
