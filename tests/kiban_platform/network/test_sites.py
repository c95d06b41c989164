"""A hybrid spec seen from each site: what that site's stack plans, and the links and flows between sites."""

from __future__ import annotations

import ipaddress
from functools import cache

import pytest

from kiban_platform.network.flows import GroupKind, RuleKind, plan_flows
from kiban_platform.network.plan import plan_network
from kiban_platform.network.sites import (
    SiteViewError,
    cross_site_flows,
    plan_links,
    site_of,
    site_view,
)
from kiban_platform.spec.hybrid import business_site
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec
from tests.conftest import REPO

# The flows the sample's operations planes plan: gc's relays toward dc1's managers.
OPERATIONS_FLOWS = [
    "ops-monitoring-gc-mynumber",
    "ops-jobs-gc-mynumber",
    "ops-logs-gc-mynumber",
    "ops-time-name-gc-mynumber",
]


@cache
def hybrid() -> PlatformSpec:
    return load_spec(REPO / "specs" / "sample-hybrid.yaml")


@cache
def single() -> PlatformSpec:
    return load_spec(REPO / "specs" / "sample-city.yaml")


def test_each_business_is_planned_at_exactly_one_site() -> None:
    spec = hybrid()
    seen: list[str] = []
    for site in spec.sites:
        view = site_view(spec, site.id)
        seen += [business.id for business in view.businesses]
        assert all(business_site(spec, spec.business(business.id)) == site.id for business in view.businesses)
        assert not view.sites and not view.links and not view.public_services
    assert sorted(seen) == sorted(business.id for business in spec.businesses)


def test_a_site_plans_its_areas_inside_its_own_blocks() -> None:
    spec = hybrid()
    for site in spec.sites:
        view = site_view(spec, site.id)
        assert [area.id for area in view.areas] == [area.id for area in spec.areas if area.id in site.areas]
        for segment in plan_network(view).segments:
            assert segment.cidr.subnet_of(site.areas[segment.area])


def test_sites_never_share_an_address() -> None:
    spec = hybrid()
    blocks = [segment.cidr for site in spec.sites for segment in plan_network(site_view(spec, site.id)).segments]
    for index, block in enumerate(blocks):
        assert not any(block.overlaps(other) for other in blocks[index + 1 :])


def test_middleware_runs_only_where_its_areas_are_carried() -> None:
    view = site_view(hybrid(), "gc")
    assert {area for _, service in view.middleware.items() for area in service.areas} == {"mynumber"}
    portal = site_view(hybrid(), "portal")
    assert portal.middleware.items() == [] and portal.management is None and portal.businesses == []


def test_a_cross_site_flow_is_the_same_rule_seen_from_each_end() -> None:
    spec = hybrid()
    at = {site: plan_flows(view, plan_network(view)) for site in ("dc1", "gc") for view in [site_view(spec, site)]}
    (sent,) = [rule for rule in at["gc"].rules if rule.flow == "gc-to-dc1-renkei"]
    (received,) = [rule for rule in at["dc1"].rules if rule.flow == "gc-to-dc1-renkei"]
    # gc opens toward dc1's hub; dc1 admits exactly gc's hub; the addresses agree on both sides.
    assert sent.destination.kind == GroupKind.EXTERNAL and received.source.kind == GroupKind.EXTERNAL
    assert sent.source.cidr == received.source.cidr and sent.destination.cidr == received.destination.cidr
    assert sent.port == received.port and sent.kind == received.kind == RuleKind.DECLARED
    assert received.source.id == "external:gc:integration_hub@mynumber@mynumber"


def test_cross_site_flows_know_their_link_and_direction() -> None:
    spec = hybrid()
    found = {crossing.flow.id: crossing for crossing in cross_site_flows(spec, "dc1")}
    assert set(found) == {"gc-to-dc1-renkei", "portal-shinsei", *OPERATIONS_FLOWS}
    assert not found["gc-to-dc1-renkei"].outgoing and found["gc-to-dc1-renkei"].link is not None
    assert found["gc-to-dc1-renkei"].link.id == "dc1-gc"
    portal = found["portal-shinsei"]
    assert portal.remote_site == "portal" and portal.remote_groups[0].cidr == ipaddress.ip_network("10.130.0.0/20")
    (outgoing,) = cross_site_flows(spec, "portal")
    assert outgoing.outgoing and outgoing.local.public_service == "resident-portal"


