"""KB-NET-002: no ingress from anywhere in high and middle areas."""

from __future__ import annotations

from typing import Any

import pytest

from kiban.audit.rules.net_002_no_ingress_from_anywhere import RULE
from tests.kiban.audit.builders import Export, ingress, kiban_city, security_group
from tests.kiban.audit.rules.helpers import failures, verdicts


def city_with(area: str, rules: list[dict[str, Any]]) -> Export:
    export = Export()
    areas = kiban_city(export)
    security_group(export, areas[area], "web", rules)
    return export


@pytest.mark.parametrize(("area", "level"), [("secure", "high"), ("office", "middle")])
def test_anywhere_fails_in_protected_areas(area: str, level: str) -> None:
    assert failures(RULE, city_with(area, [ingress("ssh", "0.0.0.0/0", 22)])) == [
        ("ssh", f"22/tcp from anywhere (0.0.0.0/0) in a {level} area")
    ]


def test_a_rule_without_any_remote_is_from_anywhere() -> None:
    rule = {"name": "open", "direction": "ingress", "ethertype": "IPv6"}
    assert failures(RULE, city_with("secure", [rule])) == [("open", "all traffic from anywhere (::/0) in a high area")]


def test_the_internet_area_and_narrow_rules_pass() -> None:
    assert verdicts(RULE, city_with("portal", [ingress("https", "0.0.0.0/0", 443)])) == []
    assert failures(RULE, city_with("secure", [ingress("https", "10.10.0.0/16", 443)])) == []


def test_egress_to_anywhere_is_not_this_rules_business() -> None:
    rule = {"name": "out", "direction": "egress", "remoteIpPrefix": "0.0.0.0/0"}
    assert failures(RULE, city_with("secure", [rule])) == []
