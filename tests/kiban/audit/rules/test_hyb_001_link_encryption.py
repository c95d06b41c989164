"""KB-HYB-001: a link carrying personal data or above is encrypted, and its VPN is in the stack."""

from __future__ import annotations

from kiban.audit.rules.hyb_001_link_encryption import RULE
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.hybrid_city import SITE_CONNECTION, SiteStack, vpn_connection
from tests.kiban.audit.rules.helpers import failures, verdicts


def test_each_link_with_its_vpn_passes() -> None:
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn")
    assert verdicts(RULE, gc.export) == [(True, "kiban-sample-hybrid-gc", "")]
    dc1 = SiteStack("dc1")
    dc1.add(SITE_CONNECTION, "dc1-gc-mynumber-1", {"psk": {}})
    dc1.add(SITE_CONNECTION, "portal-dc1-internet-1", {"psk": {}})
    assert [passed for passed, _, _ in verdicts(RULE, dc1.export)] == [True, True]


def test_an_unencrypted_link_carrying_my_number_fails() -> None:
    gc = SiteStack("gc")
    gc.link("dc1-gc")["encryption"] = "none"
    assert failures(RULE, gc.export) == [
        (
            "kiban-sample-hybrid-gc",
            "link dc1-gc carries my_number (flow gc-to-dc1-renkei) but is not encrypted (encryption: none)",
        )
    ]


def test_ipsec_declared_without_its_vpn_fails() -> None:
    gc = SiteStack("gc")
    vpn_connection(gc, "other-vpn")
    assert failures(RULE, gc.export) == [
        (
            "kiban-sample-hybrid-gc",
            "link dc1-gc carries my_number (flow gc-to-dc1-renkei) over IPsec, "
            "but the stack holds no VPN connection of the link",
        )
    ]


def test_a_link_carrying_less_than_personal_and_a_single_site_stack_are_not_judged() -> None:
    gc = SiteStack("gc")
    gc.crossing("gc-to-dc1-renkei")["data"] = "anonymized"
    gc.link("dc1-gc")["encryption"] = "none"
    assert verdicts(RULE, gc.export) == []
    single = Export()
    kiban_city(single)
    assert verdicts(RULE, single) == []
