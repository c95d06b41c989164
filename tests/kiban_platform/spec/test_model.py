"""Shape rules of the spec models."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kiban_platform.spec.model import (
    Endpoint,
    Municipality,
    Port,
    Protocol,
    Tiers,
    VlanRange,
    municipality_code_check_digit,
)


@pytest.mark.parametrize(
    ("code", "city"),
    [("011002", "札幌市"), ("141003", "横浜市"), ("271004", "大阪市"), ("131016", "千代田区")],
)
def test_check_digit_of_real_codes(code: str, city: str) -> None:
    assert municipality_code_check_digit(code[:5]) == int(code[5]), city


def test_municipality_rejects_a_wrong_check_digit() -> None:
    with pytest.raises(ValidationError, match="check digit of 141009 should be 3"):
        Municipality.model_validate({"name": "横浜市", "name_en": "Yokohama", "code": "141009", "class": "政令市"})


@pytest.mark.parametrize(
    ("written", "protocol", "first", "last"),
    [
        (443, Protocol.TCP, 443, 443),
        ("53/udp", Protocol.UDP, 53, 53),
        ("8000-8010/tcp", Protocol.TCP, 8000, 8010),
        ("8443", Protocol.TCP, 8443, 8443),
    ],
)
def test_port_forms(written: object, protocol: Protocol, first: int, last: int) -> None:
    tiers = Tiers.model_validate(
        {"app": {"replicas": 1, "vcpu": 1, "ram_gb": 1, "disk": {"tier": "fast", "size_gb": 1}, "ports": [written]}}
    )
    assert tiers.app is not None and tiers.app.ports is not None
    assert tiers.app.ports[0] == Port(protocol=protocol, first=first, last=last)


@pytest.mark.parametrize("written", ["https", "70000", "10-5/tcp", "443/sctp", True])
def test_bad_ports_are_rejected(written: object) -> None:
    with pytest.raises(ValidationError):
        Tiers.model_validate(
            {"app": {"replicas": 1, "vcpu": 1, "ram_gb": 1, "disk": {"tier": "fast", "size_gb": 1}, "ports": [written]}}
        )


def test_port_text_round_trips() -> None:
    assert str(Port(protocol=Protocol.UDP, first=123, last=123)) == "123/udp"
    assert str(Port(first=8000, last=8010)) == "8000-8010/tcp"


def test_a_business_needs_a_tier() -> None:
    with pytest.raises(ValidationError, match="at least one tier"):
        Tiers.model_validate({})


def test_reversed_vlan_range() -> None:
    with pytest.raises(ValidationError, match="reversed"):
        VlanRange(first=200, last=100)


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ({"business": "juki", "middleware": "database", "area": "lgwan"}, "exactly one of"),
        ({"middleware": "database"}, "needs the area"),
        ({"external": "eLTAX", "area": "lgwan"}, "needs the area it enters and its cidr"),
        ({"tier": "app", "middleware": "database", "area": "lgwan"}, "tier goes with business"),
        ({"business": "juki", "area": "lgwan"}, "takes its area from the business"),
    ],
)
def test_endpoint_forms(endpoint: dict[str, str], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        Endpoint.model_validate(endpoint)


def test_a_wide_network_approval_goes_with_an_external_endpoint() -> None:
    approval = {"approved_by": "CISO", "reason": "the counterpart publishes one /20"}
    external = Endpoint.model_validate(
        {"external": "eLTAX", "area": "lgwan", "cidr": "198.51.96.0/20", "approved_wide": approval}
    )
    assert external.approved_wide is not None and external.approved_wide.approved_by == "CISO"
    with pytest.raises(ValidationError, match="approved_wide goes with external"):
        Endpoint.model_validate({"middleware": "integration_hub", "area": "lgwan", "approved_wide": approval})
    with pytest.raises(ValidationError, match="reason"):
        Endpoint.model_validate(
            {"external": "eLTAX", "area": "lgwan", "cidr": "198.51.96.0/20", "approved_wide": {"approved_by": "x"}}
        )
