"""KB-HYB-007: pre-shared keys only as secrets in the state."""

from __future__ import annotations

from kiban.audit.rules.hyb_007_keys_as_secrets import RULE
from tests.kiban.audit.builders import Export, ciphertext, kiban_city, plaintext
from tests.kiban.audit.hybrid_city import SITE_CONNECTION, VPN, SiteStack, vpn_connection
from tests.kiban.audit.rules.helpers import failures, verdicts


def test_secret_keys_pass() -> None:
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn")
    gc.export.by_urn[gc.export.root]["outputs"]["links"] = {
        "dc1-gc": {"peer": "dc1", "tunnels": [{"inside_cidr": "169.254.10.0/30", "preshared_key": ciphertext("k")}]}
    }
    assert verdicts(RULE, gc.export) == [(True, "dc1-gc-vpn", ""), (True, "kiban-sample-hybrid-gc", "")]
    dc1 = SiteStack("dc1")
    dc1.add(SITE_CONNECTION, "dc1-gc-mynumber-1", {"psk": plaintext("shown only after --show-secrets")})
    assert verdicts(RULE, dc1.export) == [(True, "dc1-gc-mynumber-1", "")]


def test_plain_keys_fail() -> None:
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn", tunnel2PresharedKey="not-a-secret")
    gc.export.by_urn[gc.export.root]["outputs"]["links"] = {
        "dc1-gc": {"peer": "dc1", "tunnels": [{"preshared_key": ciphertext("k")}, {"preshared_key": "plain"}]}
    }
    assert failures(RULE, gc.export) == [
        ("dc1-gc-vpn", "tunnel2PresharedKey is in the state's inputs as plain text"),
        ("dc1-gc-vpn", "tunnel2PresharedKey is in the state's outputs as plain text"),
        ("kiban-sample-hybrid-gc", "the links output's dc1-gc tunnel 2 preshared_key is plain text"),
    ]
    dc1 = SiteStack("dc1")
    dc1.add(SITE_CONNECTION, "dc1-gc-mynumber-1", {"psk": "plain"})
    assert [message for _, message in failures(RULE, dc1.export)] == [
        "psk is in the state's inputs as plain text",
        "psk is in the state's outputs as plain text",
    ]


def test_a_single_site_stack_is_not_judged() -> None:
    single = Export()
    kiban_city(single)
    single.add(VPN, "vpn", {"tunnel1PresharedKey": "plain"})
    assert verdicts(RULE, single) == []