def test_a_public_service_has_no_rule_of_its_own_in_its_site_view() -> None:
    view = site_view(hybrid(), "portal")
    assert view.flows == [] and plan_flows(view, plan_network(view)).rules == ()


def test_links_are_seen_from_both_ends() -> None:
    spec = hybrid()
    (from_gc,) = plan_links(spec, "gc")
    from_dc1 = {planned.link.id: planned for planned in plan_links(spec, "dc1")}
    mirror = from_dc1["dc1-gc"]
    assert from_gc.local_prefixes == mirror.peer_prefixes and from_gc.peer_prefixes == mirror.local_prefixes
    assert [crossing.flow.id for crossing in from_gc.flows] == ["gc-to-dc1-renkei", *OPERATIONS_FLOWS]
    portal_link = from_dc1["portal-dc1"]
    # The portal dials; dc1 only responds.
    assert not portal_link.dials and portal_link.peer_dials
    (from_portal,) = plan_links(spec, "portal")
    assert from_portal.dials and not from_portal.peer_dials


def test_unknown_sites_and_specs_without_sites_are_refused() -> None:
    with pytest.raises(SiteViewError, match="unknown site 'nowhere'; the spec's sites: dc1, gc, portal"):
        site_view(hybrid(), "nowhere")
    with pytest.raises(SiteViewError, match="the spec has no sites"):
        site_of(single(), "dc1")


def test_a_site_view_of_the_first_site_plans_like_a_single_site_city() -> None:
    """dc1 carries the same blocks as the single-site sample: its in-site rules match that sample's."""
    spec, city = hybrid(), single()
    view = site_view(spec, "dc1")
    plan = plan_network(view)
    for segment in plan.segments:
        if segment.business is None or segment.business in {b.id for b in city.businesses}:
            try:
                same = plan_network(city).segment(segment.area, segment.name)
            except KeyError:
                continue
            assert same.cidr == segment.cidr and same.vlan == segment.vlan


def _chassis_zones(spec: PlatformSpec, site_id: str) -> list[tuple[str, str | None]]:
    return [(chassis.id, chassis.cloud_zone) for chassis in site_view(spec, site_id).failure_domains.chassis]


def _moved(spec: PlatformSpec, site_id: str, region: str) -> PlatformSpec:
    sites = [site.model_copy(update={"region": region}) if site.id == site_id else site for site in spec.sites]
    return spec.model_copy(update={"sites": sites})


def test_a_cloud_site_keeps_the_chassis_mapped_into_its_region() -> None:
    # The sample's chassis name Tokyo zones: gc (Tokyo) keeps them, and the names its subnets were declared with.
    assert _chassis_zones(hybrid(), "gc") == [
        ("ch1", "ap-northeast-1a"),
        ("ch2", "ap-northeast-1c"),
        ("ch3", "ap-northeast-1d"),
    ]


def test_a_cloud_site_in_a_region_no_chassis_names_spreads_over_its_regions_zones() -> None:
    osaka = _moved(hybrid(), "gc", "ap-northeast-3")
    assert _chassis_zones(osaka, "gc") == [
        ("ap-northeast-3a", "ap-northeast-3a"),
        ("ap-northeast-3b", "ap-northeast-3b"),
        ("ap-northeast-3c", "ap-northeast-3c"),
    ]
    # The stand-in blade is the city's largest, so "a VM larger than every blade" answers as on premises.
    blades = [blade for _, blade in site_view(osaka, "gc").failure_domains.blades()]
    largest = max((b for _, b in osaka.failure_domains.blades()), key=lambda b: (b.vcpu, b.ram_gb, b.disk_gb))
    assert {(b.vcpu, b.ram_gb, b.disk_gb) for b in blades} == {(largest.vcpu, largest.ram_gb, largest.disk_gb)}


def test_an_on_prem_site_and_a_region_without_a_zone_table_keep_the_chassis() -> None:
    spec = hybrid()
    assert site_view(spec, "dc1").failure_domains == spec.failure_domains
    elsewhere = _moved(spec, "portal", "eu-central-1")
    assert site_view(elsewhere, "portal").failure_domains == spec.failure_domains
