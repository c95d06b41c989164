"""Parity: the sample city rendered on OpenStack and on AWS is the same logical platform.

Asserted from the provider resources of the two rendered states, not from the code that made
them: the same areas, the same hosts (names, groups, areas, failure domains, zones, subnets and
addresses) and the same allowed flows (security-group rules by group, direction, CIDR and port).
Each state's ``inventory`` output is checked against that state's own resources.
"""

from __future__ import annotations

import ipaddress
from collections import Counter, defaultdict
from typing import Any, NamedTuple

import pytest

from tests.rendering import aws_host_rules, openstack_host_rules, resources

# Reads the AWS sample's render too (minutes): CI's `pytest -m slow`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def openstack(sample_openstack_state: dict[str, Any]) -> dict[str, Any]:
    return sample_openstack_state


@pytest.fixture(scope="module")
def aws(sample_aws_state: dict[str, Any]) -> dict[str, Any]:
    return sample_aws_state


def _inventory(state: dict[str, Any]) -> dict[str, Any]:
    inventory: dict[str, Any] = resources(state, "pulumi:pulumi:Stack")[0]["outputs"]["inventory"]
    return inventory


def _openstack_hosts(state: dict[str, Any]) -> dict[str, tuple[str, str, str, str]]:
    """VM name -> (group, area, failure domain, zone), from the instances' metadata and tags."""
    hosts = {}
    for instance in resources(state, "openstack:compute/instance:Instance"):
        inputs = instance["inputs"]
        area = next(tag.split(":", 1)[1] for tag in inputs["tags"] if tag.startswith("area:"))
        metadata = inputs["metadata"]
        hosts[inputs["name"]] = (
            metadata["kiban-group"],
            area,
            metadata["kiban-failure-domain"],
            inputs["availabilityZone"],
        )
    return hosts


def _aws_hosts(state: dict[str, Any]) -> dict[str, tuple[str, str, str, str]]:
    hosts = {}
    for instance in resources(state, "aws:ec2/instance:Instance"):
        inputs = instance["inputs"]
        tags = inputs["tags"]
        hosts[tags["Name"]] = (
            tags["kiban:group"],
            tags["kiban:area"],
            tags["kiban:failure-domain"],
            inputs["availabilityZone"],
        )
    return hosts


class Declared(NamedTuple):
    """A host as a target's provider resources declare it."""

    group: str
    area: str
    failure_domain: str
    zone: str
    address: ipaddress.IPv4Address
    subnet: ipaddress.IPv4Network  # the provider subnet the host's address is in
    blade: str | None  # OpenStack records the planned blade; AWS has no blades


def _openstack_declared(state: dict[str, Any]) -> dict[str, Declared]:
    """VM name -> the instance, its port's fixed address and that address's subnet."""
    subnets = {s["id"]: s["inputs"]["cidr"] for s in resources(state, "openstack:networking/subnet:Subnet")}
    ports = {p["id"]: p["inputs"]["fixedIps"] for p in resources(state, "openstack:networking/port:Port")}
    declared = {}
    for instance in resources(state, "openstack:compute/instance:Instance"):
        inputs = instance["inputs"]
        (network,) = inputs["networks"]
        (fixed,) = ports[network["port"]]
        metadata = inputs["metadata"]
        declared[inputs["name"]] = Declared(
            metadata["kiban-group"],
            next(tag.split(":", 1)[1] for tag in inputs["tags"] if tag.startswith("area:")),
            metadata["kiban-failure-domain"],
            inputs["availabilityZone"],
            ipaddress.IPv4Address(fixed["ipAddress"]),
            ipaddress.IPv4Network(subnets[fixed["subnetId"]]),
            metadata.get("kiban-blade"),
        )
    return declared


def _aws_declared(state: dict[str, Any]) -> dict[str, Declared]:
    """VM name -> the instance, its private address and its subnet (one zone's block of a planned subnet)."""
    subnets = {s["id"]: s["inputs"]["cidrBlock"] for s in resources(state, "aws:ec2/subnet:Subnet")}
    declared = {}
    for instance in resources(state, "aws:ec2/instance:Instance"):
        inputs = instance["inputs"]
        tags = inputs["tags"]
        declared[tags["Name"]] = Declared(
            tags["kiban:group"],
            tags["kiban:area"],
            tags["kiban:failure-domain"],
            inputs["availabilityZone"],
            ipaddress.IPv4Address(inputs["privateIp"]),
            ipaddress.IPv4Network(subnets[inputs["subnetId"]]),
            None,
        )
    return declared


