"""KB-HYB-008: a Government Cloud site stays in Tokyo or Osaka."""

from __future__ import annotations

from kiban.audit.rules.hyb_008_government_cloud_residency import RULE
from tests.kiban.audit.hybrid_city import VPN, SiteStack
from tests.kiban.audit.rules.helpers import failures, verdicts


def test_tokyo_and_osaka_pass() -> None:
    gc = SiteStack("gc")
    gc.add(VPN, "dc1-gc-vpn", {"type": "ipsec.1"})
    gc.add(VPN, "dc1-gc-vpn-osaka", {"type": "ipsec.1", "region": "ap-northeast-3"})
    assert verdicts(RULE, gc.export) == [
        (True, "kiban-sample-hybrid-gc", ""),
        (True, "default_7_8_0", ""),
        (True, "dc1-gc-vpn", ""),
        (True, "dc1-gc-vpn-osaka", ""),
    ]


def test_another_region_fails() -> None:
    gc = SiteStack("gc")
    next(site for site in gc.inventory["sites"] if site["id"] == "gc")["region"] = "us-east-1"
    gc.add(VPN, "dc1-gc-vpn", {"type": "ipsec.1", "region": "ap-southeast-1"})
    gc.export.provider("unpinned", {"version": "7.8.0"}, package="aws")
    assert failures(RULE, gc.export) == [
        ("kiban-sample-hybrid-gc", "site gc is in us-east-1, not ap-northeast-1 or ap-northeast-3"),
        ("dc1-gc-vpn", "region ap-southeast-1, not ap-northeast-1 or ap-northeast-3"),
        ("unpinned", "AWS provider names no region (the environment decides): ap-northeast-1 or ap-northeast-3"),
    ]


def test_other_sites_are_not_judged() -> None:
    portal = SiteStack("portal")
    portal.add(VPN, "portal-dc1-vpn", {"type": "ipsec.1", "region": "us-west-2"})
    assert verdicts(RULE, portal.export) == []
