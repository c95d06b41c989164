"""The hybrid city's network plan: its sites, its links, each cross-site flow once, and each site planned on its view."""

from __future__ import annotations

import ipaddress

import pytest

from kiban_platform.network.flows import plan_flows
from kiban_platform.network.inventory import network_plan_json
from kiban_platform.network.plan import plan_network
from kiban_platform.network.site_inventory import city_cross_site_flows
from kiban_platform.network.site_plans import chosen_sites, cross_site_flows_at, hybrid_network_plan_json, site_links
from kiban_platform.network.sites import SiteViewError, site_view
from kiban_platform.spec.load import load_spec
from tests.conftest import REPO, SAMPLE_SPEC

# The flows the sample's operations planes plan: gc's relays toward dc1's managers.
OPERATIONS_FLOWS = [
    "ops-monitoring-gc-mynumber",
    "ops-jobs-gc-mynumber",
    "ops-logs-gc-mynumber",
    "ops-time-name-gc-mynumber",
]

HYBRID = load_spec(REPO / "specs" / "sample-hybrid.yaml")


def test_the_cross_site_flows_are_the_inventorys_with_an_end_at_the_site_shown() -> None:
    every = city_cross_site_flows(HYBRID)
    assert cross_site_flows_at(HYBRID) == every
    assert [flow["flow"] for flow in every] == ["gc-to-dc1-renkei", "portal-shinsei", *OPERATIONS_FLOWS]
    assert [flow["flow"] for flow in cross_site_flows_at(HYBRID, "gc")] == ["gc-to-dc1-renkei", *OPERATIONS_FLOWS]
    assert [flow["flow"] for flow in cross_site_flows_at(HYBRID, "dc1")] == [
        "gc-to-dc1-renkei",
        "portal-shinsei",
        *OPERATIONS_FLOWS,
    ]
    assert every[0]["from"] == {"site": "gc", "area": "mynumber", "end": "integration_hub@mynumber"}
    assert (every[1]["data"], every[1]["basis"], every[1]["link"]) == ("personal", "consent", "portal-dc1")


def test_the_document_lists_sites_with_blocks_links_and_a_plan_per_site() -> None:
    document = hybrid_network_plan_json(HYBRID)
    assert list(document) == ["sites", "links", "cross_site_flows", "site_plans"]
    assert [site["id"] for site in document["sites"]] == ["dc1", "gc", "portal"]
    gc = document["sites"][1]
    assert gc == {
        "id": "gc",
        "kind": "government_cloud",
        "target": "aws",
        "region": "ap-northeast-1",
        "ceiling": "my_number",
        "areas": {"mynumber": "10.11.0.0/16"},
    }
    assert document["sites"][2]["ceiling"] == "personal"  # the portal's own ceiling, not its kind's
    portal_link = document["links"][1]
    assert portal_link["between"] == ["portal", "dc1"] and portal_link["initiated_by"] == "portal"
    assert portal_link["tunnels"] == 2


@pytest.mark.parametrize("site", ["dc1", "gc", "portal"])
def test_each_site_plan_is_its_view_planned_and_stays_inside_its_blocks(site: str) -> None:
    plans = hybrid_network_plan_json(HYBRID)["site_plans"]
    view = site_view(HYBRID, site)
    network = plan_network(view)
    assert plans[site] == network_plan_json(network, plan_flows(view, network))
    blocks = [ipaddress.ip_network(block) for block in HYBRID.site(site).areas.values()]
    for segment in plans[site]["segments"]:
        assert any(ipaddress.ip_network(segment["cidr"]).subnet_of(block) for block in blocks)  # type: ignore[arg-type]


def test_one_site_shows_its_links_and_the_flows_with_an_end_there_only() -> None:
    document = hybrid_network_plan_json(HYBRID, "gc")
    assert [site["id"] for site in document["sites"]] == ["gc"]
    assert [link["id"] for link in document["links"]] == ["dc1-gc"]
    assert [flow["flow"] for flow in document["cross_site_flows"]] == ["gc-to-dc1-renkei", *OPERATIONS_FLOWS]
    assert list(document["site_plans"]) == ["gc"]
    assert [link.id for link in site_links(HYBRID, "portal")] == ["portal-dc1"]


def test_an_unknown_site_or_a_spec_without_sites_is_refused_with_the_known_ones() -> None:
    with pytest.raises(SiteViewError, match="unknown site 'nowhere'; the spec's sites: dc1, gc, portal"):
        chosen_sites(HYBRID, "nowhere")
    with pytest.raises(SiteViewError, match="the spec has no sites"):
        chosen_sites(load_spec(SAMPLE_SPEC))
