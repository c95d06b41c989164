"""Reading a site stack's hybrid facts: the contract's inventory keys, and nothing guessed from broken ones."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from kiban.audit.diff import diff_states
from kiban.audit.engine import run_audit
from kiban.audit.hybrid import hybrid_of
from kiban.audit.model import StackView
from kiban.audit.rules import all_rules
from kiban.audit.state import state_from_document
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.hybrid_city import (
    DX_ASSOCIATION,
    IKE_POLICY,
    SITE_CONNECTION,
    TGW,
    TGW_ASSOCIATION,
    VPN,
    SiteStack,
)

HYBRID_RULES = [rule for rule in all_rules() if rule.id.startswith(("KB-HYB", "KB-PRV"))]


def test_the_contracts_keys() -> None:
    city = hybrid_of(StackView(SiteStack("dc1").export.resources))
    assert city is not None
    assert (city.site, city.here and city.here.kind) == ("dc1", "on_prem")
    assert city.sites["portal"].areas == {"public": ipaddress.ip_network("10.130.0.0/20")}
    assert [link.id for link in city.links_here()] == ["dc1-gc", "portal-dc1"]
    assert city.links["portal-dc1"].initiated_by == "portal"
    assert city.business_sites["juki"] == "gc"
    (renkei, shinsei) = city.crossings
    assert (renkei.flow, renkei.data, renkei.link, renkei.source.site) == (
        "gc-to-dc1-renkei",
        "my_number",
        "dc1-gc",
        "gc",
    )
    assert (shinsei.destination.end, shinsei.ports, shinsei.one_way) == ("integration_hub@internet", ("443/tcp",), True)
    assert city.ports_of("integration_hub@internet") == {"443/tcp"}
    assert city.ports_of("juki/app") is None


def test_a_single_site_stack_has_no_hybrid_facts() -> None:
    export = Export()
    kiban_city(export)
    assert hybrid_of(StackView(export.resources)) is None
    assert hybrid_of(StackView([])) is None


GARBAGE: list[Any] = [None, 7, "text", [1, [2]], {"a": {"b": 1}}, True, 3.5]


@pytest.mark.parametrize("junk", GARBAGE, ids=repr)
def test_broken_values_are_never_a_traceback(junk: Any) -> None:
    """Every hybrid key and every judged setting replaced by a value of the wrong type: rules and diff still answer."""
    stack = SiteStack("gc")
    inventory = stack.inventory
    for key in ("sites", "links", "business_sites", "cross_site_flows", "flows", "hosts", "api_gateways"):
        broken = SiteStack("gc")
        broken.inventory[key] = junk
        run_audit(state_from_document(broken.export.document(), "broken"), rules=HYBRID_RULES)
    inventory["sites"][1] = {"id": "gc", "kind": junk, "region": junk, "areas": junk, "ceiling": junk}
    inventory["links"][0] |= {"between": junk, "areas": junk, "encryption": junk, "tunnels": junk}
    inventory["cross_site_flows"][0] |= {"from": junk, "ports": junk, "data": junk, "link": junk, "one_way": junk}
    inventory["hosts"] = [{"group": junk, "ports": junk}]
    stack.export.by_urn[stack.export.root]["outputs"]["links"] = {"dc1-gc": {"tunnels": junk}}
    settings = {"region": junk, "allowedPrefixes": junk, "localIpv4NetworkCidr": junk, "tunnel1IkeVersions": junk}
    settings |= {"tunnel1Phase1EncryptionAlgorithms": junk, "tunnel2Phase2DhGroupNumbers": junk, "tags": junk}
    stack.add(VPN, "dc1-gc-vpn", settings | {"tunnel1PresharedKey": junk})
    stack.add(DX_ASSOCIATION, "dc1-gc-dx", settings)
    stack.add(TGW, "gc-tgw", {"defaultRouteTableAssociation": junk})
    stack.add(
        TGW_ASSOCIATION, "dc1-gc-association", {"transitGatewayAttachmentId": junk, "transitGatewayRouteTableId": junk}
    )
    stack.add(IKE_POLICY, "dc1-gc-ike", {"ikeVersion": junk, "authAlgorithm": junk, "pfs": junk})
    stack.add(SITE_CONNECTION, "dc1-gc-1", {"psk": junk, "peerCidrs": junk, "localEpGroupId": junk})
    state = state_from_document(stack.export.document(), "broken")
    run_audit(state, rules=HYBRID_RULES)
    diff_states(state_from_document(SiteStack("gc").export.document(), "old"), state)
