"""KB-HYB-005: VPN traffic selectors narrowed on both providers."""

from __future__ import annotations

from kiban.audit.rules.hyb_005_vpn_selectors import RULE
from kiban.audit.values import UNKNOWN
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.hybrid_city import ENDPOINT_GROUP, SITE_CONNECTION, VPN, SiteStack, vpn_connection
from tests.kiban.audit.rules.helpers import failures, verdicts


def dc1_connection(peer: list[str]) -> SiteStack:
    dc1 = SiteStack("dc1")
    local = dc1.add(ENDPOINT_GROUP, "dc1-gc-local", {"type": "cidr", "endpoints": ["10.10.0.0/16"]})
    remote = dc1.add(ENDPOINT_GROUP, "dc1-gc-peer", {"type": "cidr", "endpoints": peer})
    dc1.add(
        SITE_CONNECTION,
        "dc1-gc-mynumber-1",
        {"localEpGroupId": dc1.export.id_of(local), "peerEpGroupId": dc1.export.id_of(remote)},
        depends={"localEpGroupId": [local], "peerEpGroupId": [remote]},
    )
    return dc1


def test_narrowed_selectors_pass() -> None:
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn")
    assert verdicts(RULE, gc.export) == [(True, "dc1-gc-vpn", "")]
    assert verdicts(RULE, dc1_connection(["10.11.0.0/16"]).export) == [(True, "dc1-gc-mynumber-1", "")]


def test_absent_or_everything_selectors_fail() -> None:
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn", localIpv4NetworkCidr=None, remoteIpv4NetworkCidr="0.0.0.0/0")
    assert failures(RULE, gc.export) == [
        ("dc1-gc-vpn", "localIpv4NetworkCidr not set: the selector is 0.0.0.0/0"),
        ("dc1-gc-vpn", "remoteIpv4NetworkCidr 0.0.0.0/0 selects every address"),
    ]
    assert failures(RULE, dc1_connection(["10.11.0.0/16", "0.0.0.0/0"]).export) == [
        ("dc1-gc-mynumber-1", "peerEpGroupId: endpoint group dc1-gc-peer holds 0.0.0.0/0, every address")
    ]
    bare = SiteStack("dc1")
    bare.add(SITE_CONNECTION, "portal-dc1-internet-1", {"peerAddress": "203.0.113.10"})
    assert failures(RULE, bare.export) == [
        ("portal-dc1-internet-1", "names neither a peer endpoint group nor peerCidrs: the peer side is not narrowed")
    ]


def test_a_single_site_stack_is_not_judged() -> None:
    single = Export()
    kiban_city(single)
    single.add(VPN, "vpn", {})
    assert verdicts(RULE, single) == []


def test_selectors_not_known_yet_are_not_judged() -> None:
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn", localIpv4NetworkCidr=UNKNOWN)
    assert failures(RULE, gc.export) == []
