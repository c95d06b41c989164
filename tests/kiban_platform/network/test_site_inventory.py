"""A site stack's inventory: today's keys plus where every host, flow end, business and link is."""

from __future__ import annotations

import tempfile
from pathlib import Path

from kiban_platform.network.flows import plan_flows
from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.inventory import build_inventory
from kiban_platform.network.plan import plan_network
from kiban_platform.network.site_inventory import hybrid_inventory, spec_digest
from kiban_platform.network.sites import site_view
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec
from tests.conftest import REPO
from tests.kiban_platform.network.test_sites import hybrid


def inventory_of(site: str) -> dict:  # type: ignore[type-arg]
    spec = hybrid()
    view = site_view(spec, site)
    network = plan_network(view)
    flows = plan_flows(view, network)
    plain = build_inventory(view, network, flows, plan_hosts(view, network), "openstack")
    return hybrid_inventory(spec, site, plain)


def test_every_host_and_flow_end_carries_its_site() -> None:
    inventory = inventory_of("dc1")
    assert inventory["site"] == "dc1"
    assert {host["site"] for host in inventory["hosts"]} == {"dc1"}
    ends = {(rule["flow"], rule["from"]["site"], rule["to"]["site"]) for rule in inventory["flows"] if rule["flow"]}
    assert ("gc-to-dc1-renkei", "gc", "dc1") in ends
    assert ("portal-shinsei", "portal", "dc1") in ends
    # An outside network (eLTAX) enters at this site: its end is here.
    assert ("eltax-tokutei", "dc1", "dc1") in ends


def test_declared_flows_carry_their_data_class_and_planned_rules_none() -> None:
    flows = inventory_of("gc")["flows"]
    (declared,) = [rule for rule in flows if rule["flow"] == "gc-to-dc1-renkei"]
    assert declared["data"] == "my_number"
    assert all(rule["data"] is None for rule in flows if rule["flow"] is None)


def test_city_wide_facts_are_in_every_site_inventory() -> None:
    first, second = inventory_of("dc1"), inventory_of("portal")
    for key in ("sites", "links", "business_sites", "cross_site_flows"):
        assert first[key] == second[key]
    assert [site["id"] for site in first["sites"]] == ["dc1", "gc", "portal"]
    assert first["business_sites"]["juki"] == "gc" and first["business_sites"]["koseki"] == "dc1"
    (link,) = [link for link in first["links"] if link["id"] == "dc1-gc"]
    assert link == {
        "id": "dc1-gc",
        "between": ["dc1", "gc"],
        "carrier": "lgwan",
        "transport": "direct_connect",
        "encryption": "ipsec",
        "areas": ["mynumber"],
        "initiated_by": None,
        "tunnels": 8,  # two per platform subnet it reaches at dc1
        "outside_cidr": "172.16.200.0/24",
    }
    assert first["area_levels"] == {"mynumber": "high", "lgwan": "middle", "internet": "internet", "public": "public"}
    assert first["api_gateways"] == []
    crossing = {flow["flow"]: flow for flow in first["cross_site_flows"]}
    assert crossing["portal-shinsei"]["basis"] == "consent" and crossing["portal-shinsei"]["link"] == "portal-dc1"
    assert crossing["gc-to-dc1-renkei"]["from"] == {"site": "gc", "area": "mynumber", "end": "integration_hub@mynumber"}


def test_every_site_stack_of_one_spec_publishes_its_digest_and_another_version_another() -> None:
    digests = {inventory_of(site)["spec_digest"] for site in ("dc1", "gc", "portal")}
    assert len(digests) == 1 and next(iter(digests)).startswith("sha256:")
    spec = hybrid()
    assert spec_digest(spec) in digests
    # Comments and layout are no part of the model; a business moved to another site is another version.
    text = (REPO / "specs" / "sample-hybrid.yaml").read_text(encoding="utf-8")
    assert spec_digest(load_spec_text("# a comment\n" + text)) == spec_digest(spec)
    moved = text.replace("  - catalog: senkyo\n    site: gc\n", "  - catalog: senkyo\n")
    assert moved != text and spec_digest(load_spec_text(moved)) != spec_digest(spec)


def load_spec_text(text: str) -> PlatformSpec:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spec.yaml"
        path.write_text(text, encoding="utf-8")
        return load_spec(path)
