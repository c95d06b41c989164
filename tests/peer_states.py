"""A hybrid sample's peer states built by hand, as the site stacks publish them: for tests of what one stack reads.

``good_gc``/``good_portal``: each stack resource with its outputs opened (what ``render`` hands the schema);
``state_document``: one as a whole state file a ``--reference`` names (outputs in the clear: no salt, no secrets).
"""

from __future__ import annotations

from typing import Any

from kiban_platform.network.site_inventory import city_cross_site_flows, links_json, sites_json
from kiban_platform.spec.load import load_spec
from tests.conftest import REPO

CITY = load_spec(REPO / "specs" / "sample-hybrid.yaml")
GOOD_KEY = "Abc_def.0123456789"
STACK_TYPE = "pulumi:pulumi:Stack"


def inventory(site: str) -> dict[str, Any]:
    """The hybrid keys of a site stack's inventory, as ``site_inventory.hybrid_inventory`` writes them."""
    return {
        "site": site,
        "sites": sites_json(CITY),
        "links": links_json(CITY),
        "cross_site_flows": city_cross_site_flows(CITY),
        "business_sites": {"juki": "gc", "koseki": "dc1"},
        "api_gateways": [],
        "area_levels": {area.id: area.level.value for area in CITY.areas},
    }


def _root(site: str, link_id: str, address: str) -> dict[str, Any]:
    link = next(link for link in CITY.links if link.id == link_id)
    tunnels = [
        {"inside_cidr": str(tunnel.inside_cidr), "outside_address": address.format(10 + i), "preshared_key": GOOD_KEY}
        for i, tunnel in enumerate(link.tunnels)
    ]
    return {
        "urn": f"urn:pulumi:sample-hybrid-{site}::kiban::{STACK_TYPE}::kiban-sample-hybrid-{site}",
        "outputs": {
            "links": {link_id: {"peer": "dc1", "tunnels": tunnels, "transit_gateway_attachment_id": "tgw-attach-1"}},
            "inventory": inventory(site),
            "municipality": {"code": CITY.municipality.code, "name": CITY.municipality.name},
        },
    }


def good_gc() -> dict[str, Any]:
    """gc's stack resource: a private-IP VPN over Direct Connect, its outside addresses in dx.outside_cidr."""
    return _root("gc", "dc1-gc", "172.16.200.{}")


def good_portal() -> dict[str, Any]:
    """portal's stack resource: a VPN over the internet, on public (documentation) addresses."""
    return _root("portal", "portal-dc1", "198.51.100.{}")


def state_document(root: dict[str, Any]) -> dict[str, Any]:
    """A state file holding only the stack resource ``root``."""
    return {
        "version": 3,
        "deployment": {"manifest": {}, "resources": [{"type": STACK_TYPE, "custom": False, **root}]},
    }
