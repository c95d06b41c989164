"""KB-HYB-006: IKE/IPsec strength on both providers, absent settings counted as the weak defaults."""

from __future__ import annotations

from kiban.audit.rules.hyb_006_ike_ipsec_strength import RULE
from kiban.audit.values import UNKNOWN
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.hybrid_city import IKE_POLICY, IPSEC_POLICY, VPN, SiteStack, vpn_connection
from tests.kiban.audit.rules.helpers import failures, verdicts

STRONG_OPENSTACK = {"encryptionAlgorithm": "aes-256", "authAlgorithm": "sha256", "pfs": "group14"}


def test_strong_settings_pass_on_both_providers() -> None:
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn")
    assert verdicts(RULE, gc.export) == [(True, "dc1-gc-vpn", "")]
    dc1 = SiteStack("dc1")
    dc1.add(IKE_POLICY, "dc1-gc-ike", {"ikeVersion": "v2", **STRONG_OPENSTACK})
    dc1.add(IPSEC_POLICY, "dc1-gc-ipsec", {"transformProtocol": "esp", **STRONG_OPENSTACK, "pfs": "group20"})
    assert verdicts(RULE, dc1.export) == [(True, "dc1-gc-ike", ""), (True, "dc1-gc-ipsec", "")]


def test_weak_aws_tunnel_settings_fail() -> None:
    gc = SiteStack("gc")
    vpn_connection(
        gc,
        "dc1-gc-vpn",
        tunnel1IkeVersions=["ikev1", "ikev2"],
        tunnel1Phase1EncryptionAlgorithms=["AES128", "AES256"],
        tunnel1Phase2IntegrityAlgorithms=["SHA1"],
        tunnel1Phase1DhGroupNumbers=[2, 14],
        tunnel2Phase2DhGroupNumbers=[14, 22],
        tunnel2IkeVersions=None,
    )
    assert failures(RULE, gc.export) == [
        ("dc1-gc-vpn", "tunnel1: IKE versions ikev1, ikev2 (IKEv2 only)"),
        ("dc1-gc-vpn", "tunnel1: phase1 encryption allows AES128"),
        ("dc1-gc-vpn", "tunnel1: phase1 DH groups allow 2 (14-21 or 31 only)"),
        ("dc1-gc-vpn", "tunnel1: phase2 integrity allows SHA1"),
        ("dc1-gc-vpn", "tunnel2: IKE versions not set (the default allows IKEv1)"),
        ("dc1-gc-vpn", "tunnel2: phase2 DH groups allow 22 (14-21 or 31 only)"),
    ]


def test_openstack_policies_left_at_their_defaults_fail() -> None:
    dc1 = SiteStack("dc1")
    dc1.add(IKE_POLICY, "dc1-gc-ike", {"name": "dc1-gc-ike"})
    dc1.add(IPSEC_POLICY, "dc1-gc-ipsec", {"transformProtocol": "ah", "encryptionAlgorithm": "aes-128"})
    assert failures(RULE, dc1.export) == [
        ("dc1-gc-ike", "ikeVersion not set (v1) (v2 only)"),
        ("dc1-gc-ike", "encryptionAlgorithm not set (aes-128) (aes-256 only)"),
        ("dc1-gc-ike", "authAlgorithm not set (sha1) (sha256 or better)"),
        ("dc1-gc-ike", "pfs not set (group5) (group14-21 or group31)"),
        ("dc1-gc-ipsec", "transformProtocol ah: only ESP encrypts"),
        ("dc1-gc-ipsec", "encryptionAlgorithm aes-128 (aes-256 only)"),
        ("dc1-gc-ipsec", "authAlgorithm not set (sha1) (sha256 or better)"),
        ("dc1-gc-ipsec", "pfs not set (group5) (group14-21 or group31)"),
    ]


def test_a_single_site_stack_is_not_judged() -> None:
    single = Export()
    kiban_city(single)
    single.add(VPN, "vpn", {})
    single.add(IKE_POLICY, "ike", {})
    assert verdicts(RULE, single) == []


def test_settings_not_known_yet_are_not_judged() -> None:
    """A preview (CrossGuard) has values the cloud has not computed: neither absent nor weak."""
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn", tunnel1IkeVersions=UNKNOWN, tunnel2Phase1DhGroupNumbers=UNKNOWN)
    dc1 = SiteStack("dc1")
    dc1.add(IKE_POLICY, "dc1-gc-ike", {"ikeVersion": UNKNOWN, **STRONG_OPENSTACK, "pfs": UNKNOWN})
    assert failures(RULE, gc.export) == failures(RULE, dc1.export) == []
