"""KB-HYB-009: an IPsec link's Direct Connect association allows only the tunnels' outside block."""

from __future__ import annotations

from typing import Any

from kiban.audit.rules.hyb_009_no_route_around_ipsec import RULE
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.hybrid_city import DX_ASSOCIATION, TGW, SiteStack
from tests.kiban.audit.rules.helpers import failures, verdicts

OUTSIDE_BLOCK = "10.99.0.0/24"


def gc_with(name: str = "dc1-gc-dxgw-association", **inputs: Any) -> SiteStack:
    """The gc site with the dc1-gc link's outside block declared and one Direct Connect association."""
    gc = SiteStack("gc")
    gc.link("dc1-gc")["outside_cidr"] = OUTSIDE_BLOCK
    gc.add(DX_ASSOCIATION, name, {"dxGatewayId": "dxgw-1", "associatedGatewayId": "tgw-0123456789abcdef0", **inputs})
    return gc


def test_only_the_tunnels_outside_block_passes() -> None:
    assert verdicts(RULE, gc_with(allowedPrefixes=[OUTSIDE_BLOCK]).export) == [(True, "dc1-gc-dxgw-association", "")]
    assert failures(RULE, gc_with(allowedPrefixes=["10.99.0.0/25"]).export) == []
    # The Transit Gateway's CIDR block serves as the outside block when the inventory names none.
    by_gateway = gc_with(allowedPrefixes=["10.98.0.0/24"])
    by_gateway.add(TGW, "gc-tgw", {"transitGatewayCidrBlocks": ["10.98.0.0/24"]})
    assert failures(RULE, by_gateway.export) == []


def test_an_area_block_beside_the_tunnels_fails() -> None:
    gc = gc_with(allowedPrefixes=[OUTSIDE_BLOCK, "10.11.0.0/16", "10.10.0.0/24"])
    assert failures(RULE, gc.export) == [
        (
            "dc1-gc-dxgw-association",
            "link dc1-gc is IPsec, but its Direct Connect allows 10.11.0.0/16 (addresses of gc:mynumber) "
            "beside the tunnels' outside block (10.99.0.0/24): a route around the encryption",
        ),
        (
            "dc1-gc-dxgw-association",
            "link dc1-gc is IPsec, but its Direct Connect allows 10.10.0.0/24 (addresses of dc1:mynumber) "
            "beside the tunnels' outside block (10.99.0.0/24): a route around the encryption",
        ),
    ]


def test_any_other_prefix_fails_and_so_does_everything_without_an_outside_block() -> None:
    gc = gc_with(allowedPrefixes=["192.0.2.0/24", "everything"])
    assert [message.split(" (")[0] for _, message in failures(RULE, gc.export)] == [
        "link dc1-gc is IPsec, but its Direct Connect allows 192.0.2.0/24",
        "link dc1-gc is IPsec, but its Direct Connect allows everything",
    ]
    undeclared = gc_with(allowedPrefixes=[OUTSIDE_BLOCK])
    undeclared.link("dc1-gc")["outside_cidr"] = None
    assert failures(RULE, undeclared.export) == [
        (
            "dc1-gc-dxgw-association",
            "link dc1-gc is IPsec, but its Direct Connect allows 10.99.0.0/24 (addresses outside the tunnels) "
            "beside the tunnels' outside block (none declared): a route around the encryption",
        )
    ]


def test_an_outside_block_that_holds_an_areas_addresses_is_no_outside_block() -> None:
    gc = gc_with(allowedPrefixes=["10.11.0.0/24"])
    gc.link("dc1-gc")["outside_cidr"] = "10.11.0.0/24"  # inside gc's My Number area
    assert len(failures(RULE, gc.export)) == 1


def test_what_it_leaves_to_kb_hyb_004_or_does_not_judge() -> None:
    unencrypted = gc_with(allowedPrefixes=["10.11.0.0/16"])
    unencrypted.link("dc1-gc")["encryption"] = "none"
    assert verdicts(RULE, unencrypted.export) == []
    assert verdicts(RULE, gc_with().export) == []  # no allowedPrefixes: KB-HYB-004 fails it
    assert verdicts(RULE, gc_with("stray-association", allowedPrefixes=["10.11.0.0/16"]).export) == []
    single = Export()
    kiban_city(single)
    single.add(DX_ASSOCIATION, "dx", {"allowedPrefixes": ["0.0.0.0/0"]})
    assert verdicts(RULE, single) == []
