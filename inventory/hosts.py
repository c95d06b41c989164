"""Where each VM goes: its subnet, its fixed address and its failure domain (chassis).

Replica i of a group goes to chassis i mod n, so replicas of one group never
share a chassis while there are at least as many chassis as replicas (the spec
checks refuse anti-affine groups with more replicas than chassis).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from network.numbering import zonal_host_address
from network.plan import NetworkPlan, Subnet
from spec.instances import VirtualMachine, expand_vms
from spec.model import Chassis, PlatformSpec


@dataclass(frozen=True)
class PlannedHost:
    vm: VirtualMachine
    subnet: Subnet
    address: ipaddress.IPv4Address
    chassis: Chassis
    blade: str | None = None  # filled by the placement planner once it exists

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


def plan_hosts(spec: PlatformSpec, network: NetworkPlan, zonal_subnets: bool = False) -> tuple[PlannedHost, ...]:
    """Every VM of ``expand_vms`` with its subnet, its address (replica i -> host i) and its chassis.

    ``zonal_subnets``: the target cuts each subnet into one block per failure domain (an AWS
    subnet lives in one availability zone), so replica i takes a host address in the block of
    its chassis (``zonal_host_address``) instead of host i of the whole subnet.
    """
    zones = len(spec.failure_domains.chassis)
    hosts = []
    for vm in expand_vms(spec):
        subnet = subnet_of(network, vm)
        address = zonal_host_address(subnet.cidr, vm.replica, zones) if zonal_subnets else subnet.host(vm.replica)
        hosts.append(PlannedHost(vm, subnet, address, chassis_for_replica(spec, vm.replica)))
    return tuple(hosts)
