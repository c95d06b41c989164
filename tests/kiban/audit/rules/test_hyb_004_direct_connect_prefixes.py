"""KB-HYB-004: a Direct Connect association allows only the link's area blocks at this site."""

from __future__ import annotations

from typing import Any

from kiban.audit.rules.hyb_004_direct_connect_prefixes import RULE
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.hybrid_city import DX_ASSOCIATION, TGW, SiteStack
from tests.kiban.audit.rules.helpers import failures, verdicts


def gc_with(name: str, **inputs: Any) -> SiteStack:
    gc = SiteStack("gc")
    gc.add(DX_ASSOCIATION, name, {"dxGatewayId": "dxgw-1", "associatedGatewayId": "tgw-0123456789abcdef0", **inputs})
    return gc


def test_prefixes_inside_the_links_areas_pass() -> None:
    gc = gc_with("dc1-gc-dx-association", allowedPrefixes=["10.11.0.0/16"])
    assert verdicts(RULE, gc.export) == [(True, "dc1-gc-dx-association", "")]
    narrower = gc_with("dc1-gc-dx-association", allowedPrefixes=["10.11.0.0/24", "10.11.8.0/22"])
    assert failures(RULE, narrower.export) == []


def test_a_prefix_outside_the_links_areas_fails() -> None:
    gc = gc_with("dc1-gc-dx-association", allowedPrefixes=["10.11.0.0/16", "10.0.0.0/8", "everything"])
    assert failures(RULE, gc.export) == [
        ("dc1-gc-dx-association", "link dc1-gc: allowed prefix 10.0.0.0/8 lies outside its areas (mynumber)"),
        ("dc1-gc-dx-association", "link dc1-gc: allowed prefix everything lies outside its areas (mynumber)"),
    ]


def test_no_prefixes_or_no_link_fails() -> None:
    assert failures(RULE, gc_with("dc1-gc-dx-association").export) == [
        ("dc1-gc-dx-association", "link dc1-gc: no allowedPrefixes: the gateway advertises every attached network")
    ]
    assert failures(RULE, gc_with("stray-association", allowedPrefixes=["10.11.0.0/16"]).export) == [
        ("stray-association", "Direct Connect association of no declared link")
    ]


def test_a_single_site_stack_is_not_judged() -> None:
    single = Export()
    kiban_city(single)
    single.add(DX_ASSOCIATION, "dx", {"allowedPrefixes": ["0.0.0.0/0"]})
    assert verdicts(RULE, single) == []


def test_ipsec_over_direct_connect_may_advertise_only_the_tunnels_outside_block() -> None:
    gc = gc_with("dc1-gc-dx-association", allowedPrefixes=["10.99.0.0/24"])
    gc.add(TGW, "gc-tgw", {"transitGatewayCidrBlocks": ["10.99.0.0/24"]})
    assert verdicts(RULE, gc.export) == [(True, "dc1-gc-dx-association", "")]
    # The inventory may name the block instead of the Transit Gateway.
    named = gc_with("dc1-gc-dx-association", allowedPrefixes=["10.99.0.0/24"])
    named.link("dc1-gc")["outside_cidr"] = "10.99.0.0/24"
    assert failures(RULE, named.export) == []
    # Without IPsec, the outside block is just another prefix outside the link's areas.
    gc.link("dc1-gc")["encryption"] = "none"
    assert failures(RULE, gc.export) == [
        ("dc1-gc-dx-association", "link dc1-gc: allowed prefix 10.99.0.0/24 lies outside its areas (mynumber)")
    ]
