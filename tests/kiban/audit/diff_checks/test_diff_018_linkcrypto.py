"""KB-DIFF-LINKCRYPTO: a link's encryption, carrier, areas or VPN settings weakened."""

from __future__ import annotations

from typing import Any

from kiban.audit.diff_checks.diff_018_linkcrypto import CHECK
from tests.kiban.audit.diff_checks.helpers import found
from tests.kiban.audit.hybrid_city import SiteStack, vpn_connection


def gc(**vpn: Any) -> SiteStack:
    stack = SiteStack("gc")
    vpn_connection(stack, "dc1-gc-vpn", **vpn)
    return stack


def test_encryption_dropped_and_areas_widened() -> None:
    old, new = gc(), gc()
    link = new.link("dc1-gc")
    link["encryption"] = "none"
    link["areas"] = ["mynumber", "lgwan"]
    assert found(CHECK, old.export, new.export) == [
        ("critical", "link dc1-gc encryption ipsec → none"),
        ("high", "link dc1-gc now carries areas lgwan (was mynumber)"),
    ]


def test_a_closed_line_moved_onto_the_internet() -> None:
    old, new = gc(), gc()
    new.link("dc1-gc")["carrier"] = "internet"
    assert found(CHECK, old.export, new.export) == [("high", "link dc1-gc carrier lgwan → internet")]


def test_vpn_settings_weakened() -> None:
    old = gc()
    new = gc(tunnel1IkeVersions=["ikev1", "ikev2"], remoteIpv4NetworkCidr="0.0.0.0/0")
    assert found(CHECK, old.export, new.export) == [
        ("high", "link dc1-gc: dc1-gc-vpn: tunnel1: IKE versions ikev1, ikev2 (IKEv2 only)"),
        ("high", "link dc1-gc: dc1-gc-vpn: remoteIpv4NetworkCidr 0.0.0.0/0 selects every address"),
    ]


def test_silent_when_protection_holds_or_grows() -> None:
    old, new = gc(tunnel1Phase1DhGroupNumbers=[2, 14]), gc()
    new.link("dc1-gc")["areas"] = []
    new.link("portal-dc1")["encryption"] = "macsec"
    assert found(CHECK, old.export, new.export) == []
    assert found(CHECK, gc().export, gc().export) == []


def test_the_vpn_removed_while_the_link_still_declares_ipsec() -> None:
    assert found(CHECK, gc().export, SiteStack("gc").export) == [
        ("critical", "link dc1-gc declares IPsec, but its VPN connections are gone from the stack")
    ]
