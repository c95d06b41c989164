"""Pure planning of the AWS target: zones, zone blocks, region guard, instance types, network ACLs, peerings."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
import yaml

from kiban_platform.backends import TargetError, create_backend
from kiban_platform.backends.aws import AwsBackend
from kiban_platform.backends.aws.plan import (
    AclEntry,
    acl_entries,
    check_region,
    instance_type,
    number_entries,
    peer_pairs,
    volume_size,
    zonal_subnets,
    zones_of,
)
from kiban_platform.backends.aws.settings import parse_settings
from kiban_platform.network.flows import FlowPlan, GroupKind, HostGroup, Rule, RuleKind, plan_flows
from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.plan import plan_network
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import MiddlewareRole, PlatformSpec, Port, TierName
from kiban_platform.spec.numbering import zone_block
from tests.conftest import SMALL_CITY, SpecWriter

NET = ipaddress.IPv4Network
ZONES = {"c1": "ap-northeast-1a", "c2": "ap-northeast-1c"}


def _small(write_spec: SpecWriter, change: Any = None) -> PlatformSpec:
    data = yaml.safe_load(SMALL_CITY)
    if change is not None:
        change(data)
    return load_spec(write_spec(data))


@pytest.mark.parametrize(
    ("zones", "expected"),
    [
        (1, ["10.0.1.0/24"]),
        (2, ["10.0.1.0/25", "10.0.1.128/25"]),
        # Three zones: four blocks, the last zone takes the last block so it holds the service address.
        (3, ["10.0.1.0/26", "10.0.1.64/26", "10.0.1.192/26"]),
        (4, ["10.0.1.0/26", "10.0.1.64/26", "10.0.1.128/26", "10.0.1.192/26"]),
    ],
)
def test_zone_blocks(zones: int, expected: list[str]) -> None:
    subnet = NET("10.0.1.0/24")
    assert [str(zone_block(subnet, zone, zones)) for zone in range(zones)] == expected
    service = subnet.broadcast_address - 1
    assert service in zone_block(subnet, zones - 1, zones)


def test_zonal_hosts_sit_in_their_chassis_block(write_spec: SpecWriter) -> None:
    spec = _small(write_spec)
    network = plan_network(spec)
    chassis = [c.id for c in spec.failure_domains.chassis]
    plain = plan_hosts(spec, network)
    zonal = plan_hosts(spec, network, zonal_subnets=True)
    assert [h.vm for h in plain] == [h.vm for h in zonal]
    assert [h.chassis for h in plain] == [h.chassis for h in zonal]
    for host in zonal:
        blocks = dict(zonal_subnets(host.subnet.cidr, chassis))
        assert host.address in blocks[host.chassis.id]
        assert host.address != host.subnet.service_address
    assert len({h.address for h in zonal}) == len(zonal)


def test_region_guard_allows_tokyo_and_osaka_only_by_default() -> None:
    check_region(parse_settings({"region": "ap-northeast-1"}))
    check_region(parse_settings({"region": "ap-northeast-3"}))
    with pytest.raises(TargetError, match=r"kiban:aws.region 'us-east-1' is not an allowed region .*allowedRegions"):
        check_region(parse_settings({"region": "us-east-1"}))
    check_region(parse_settings({"region": "us-east-1", "allowedRegions": ["us-east-1"]}))


def test_zones_come_from_cloud_zone_or_settings_and_must_be_distinct(write_spec: SpecWriter) -> None:
    spec = _small(write_spec)
    with pytest.raises(TargetError, match=r"chassis c1 has no availability zone.*kiban:aws.zones.c1"):
        zones_of(spec.failure_domains, parse_settings({}))
    assert zones_of(spec.failure_domains, parse_settings({"zones": ZONES})) == ZONES
    with pytest.raises(TargetError, match="same availability zone ap-northeast-1a"):
        zones_of(spec.failure_domains, parse_settings({"zones": {"c1": "ap-northeast-1a", "c2": "ap-northeast-1a"}}))
    with pytest.raises(TargetError, match="not in region ap-northeast-3"):
        zones_of(spec.failure_domains, parse_settings({"region": "ap-northeast-3", "zones": ZONES}))

    def cloud_zones(data: dict[str, Any]) -> None:
        data["failure_domains"]["chassis"][0]["cloud_zone"] = "ap-northeast-1d"
        data["failure_domains"]["chassis"][1]["cloud_zone"] = "ap-northeast-1c"

    assert zones_of(_small(write_spec, cloud_zones).failure_domains, parse_settings({})) == {
        "c1": "ap-northeast-1d",
        "c2": "ap-northeast-1c",
    }


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((2, 4), "c7i.large"),
        ((2, 8), "m7i.large"),
        ((4, 16), "m7i.xlarge"),
        ((16, 128), "r7i.4xlarge"),
        ((24, 96), "m7i.8xlarge"),
        ((2, 32), "r7i.xlarge"),
    ],
)
def test_instance_type_is_the_leanest_that_fits(size: tuple[int, int], expected: str) -> None:
    assert instance_type(*size, None) == expected


def test_instance_type_map_must_cover_every_size() -> None:
    assert instance_type(2, 4, {"2x4": "t3.medium"}) == "t3.medium"
    with pytest.raises(TargetError, match=r"kiban:aws.instanceTypes has no instance type for size 4x8"):
        instance_type(4, 8, {"2x4": "t3.medium"})


def test_hdd_volumes_are_raised_to_their_minimum_size() -> None:
    assert volume_size("st1", 20) == 125
    assert volume_size("sc1", 500) == 500
    assert volume_size("gp3", 20) == 20


def _coarse(cidr, area) -> str:
    """What the ACL admits for one end: the area's supernet inside the area, the exact CIDR outside it."""
    return str(area.supernet) if NET(str(cidr)).subnet_of(area.supernet) else str(cidr)