def test_both_targets_declare_the_same_hosts_in_the_same_subnets(
    openstack: dict[str, Any], aws: dict[str, Any]
) -> None:
    left, right = _openstack_declared(openstack), _aws_declared(aws)
    assert len(left) > 100 and left.keys() == right.keys()
    for name, host in left.items():
        other = right[name]
        assert (host.group, host.area, host.failure_domain) == (other.group, other.area, other.failure_domain), name
        assert host.address in host.subnet and other.address in other.subnet, name
        # An AWS subnet lives in one zone: it is the zone's block of the same planned subnet.
        assert other.subnet.subnet_of(host.subnet), name
    for declared in (left, right):
        assert len({host.address for host in declared.values()}) == len(declared)
    # The planned blades are recorded on OpenStack, every VM on one; AWS places by zone only.
    assert all(host.blade for host in left.values())


@pytest.mark.parametrize("target", ["openstack", "aws"])
def test_each_inventory_publishes_the_hosts_its_resources_declare(
    target: str, openstack: dict[str, Any], aws: dict[str, Any]
) -> None:
    state = openstack if target == "openstack" else aws
    declared = (_openstack_declared if target == "openstack" else _aws_declared)(state)
    inventory = _inventory(state)
    assert inventory["target"] == target
    published = {host["name"]: host for host in inventory["hosts"]}
    assert published.keys() == declared.keys()
    for name, host in declared.items():
        entry = published[name]
        assert (entry["group"], entry["area"], entry["failure_domain"]) == (
            host.group,
            host.area,
            host.failure_domain,
        ), name
        assert ipaddress.IPv4Address(entry["address"]) == host.address, name
        assert host.subnet.subnet_of(ipaddress.IPv4Network(entry["subnet"])), name
        if host.blade is not None:
            assert entry["blade"] == host.blade, name


def test_the_same_areas(openstack: dict[str, Any], aws: dict[str, Any]) -> None:
    def areas(state: dict[str, Any]) -> list[str]:
        return sorted(r["urn"].split("::")[-1] for r in resources(state, "kiban:network:SecurityArea"))

    assert areas(openstack) == areas(aws)
    vpcs = {r["inputs"]["tags"]["kiban:area"]: r["inputs"]["cidrBlock"] for r in resources(aws, "aws:ec2/vpc:Vpc")}
    assert vpcs == {area["id"]: area["cidr"] for area in _inventory(openstack)["areas"]}


def test_the_same_hosts_per_group_and_area(openstack: dict[str, Any], aws: dict[str, Any]) -> None:
    left, right = _openstack_hosts(openstack), _aws_hosts(aws)
    assert left.keys() == right.keys()
    assert Counter((g, a) for g, a, _, _ in left.values()) == Counter((g, a) for g, a, _, _ in right.values())
    assert len(left) == len(_inventory(aws)["hosts"])


def test_the_same_failure_domain_spread(openstack: dict[str, Any], aws: dict[str, Any]) -> None:
    for hosts in (_openstack_hosts(openstack), _aws_hosts(aws)):
        zones_of_domain: dict[str, set[str]] = defaultdict(set)
        for _, _, domain, zone in hosts.values():
            zones_of_domain[domain].add(zone)
        # One zone per failure domain, and a different one for each.
        assert all(len(zones) == 1 for zones in zones_of_domain.values())
        assert len({next(iter(z)) for z in zones_of_domain.values()}) == len(zones_of_domain)
    spread = [
        {name: domain for name, (_, _, domain, _) in hosts.items()}
        for hosts in (_openstack_hosts(openstack), _aws_hosts(aws))
    ]
    assert spread[0] == spread[1]
    by_group: dict[str, list[str]] = defaultdict(list)
    for group, _, domain, _ in _aws_hosts(aws).values():
        by_group[group].append(domain)
    assert any(len(domains) > 1 for domains in by_group.values())
    for group, domains in by_group.items():
        assert len(domains) == len(set(domains)), group


def test_the_same_allowed_flows(openstack: dict[str, Any], aws: dict[str, Any]) -> None:
    left, right = openstack_host_rules(openstack), aws_host_rules(aws)
    assert left and left == right
    # And both are the inventory's flows, read at each end that is a host group.
    expected = set()
    groups = {host[0] for host in _aws_hosts(aws).values()}
    for flow in _inventory(aws)["flows"]:
        port, _, protocol = flow["port"].partition("/")
        first, _, last = port.partition("-")
        span = (int(first), int(last or first))
        if flow["to"]["group"] in groups:
            expected.add((flow["to"]["group"], "in", flow["from"]["cidr"], protocol or "tcp", *span))
        if flow["from"]["group"] in groups:
            expected.add((flow["from"]["group"], "out", flow["to"]["cidr"], protocol or "tcp", *span))
    assert right == expected
