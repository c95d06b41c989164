"""Issue 10's audit blind spots, planted in a rendered AWS city and in the OpenStack small city.

Each is asserted in both commands: ``kiban audit`` (a rule) on the planted state,
and ``kiban diff`` (a finding) from the clean render to it.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from kiban.audit.diff import diff_states
from kiban.audit.engine import run_audit
from kiban.audit.state import state_from_document
from tests.conftest import SMALL_CITY
from tests.kiban.audit.builders import AREA, INSTANCE, rendered
from tests.rendering import TINY_CITY

VPC = "aws:ec2/vpc:Vpc"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
AWS_INSTANCE = "aws:ec2/instance:Instance"


def aws_city() -> str:
    """The tiny city with an internet area, and an AWS zone for each chassis."""
    data: dict[str, Any] = yaml.safe_load(TINY_CITY)
    zones = ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
    for chassis, zone in zip(data["failure_domains"]["chassis"], zones, strict=True):
        chassis["cloud_zone"] = zone
    data["areas"].append(
        {
            "id": "portal",
            "name": "インターネット接続系",
            "name_en": "Internet",
            "level": "internet",
            "vlans": {"first": 300, "last": 399},
            "supernet": "10.30.0.0/16",
        }
    )
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.fixture
def clean() -> dict[str, Any]:
    """A fresh copy of the render (rendered once per session) to plant a blind spot in."""
    return rendered(aws_city(), "aws")


def named(document: dict[str, Any], type_: str, name: str) -> dict[str, Any]:
    resources: list[dict[str, Any]] = document["deployment"]["resources"]
    (found,) = [r for r in resources if r["type"] == type_ and r["urn"].endswith(f"::{name}")]
    return found


def plant(document: dict[str, Any], type_: str, name: str, inputs: dict[str, Any], parent: str) -> str:
    """Add a resource under ``parent`` the way the engine records it; its id."""
    chain = parent.split("::")[2]
    urn = f"{parent.split('::')[0]}::kiban::{chain}${type_}::{name}"
    resource_id = str(uuid.uuid5(uuid.NAMESPACE_URL, urn))
    document["deployment"]["resources"].append(
        {"urn": urn, "custom": True, "id": resource_id, "type": type_, "inputs": inputs, "parent": parent}
    )
    return resource_id


def both(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """(the audit's failures of ``new``, the diff's findings from ``old`` to ``new``) as (severity, rule, message)."""
    audit = run_audit(state_from_document(new, "new.json"))
    diff = diff_states(state_from_document(old, "old.json"), state_from_document(new, "new.json"))
    shown = [(f.severity.label, f.rule, f.message) for f in audit.findings]
    return shown, [(f.severity.label, f.rule, f.message) for f in diff.findings]


def test_the_clean_render_audits_clean(clean: dict[str, Any]) -> None:
    assert [(f.rule, f.message) for f in run_audit(state_from_document(clean, "clean")).findings] == []


def test_an_internet_gateway_and_a_default_route_in_the_high_area(clean: dict[str, Any]) -> None:
    new = clean
    secure = named(new, AREA, "secure")["urn"]
    vpc = named(new, VPC, "secure")["id"]
    gateway = plant(new, "aws:ec2/internetGateway:InternetGateway", "secure-igw", {}, secure)
    plant(
        new,
        "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
        "secure-igw",
        {"internetGatewayId": gateway, "vpcId": vpc},
        secure,
    )
    table = named(new, ROUTE_TABLE, "juki-app")
    plant(
        new,
        "aws:ec2/route:Route",
        "juki-app-default",
        {"routeTableId": table["id"], "destinationCidrBlock": "0.0.0.0/0", "gatewayId": gateway},
        table["urn"],
    )
    audit, diff = both(rendered(aws_city(), "aws"), new)
    message = "route 0.0.0.0/0 via internet gateway secure-igw: the high area secure reaches the internet"
    assert audit == [("critical", "KB-NET-005", message)]
    assert diff == [("critical", "KB-DIFF-ROUTE", message)]


def test_an_egress_only_gateway_and_a_nat_route_and_a_default_route_over_a_peering(clean: dict[str, Any]) -> None:
    new = clean
    office = named(new, AREA, "office")["urn"]
    office_vpc = named(new, VPC, "office")["id"]
    plant(
        new, "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway", "office-eigw", {"vpcId": office_vpc}, office
    )
    subnet = next(
        r
        for r in new["deployment"]["resources"]
        if r["type"] == "aws:ec2/subnet:Subnet" and r["inputs"]["vpcId"] == office_vpc
    )
    nat = plant(new, "aws:ec2/natGateway:NatGateway", "office-nat", {"subnetId": subnet["id"]}, office)
    table = named(new, ROUTE_TABLE, "kyuyo-app")
    table["inputs"]["routes"] = [{"cidrBlock": "198.51.100.0/24", "natGatewayId": nat}]
    audit, diff = both(rendered(aws_city(), "aws"), new)
    assert audit == [
        (
            "critical",
            "KB-NET-005",
            "egress-only internet gateway office-eigw attached to the network of the middle area office",
        ),
        (
            "critical",
            "KB-NET-005",
            "route 198.51.100.0/24 via NAT gateway office-nat: the middle area office reaches the internet",
        ),
    ]
    # Both at KB-NET-005's severity: a gateway not yet routed to fails the audit as much (issue 21).
    assert diff == [
        (
            "critical",
            "KB-DIFF-ROUTE",
            "egress-only internet gateway office-eigw attached to the network of the middle area office",
        ),
        (
            "critical",
            "KB-DIFF-ROUTE",
            "route 198.51.100.0/24 via NAT gateway office-nat: the middle area office reaches the internet",
        ),
    ]


def test_a_peering_between_the_high_and_the_internet_area(clean: dict[str, Any]) -> None:
    new = clean
    secure = named(new, AREA, "secure")["urn"]
    peering = plant(
        new,
        "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
        "secure-portal",
        {"vpcId": named(new, VPC, "secure")["id"], "peerVpcId": named(new, VPC, "portal")["id"], "autoAccept": True},
        secure,
    )
    table = named(new, ROUTE_TABLE, "juki-web")
    plant(
        new,
        "aws:ec2/route:Route",
        "juki-web-to-portal",
        {"routeTableId": table["id"], "destinationCidrBlock": "10.30.0.0/16", "vpcPeeringConnectionId": peering},
        table["urn"],
    )
    audit, diff = both(rendered(aws_city(), "aws"), new)
    message = (
        "route 10.30.0.0/16 over VPC peering secure-portal joins areas secure and portal: "
        "the high area and the internet area (三層分離 broken)"
    )
    assert audit == [("critical", "KB-NET-006", message)]
    assert diff == [("critical", "KB-DIFF-PEERING", message)]


def _return_entry(document: dict[str, Any], acl: str) -> dict[str, Any]:
    """The first ingress allow entry of network ACL ``acl`` for TCP replies (1024-65535), whatever its name."""
    entries = [
        r
        for r in document["deployment"]["resources"]
        if r["type"] == "aws:ec2/networkAclRule:NetworkAclRule"
        and r.get("parent", "").endswith(f"NetworkAcl::{acl}")
        and r["inputs"].get("egress") is False
        and r["inputs"].get("ruleAction") == "allow"
        and str(r["inputs"].get("protocol")) in ("6", "tcp")
        and (r["inputs"].get("fromPort"), r["inputs"].get("toPort")) == (1024, 65535)
    ]
    return min(entries, key=lambda r: str(r["urn"]))


def test_rules_open_to_anywhere_are_paths_into_the_area(clean: dict[str, Any]) -> None:
    new = clean
    rule = named(
        new, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "integration-hub-secure-in-juki-app-tcp443"
    )
    rule["inputs"]["cidrIpv4"] = "0.0.0.0/0"
    entry = _return_entry(new, "juki-app")
    entry["inputs"]["cidrBlock"] = "0.0.0.0/0"
    name = entry["urn"].rsplit("::", 1)[1]
    audit, diff = both(rendered(aws_city(), "aws"), new)
    # eLTAX (declared, from outside) already reached the secure area: anywhere widens that path.
    assert diff == [
        (
            "critical",
            "KB-DIFF-ANYWHERE",
            "integration-hub-secure (integration-hub-secure-in-juki-app-tcp443): ingress 443/tcp from anywhere (0.0.0.0/0)",
        ),
        ("critical", "KB-DIFF-ANYWHERE", f"{name}: ingress 1024-65535/tcp from anywhere (0.0.0.0/0)"),
        (
            "critical",
            "KB-DIFF-PATH",
            "wider path anywhere → secure: integration-hub-secure (integration-hub-secure-in-juki-app-tcp443) "
            "ingress 443/tcp from 0.0.0.0/0 (every address; no declared flow allows it)",
        ),
        (
            "critical",
            "KB-DIFF-PATH",
            f"wider path anywhere → secure: {name} ingress 1024-65535/tcp from 0.0.0.0/0 "
            "(every address; no declared flow allows it)",
        ),
    ]
    assert [message for _, rule, message in audit if rule == "KB-NET-002"] == [
        "443/tcp from anywhere (0.0.0.0/0) in a high area",
        "1024-65535/tcp from anywhere (0.0.0.0/0) in a high area",
    ]
    assert (
        "critical",
        "KB-NET-001",
        "ingress 443/tcp (outside) → secure (0.0.0.0/0 beyond the areas): no declared flow allows it",
    ) in audit


def test_a_replica_removed_while_the_inventory_keeps_it(clean: dict[str, Any]) -> None:
    new = clean
    # The replica and what belongs to it (its data volume and attachment) leave the resources; the inventory stays.
    new["deployment"]["resources"] = [r for r in new["deployment"]["resources"] if "::juki-app-3" not in r["urn"]]
    audit, diff = both(rendered(aws_city(), "aws"), new)
    message = "the inventory lists host juki-app-3 (juki/app), no instance declares it"
    assert audit == [("high", "KB-INV-001", message)]
    assert diff == [
        ("high", "KB-DIFF-INVENTORY", message),
        ("medium", "KB-DIFF-REDUNDANCY", "juki/app: replicas 3 → 2"),
    ]


def test_a_replica_removed_on_openstack_and_an_instance_the_inventory_does_not_list() -> None:
    old, new = rendered(SMALL_CITY), rendered(SMALL_CITY)
    resources = new["deployment"]["resources"]
    new["deployment"]["resources"] = resources = [r for r in resources if "::lean-app-2" not in r["urn"]]
    stray = dict(next(r for r in resources if r["type"] == INSTANCE and r["urn"].endswith("::lean-app-1")))
    stray["urn"] = stray["urn"].replace("::lean-app-1", "::lean-app-9")
    stray["inputs"] = {**stray["inputs"], "name": "lean-app-9", "availabilityZone": "c2"}
    resources.append(stray)
    audit, diff = both(old, new)
    messages = [
        "instance lean-app-9 (lean/app) is not in the inventory",
        "the inventory lists host lean-app-2 (lean/app), no instance declares it",
    ]
    assert audit == [("high", "KB-INV-001", message) for message in messages]
    assert diff == [("high", "KB-DIFF-INVENTORY", message) for message in messages]


def test_both_commands_fail_on_the_planted_gateway(clean: dict[str, Any], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kiban.cli import app

    old = tmp_path / "old.json"
    old.write_text(json.dumps(clean), encoding="utf-8")
    secure = named(clean, AREA, "secure")["urn"]
    plant(clean, "aws:ec2/internetGateway:InternetGateway", "igw", {"vpcId": named(clean, VPC, "secure")["id"]}, secure)
    new = tmp_path / "new.json"
    new.write_text(json.dumps(clean), encoding="utf-8")
    runner = CliRunner()
    audit = runner.invoke(app, ["audit", str(new), "-f", "json"])
    diff = runner.invoke(app, ["diff", str(old), str(new), "-f", "json"])
    assert (audit.exit_code, diff.exit_code) == (3, 3)
    message = "internet gateway igw attached to the network of the high area secure"
    assert [(f["rule"], f["message"]) for f in json.loads(audit.stdout)["findings"]] == [("KB-NET-005", message)]
    assert [(f["rule"], f["message"]) for f in json.loads(diff.stdout)["findings"]] == [("KB-DIFF-ROUTE", message)]