def test_network_acl_is_the_plan_with_replies_at_the_area_boundary(write_spec: SpecWriter) -> None:
    spec = _small(write_spec)
    network = plan_network(spec)
    flows = plan_flows(spec, network)
    area = spec.area("office")
    group = network.tier_subnet("full", TierName.APP)
    ingress = [r for r in flows.rules if r.destination.id == "full/app"]
    egress = [r for r in flows.rules if r.source.id == "full/app"]
    entries = acl_entries(group.cidr, area, ingress, egress, (), 20)
    allowed_in = {(e.cidr, e.protocol, e.first, e.last) for e in entries if not e.egress}
    allowed_out = {(e.cidr, e.protocol, e.first, e.last) for e in entries if e.egress}
    for rule in ingress:
        proto = "6" if rule.port.protocol.value == "tcp" else "17"
        source = _coarse(rule.source.cidr, area)
        assert (source, proto, rule.port.first, rule.port.last) in allowed_in
        assert (source, proto, 1024, 65535) in allowed_out
    for rule in egress:
        proto = "6" if rule.port.protocol.value == "tcp" else "17"
        destination = _coarse(rule.destination.cidr, area)
        assert (destination, proto, rule.port.first, rule.port.last) in allowed_out
        assert (destination, proto, 1024, 65535) in allowed_in
    planned = {_coarse(r.source.cidr, area) for r in ingress} | {_coarse(r.destination.cidr, area) for r in egress}
    assert {e.cidr for e in entries} == planned
    assert all(NET(e.cidr).prefixlen > 0 for e in entries)


def test_network_acl_keeps_other_areas_exact(write_spec: SpecWriter) -> None:
    spec = _small(write_spec)
    network = plan_network(spec)
    flows = plan_flows(spec, network)
    crossing = [r for r in flows.rules if r.crosses_areas and r.destination.kind.value != "external"]
    assert crossing, "the small city declares a flow between areas"
    rule = crossing[0]
    area = spec.area(rule.destination.area)
    entries = acl_entries(rule.destination.cidr, area, [rule], [], (), 20)
    assert str(rule.source.cidr) in {e.cidr for e in entries}
    assert str(spec.area(rule.source.area).supernet) not in {e.cidr for e in entries}


def test_network_acl_rule_numbers_follow_identity_not_position(write_spec: SpecWriter) -> None:
    spec = _small(write_spec)
    network = plan_network(spec)
    flows = plan_flows(spec, network)
    subnet = network.role_subnet("office", MiddlewareRole.TIME_NAME)
    area = spec.area("office")
    ingress = [r for r in flows.rules if r.destination.id == "time_name@office"]
    monitoring = [r for r in flows.rules if r.destination.id == "monitoring@office"]
    alone = {e.identity: e.number for e in acl_entries(subnet.cidr, area, ingress, [], (), 40)}
    together = {e.identity: e.number for e in acl_entries(subnet.cidr, area, ingress + monitoring, [], (), 40)}
    assert set(alone) < set(together)
    # Adding entries (here another role's ports) keeps every earlier entry's number.
    assert {identity: together[identity] for identity in alone} == alone
    for direction in (False, True):
        numbers = [
            e.number for e in acl_entries(subnet.cidr, area, ingress + monitoring, [], (), 40) if e.egress == direction
        ]
        assert len(numbers) == len(set(numbers))
        assert all(1 <= n <= 32766 for n in numbers)


def test_colliding_acl_numbers_are_settled_without_moving_the_first() -> None:
    first = AclEntry(False, "10.0.0.0/16", "6", 443, 443)
    second = AclEntry(False, "10.1.0.0/16", "6", 443, 443)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("kiban_platform.backends.aws.plan._preferred_number", lambda entry: 7)
        numbered = {e.identity: e.number for e in number_entries([second, first])}
    assert numbered == {first.identity: 7, second.identity: 8}


