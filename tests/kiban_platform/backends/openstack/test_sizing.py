"""Quotas sized from the tiers, and address pools that never hand out a planned address."""

from __future__ import annotations

import ipaddress

import pytest

from kiban_platform.backends.openstack.sizing import GroupShape, allocation_pool, project_quotas
from kiban_platform.network.plan import Subnet
from kiban_platform.spec.instances import VirtualMachine
from kiban_platform.spec.model import Disk, DiskTier, Licence

TYPES = {"fast": "ssd", "capacity": "hdd"}


def _vm(name: str, vcpu: int, ram_gb: int, tier: DiskTier, size_gb: int) -> VirtualMachine:
    return VirtualMachine(
        name=name,
        role="app",
        business="b",
        tier=None,
        area="a",
        replica=0,
        group="b/app",
        vcpu=vcpu,
        ram_gb=ram_gb,
        disk=Disk(tier=tier, size_gb=size_gb),
        ports=(),
        redundant=True,
        anti_affinity=True,
        peak_months=(),
        off_peak_load=0.5,
        licence=Licence(),
    )


def test_quotas_are_the_tiers_plus_one_replacement_of_the_largest_vm() -> None:
    web = GroupShape((_vm("w1", 2, 4, DiskTier.FAST, 40), _vm("w2", 2, 4, DiskTier.FAST, 40)), 6, True, 1)
    batch = GroupShape((_vm("b1", 8, 32, DiskTier.CAPACITY, 500),), 4, False, 0)
    quotas = project_quotas([web, batch], TYPES)
    assert quotas.instances == 4
    assert quotas.cores == 2 + 2 + 8 + 8
    assert quotas.ram_mb == (4 + 4 + 32 + 32) * 1024
    assert quotas.volumes == 4
    assert quotas.gigabytes == 40 + 40 + 500 + 500
    assert quotas.volumes_by_type == {"ssd": 2, "hdd": 2}
    assert quotas.gigabytes_by_type == {"ssd": 80, "hdd": 1000}
    assert quotas.server_groups == 1
    assert quotas.server_group_members == 3
    assert quotas.security_groups == 3
    assert quotas.security_group_rules == 6 + 2 + 4 + 2 + 4
    assert (quotas.load_balancers, quotas.listeners, quotas.pools, quotas.members) == (1, 1, 1, 2)
    assert quotas.ports == 4 + 1 + 2
    assert quotas.subnets == 2


@pytest.mark.parametrize(("cidr", "hosts"), [("10.0.0.0/24", 3), ("10.0.0.0/25", 2), ("10.0.0.0/27", 12)])
def test_pool_avoids_fixed_hosts_gateway_and_service_address(cidr: str, hosts: int) -> None:
    subnet = Subnet("s", ipaddress.IPv4Network(cidr))
    pool = allocation_pool(subnet, hosts)
    assert pool is not None
    first, last = (ipaddress.IPv4Address(address) for address in pool)
    fixed = {subnet.host(index) for index in range(hosts)} | {subnet.gateway, subnet.service_address}
    assert all(not first <= address <= last for address in fixed)
    assert first in subnet.cidr and last in subnet.cidr and first <= last


def test_pool_starts_at_the_upper_half_so_replicas_can_grow() -> None:
    assert allocation_pool(Subnet("s", ipaddress.IPv4Network("10.0.0.0/24")), 2) == ("10.0.0.128", "10.0.0.253")


def test_no_pool_when_hosts_fill_the_subnet() -> None:
    assert allocation_pool(Subnet("s", ipaddress.IPv4Network("10.0.0.0/29")), 2) is None
