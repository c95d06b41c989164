"""KB-NET-001: no path between areas except declared flows."""

from __future__ import annotations

from typing import Any

from kiban.audit.rules.net_001_declared_paths import RULE
from tests.kiban.audit.builders import Export, ingress, kiban_city, security_group
from tests.kiban.audit.rules.helpers import failures, verdicts


def city_with(rules: list[dict[str, Any]], area: str = "secure", name: str = "hub") -> Export:
    export = Export()
    areas = kiban_city(export)
    group, _ = security_group(export, areas[area], name, rules)
    export.by_urn[group]["inputs"]["tags"] = ["kiban", "group:integration_hub@secure"]
    return export


def test_rules_inside_their_area_pass() -> None:
    assert failures(RULE, city_with([ingress("from-own", "10.10.5.0/24", 8443)])) == []
    assert (True, "from-own", "") in verdicts(RULE, city_with([ingress("from-own", "10.10.5.0/24", 8443)]))


def test_a_declared_flow_passes() -> None:
    assert failures(RULE, city_with([ingress("from-hub", "10.20.0.128/25", 443)])) == []


def test_another_port_or_a_wider_range_than_declared_fails() -> None:
    assert failures(RULE, city_with([ingress("ssh", "10.20.0.128/25", 22)])) == [
        ("ssh", "ingress 22/tcp office → secure (10.20.0.128/25): no declared flow allows it")
    ]
    assert failures(RULE, city_with([ingress("wide", "10.0.0.0/8", 443)])) == [
        ("wide", "ingress 443/tcp (outside) → secure (10.0.0.0/8 beyond the areas): no declared flow allows it"),
        ("wide", "ingress 443/tcp office → secure (10.20.0.0/16): no declared flow allows it"),
        ("wide", "ingress 443/tcp portal → secure (10.30.0.0/16): no declared flow allows it"),
    ]


def test_the_flow_of_another_group_does_not_count() -> None:
    """The declared flow is hub@office → hub@secure; the same addresses into another group are not declared."""
    export = Export()
    areas = kiban_city(export)
    group, _ = security_group(export, areas["secure"], "juki-app", [ingress("from-hub", "10.20.0.128/25", 443)])
    export.by_urn[group]["inputs"]["tags"] = ["kiban", "group:juki/app"]
    assert failures(RULE, export) == [
        ("from-hub", "ingress 443/tcp office → secure (10.20.0.128/25): no declared flow allows it")
    ]


def test_egress_to_another_area() -> None:
    rule = {
        "name": "out",
        "direction": "egress",
        "protocol": "udp",
        "portRangeMin": 53,
        "portRangeMax": 53,
        "remoteIpPrefix": "10.30.0.10/32",
    }
    assert failures(RULE, city_with([rule])) == [
        ("out", "egress 53/udp secure → portal (10.30.0.10/32): no declared flow allows it")
    ]


def test_without_an_area_map_the_rule_does_not_apply() -> None:
    export = Export()
    security_group(export, export.root, "web", [ingress("any", "0.0.0.0/0", 443)])
    assert verdicts(RULE, export) == []


def test_network_acl_replies_to_a_declared_flow_pass_only_on_ephemeral_ports() -> None:
    export = Export()
    areas = kiban_city(export)
    acl = export.add("aws:ec2/networkAcl:NetworkAcl", "hub-secure", {"vpcId": "vpc-1"}, parent=areas["secure"])
    for number, (first, last) in enumerate(((1024, 65535), (22, 22))):
        rule = {"egress": True, "ruleAction": "allow", "protocol": "6", "fromPort": first, "toPort": last}
        export.add(
            "aws:ec2/networkAclRule:NetworkAclRule",
            f"hub-secure-out-{number}",
            {**rule, "ruleNumber": 100 + number, "cidrBlock": "10.20.0.128/25", "networkAclId": export.id_of(acl)},
            parent=areas["secure"],
        )
    assert verdicts(RULE, export) == [
        (True, "hub-secure", ""),  # the ACL itself, with no inline entries
        (True, "hub-secure-out-0", ""),
        (False, "hub-secure-out-1", "egress 22/tcp secure → office (10.20.0.128/25): no declared flow allows it"),
    ]