def test_network_acl_over_quota_is_refused(write_spec: SpecWriter) -> None:
    spec = _small(write_spec)
    network = plan_network(spec)
    flows = plan_flows(spec, network)
    subnet = network.role_subnet("office", MiddlewareRole.TIME_NAME)
    ingress = [r for r in flows.rules if r.destination.id == "time_name@office"]
    monitoring = [r for r in flows.rules if r.destination.id == "monitoring@office"]
    with pytest.raises(TargetError, match="more than 1 rules per direction"):
        # Two ports cannot share one rule.
        acl_entries(subnet.cidr, spec.area("office"), ingress + monitoring, [], (), 1)


def test_peering_between_high_and_internet_areas_is_refused(write_spec: SpecWriter) -> None:
    spec = _small(write_spec)
    flows = plan_flows(spec, plan_network(spec))
    assert peer_pairs(spec.areas, flows) == {("office", "secure")}

    def internet(data: dict[str, Any]) -> None:
        data["areas"].append(
            {
                "id": "net",
                "name": "インターネット接続系",
                "name_en": "Internet",
                "level": "internet",
                "vlans": {"first": 300, "last": 349},
                "supernet": "10.30.0.0/16",
            }
        )
        data["middleware"]["integration_hub"]["areas"].append("net")

    with_internet = _small(write_spec, internet)
    network = plan_network(with_internet)
    flows = plan_flows(with_internet, network)
    assert peer_pairs(with_internet.areas, flows) == {("office", "secure")}
    # The spec checks refuse such a flow already; the target refuses it again should a plan ever carry one.
    hub = {area: network.role_subnet(area, MiddlewareRole.INTEGRATION_HUB).cidr for area in ("net", "secure")}
    smuggled = Rule(
        HostGroup("integration_hub@net", GroupKind.MIDDLEWARE, "net", hub["net"], role=MiddlewareRole.INTEGRATION_HUB),
        HostGroup(
            "integration_hub@secure", GroupKind.MIDDLEWARE, "secure", hub["secure"], role=MiddlewareRole.INTEGRATION_HUB
        ),
        Port(first=443, last=443),
        RuleKind.DECLARED,
        "smuggled",
    )
    with pytest.raises(TargetError, match="would join the high area to an internet-facing VPC"):
        peer_pairs(with_internet.areas, FlowPlan((*flows.rules, smuggled)))


def test_aws_is_a_registered_target_and_bad_keys_are_named() -> None:
    backend = create_backend("aws", {})
    assert isinstance(backend, AwsBackend)
    assert backend.target == "aws" and backend.zonal_subnets is True
    with pytest.raises(TargetError, match=r"kiban:aws\.tenancy"):
        create_backend("aws", {"tenancy": "shared"})
    with pytest.raises(TargetError, match=r"kiban:aws\.placementGroup"):
        create_backend("aws", {"placementGroup": False})


def test_render_time_check_and_validate_share_one_implementation(write_spec: SpecWriter) -> None:
    """The backend's ``check`` refuses exactly what ``kiban validate --target aws`` reports."""
    from kiban_platform.backends import target_problems

    def small_zone_blocks(data: dict[str, Any]) -> None:
        data["failure_domains"]["chassis"][0]["cloud_zone"] = "ap-northeast-1b"
        data["failure_domains"]["chassis"][1]["cloud_zone"] = "ap-northeast-1c"
        data["areas"][0]["tier_prefix"] = 28

    spec = _small(write_spec, small_zone_blocks)
    problems = target_problems("aws", spec)
    assert [problem.path for problem in problems] == [
        ("failure_domains", "chassis", 0, "cloud_zone"),
        ("areas", 0, "tier_prefix"),
    ]
    with pytest.raises(TargetError) as refused:
        create_backend("aws", {}).check(spec)
    for problem in problems:
        assert problem.message in str(refused.value)
    # A zone from the stack's settings is named by its key, not by a spec field.
    with pytest.raises(TargetError, match=r"kiban:aws\.zones\.c1: 'ap-northeast-1e' is not an availability zone"):
        zones_of(spec.failure_domains, parse_settings({"zones": {"c1": "ap-northeast-1e"}}))


def test_validate_needs_no_provider_sdk() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; from kiban_platform.backends import target_problems; "
        "from kiban_platform.spec.load import load_spec; "
        "target_problems('aws', load_spec('specs/sample-city.yaml')); "
        "target_problems('openstack', load_spec('specs/sample-city.yaml')); "
        "print(sorted(m for m in sys.modules if m in ('pulumi_aws', 'pulumi_openstack')))"
    )
    from tests.conftest import REPO

    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
