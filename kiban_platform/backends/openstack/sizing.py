"""Pure arithmetic of the OpenStack backend: quotas of a business project, address pools of a subnet."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kiban_platform.network.plan import Subnet
from kiban_platform.spec.instances import VirtualMachine
from kiban_platform.spec.numbering import host_address

# Neutron creates two egress rules (IPv4, IPv6) in every new security group before kiban deletes
# them, and four rules in a project's "default" group: the quota must leave room for both.
DEFAULT_EGRESS_RULES_PER_GROUP = 2
DEFAULT_GROUP_RULES = 4


@dataclass(frozen=True)
class GroupShape:
    """What quotas need to know of one deployed host group."""

    vms: tuple[VirtualMachine, ...]
    rules: int  # security-group rules (ingress and egress)
    server_group: bool
    listeners: int  # load-balanced ports; 0 = no load balancer


@dataclass(frozen=True)
class Quotas:
    instances: int
    cores: int
    ram_mb: int
    server_groups: int
    server_group_members: int
    volumes: int
    gigabytes: int
    volumes_by_type: Mapping[str, int]
    gigabytes_by_type: Mapping[str, int]
    networks: int
    subnets: int
    ports: int
    security_groups: int
    security_group_rules: int
    load_balancers: int
    listeners: int
    pools: int
    members: int
    health_monitors: int


def project_quotas(groups: Sequence[GroupShape], volume_types: Mapping[str, str]) -> Quotas:
    """Exactly what the tiers use, plus room for one replacement of the largest VM.

    Pulumi replaces a VM by creating the new one before deleting the old, so a
    quota sized to the letter would block every replacement.
    """
    vms = [vm for group in groups for vm in group.vms]
    largest_vcpu = max((vm.vcpu for vm in vms), default=0)
    largest_ram = max((vm.ram_gb for vm in vms), default=0)
    largest_disk = max((vm.disk.size_gb for vm in vms), default=0)
    volumes_by_type: dict[str, int] = {}
    gigabytes_by_type: dict[str, int] = {}
    for vm in vms:
        kind = volume_types[vm.disk.tier.value]
        volumes_by_type[kind] = volumes_by_type.get(kind, 0) + 1
        gigabytes_by_type[kind] = gigabytes_by_type.get(kind, 0) + vm.disk.size_gb
    for vm in vms:
        if vm.disk.size_gb == largest_disk:
            kind = volume_types[vm.disk.tier.value]
            volumes_by_type[kind] += 1
            gigabytes_by_type[kind] += largest_disk
            break
    balanced = [group for group in groups if group.listeners]
    listeners = sum(group.listeners for group in balanced)
    return Quotas(
        instances=len(vms) + 1,
        cores=sum(vm.vcpu for vm in vms) + largest_vcpu,
        ram_mb=(sum(vm.ram_gb for vm in vms) + largest_ram) * 1024,
        server_groups=sum(1 for group in groups if group.server_group),
        server_group_members=max((len(group.vms) for group in groups), default=0) + 1,
        volumes=len(vms) + 1,
        gigabytes=sum(vm.disk.size_gb for vm in vms) + largest_disk,
        volumes_by_type=volumes_by_type,
        gigabytes_by_type=gigabytes_by_type,
        networks=1,
        subnets=len(groups),
        # One port per VM and its replacement, one VIP per load balancer, one DHCP port per subnet.
        ports=len(vms) + 1 + len(balanced) + len(groups),
        security_groups=len(groups) + 1,
        security_group_rules=sum(group.rules + DEFAULT_EGRESS_RULES_PER_GROUP for group in groups)
        + DEFAULT_GROUP_RULES,
        load_balancers=len(balanced),
        listeners=listeners,
        pools=listeners,
        members=sum(group.listeners * len(group.vms) for group in balanced),
        health_monitors=listeners,
    )


def allocation_pool(subnet: Subnet, fixed_hosts: int) -> tuple[str, str] | None:
    """The range Neutron may hand out (DHCP ports): the upper half, above every fixed host, below the VIP.

    Fixed hosts take addresses from the bottom (``Subnet.host``) and the load
    balancer takes the service address at the top; keeping the lower half out
    of the pool leaves room for replicas added later. None when nothing is left.
    """
    middle = subnet.cidr.network_address + subnet.cidr.num_addresses // 2
    first = max(middle, host_address(subnet.cidr, fixed_hosts))
    last = subnet.service_address - 1
    if first > last:
        return None
    return str(ipaddress.IPv4Address(first)), str(last)
