"""Values as compared and shown: secrets sealed (ciphertext or plaintext), id references resolved."""

from __future__ import annotations

from kiban.audit.values import SECRET_TEXT, Ref, Secret, contains_secret, display, normalize, to_json
from tests.kiban.audit.builders import ciphertext, plaintext

IDS = {"3f1c2a4e-0000-4000-8000-000000000001": "urn:pulumi:s::p::openstack:networking/secGroup:SecGroup::web"}


def test_secrets_are_sealed_whatever_their_form() -> None:
    assert normalize(ciphertext("pw"), IDS) == Secret(ciphertext("pw")["ciphertext"], True)
    assert normalize(plaintext("hunter2"), IDS) == Secret('"hunter2"', False)
    # The same plaintext compares equal; ciphertext and plaintext cannot be compared, so they differ.
    assert normalize(plaintext("x"), IDS) == normalize(plaintext("x"), IDS)
    assert normalize(plaintext("x"), IDS) != normalize(ciphertext("x"), IDS)


def test_values_under_sensitive_names_are_sealed_even_when_not_marked_secret() -> None:
    sealed = normalize({"adminPass": "hunter2", "clientSecret": "s3", "httpTokens": "required"}, IDS)
    assert isinstance(sealed["adminPass"], Secret) and isinstance(sealed["clientSecret"], Secret)
    assert sealed["httpTokens"] == "required"


def test_ids_become_references_and_bookkeeping_is_dropped() -> None:
    value = {"securityGroupIds": ["3f1c2a4e-0000-4000-8000-000000000001"], "__defaults": ["x"], "size": 10.0, "id": "1"}
    assert normalize(value, IDS) == {
        "securityGroupIds": [Ref(IDS["3f1c2a4e-0000-4000-8000-000000000001"])],
        "size": 10,
        "id": "1",
    }


def test_nothing_shows_a_secret() -> None:
    value = normalize({"password": plaintext("hunter2"), "list": [ciphertext("a"), "b"]}, IDS)
    assert contains_secret(value)
    shown = display(value) + str(to_json(value))
    assert "hunter2" not in shown and "v1:" not in shown
    assert display(value) == '{password: [secret], list: [[secret], "b"]}'
    assert to_json(value) == {"password": SECRET_TEXT, "list": [SECRET_TEXT, "b"]}


def test_display_is_short() -> None:
    assert display("line 1\nline 2\nline 3") == "<text, 3 lines>"
    assert display(Ref("urn:pulumi:s::p::t::web")) == "→web"
    assert len(display("x" * 500)) == 80
