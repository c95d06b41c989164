"""Host planning: every VM once, at its planned address, replicas of a group on distinct chassis."""

from __future__ import annotations

from collections import defaultdict

import pytest

from kiban_platform.network.hosts import PlannedHost, plan_hosts
from kiban_platform.network.plan import plan_network
from kiban_platform.spec.instances import expand_vms
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec
from tests.conftest import SAMPLE_SPEC


@pytest.fixture(scope="module")
def sample() -> PlatformSpec:
    return load_spec(SAMPLE_SPEC)


@pytest.fixture(scope="module")
def hosts(sample: PlatformSpec) -> tuple[PlannedHost, ...]:
    return plan_hosts(sample, plan_network(sample))


def test_every_vm_once_in_expand_vms_order(sample: PlatformSpec, hosts: tuple[PlannedHost, ...]) -> None:
    assert [host.vm for host in hosts] == expand_vms(sample)


def test_address_is_the_replica_th_host_of_its_subnet(hosts: tuple[PlannedHost, ...]) -> None:
    for host in hosts:
        assert host.address == host.subnet.host(host.vm.replica)
        assert host.address in host.subnet.cidr
        assert host.address not in (host.subnet.gateway, host.subnet.service_address)


def test_addresses_are_unique(hosts: tuple[PlannedHost, ...]) -> None:
    addresses = [host.address for host in hosts]
    assert len(set(addresses)) == len(addresses)


def test_replica_i_goes_to_chassis_i_mod_n(sample: PlatformSpec, hosts: tuple[PlannedHost, ...]) -> None:
    chassis = sample.failure_domains.chassis
    for host in hosts:
        assert host.chassis == chassis[host.vm.replica % len(chassis)]


def test_no_two_replicas_of_an_anti_affine_group_share_a_chassis(hosts: tuple[PlannedHost, ...]) -> None:
    by_group: dict[str, list[str]] = defaultdict(list)
    for host in hosts:
        if host.vm.anti_affinity:
            by_group[host.group].append(host.chassis.id)
    assert by_group
    for group, chassis in by_group.items():
        assert len(chassis) == len(set(chassis)), group


def test_blade_is_unknown_until_placement(hosts: tuple[PlannedHost, ...]) -> None:
    assert {host.blade for host in hosts} == {None}
