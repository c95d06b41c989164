"""The CrossGuard adapters with plain objects shaped like pulumi_policy's (which this environment cannot import).

policy/tests runs the same adapters inside the pack's own environment with the real classes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from kiban.audit import crossguard
from kiban.audit.rules import rule_by_id
from kiban.audit.values import UNKNOWN
from kiban.audit.waivers import Waiver


class UnknownValueError(Exception):
    """Named like CrossGuard's: reading a value a preview does not know yet."""


class Proxy(Mapping[str, Any]):
    """Like CrossGuard's props proxy: reading an unknown value raises."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.target = values

    def __getitem__(self, key: str) -> Any:
        value = self.target[key]
        if value == "<unknown>":
            raise UnknownValueError(key)
        return Proxy(value) if isinstance(value, dict) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self.target)

    def __len__(self) -> int:
        return len(self.target)


@dataclass
class Provider:
    resource_type: str
    props: Mapping[str, Any]
    urn: str


@dataclass
class Options:
    parent: str | None = None


@dataclass
class PolicyResource:
    resource_type: str
    props: Mapping[str, Any]
    urn: str
    parent: PolicyResource | None = None
    provider: Provider | None = None
    property_dependencies: dict[str, list[PolicyResource]] = field(default_factory=dict)


@dataclass
class ResourceArgs:
    resource_type: str
    props: Mapping[str, Any]
    urn: str
    provider: Provider | None = None
    opts: Options = field(default_factory=Options)


@dataclass
class StackArgs:
    resources: list[PolicyResource]


def test_plain_turns_unknowns_into_unknown_and_lets_other_errors_through() -> None:
    assert crossguard.plain(Proxy({"a": "<unknown>", "b": {"c": "<unknown>", "d": [1, "x"]}})) == {
        "a": UNKNOWN,
        "b": {"c": UNKNOWN, "d": [1, "x"]},
    }

    class Broken(Proxy):
        def __getitem__(self, key: str) -> Any:
            raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        crossguard.plain(Broken({"a": 1}))


def test_resource_validator_reports_with_the_resources_urn() -> None:
    reported: list[tuple[str, str | None]] = []
    validate = crossguard.resource_validator(rule_by_id("KB-IMDS-001"), waivers=[])
    args = ResourceArgs(
        "aws:ec2/instance:Instance",
        Proxy({"metadataOptions": {"httpTokens": "optional"}}),
        "urn:pulumi:s::p::aws:ec2/instance:Instance::web",
    )
    validate(args, lambda message, urn=None: reported.append((message, urn)))
    assert reported == [("KB-IMDS-001: instance metadata service does not require IMDSv2 tokens", args.urn)]


def _stack(policy: str) -> tuple[StackArgs, PolicyResource]:
    area = PolicyResource(
        "kiban:network:SecurityArea",
        Proxy({"level": "high", "cidr": "10.10.0.0/16"}),
        "urn:pulumi:s::p::kiban:network:SecurityArea::secure",
    )
    group = PolicyResource(
        "openstack:compute/serverGroup:ServerGroup",
        Proxy({"policies": policy}),
        "urn:pulumi:s::p::kiban:network:SecurityArea$openstack:compute/serverGroup:ServerGroup::db",
        area,
    )
    provider = Provider(
        "pulumi:providers:openstack",
        Proxy({"tenantName": "platform"}),
        "urn:pulumi:s::p::pulumi:providers:openstack::default",
    )
    members = [
        PolicyResource(
            "openstack:compute/instance:Instance",
            Proxy(
                {
                    "availabilityZone": f"az{index}",
                    "metadata": {"kiban-group": "db"},
                    "schedulerHints": [{"group": "<unknown>"}],
                }
            ),
            f"urn:pulumi:s::p::kiban:network:SecurityArea$openstack:compute/instance:Instance::db-{index}",
            area,
            provider,
            {"schedulerHints": [group]},
        )
        for index in (1, 2)
    ]
    return StackArgs([area, group, *members]), members[0]


def _collect(reported: list[tuple[str, str | None]]) -> Any:
    return lambda message, urn=None: reported.append((message, urn))


def test_stack_validator_sees_parents_dependencies_and_providers() -> None:
    resources = crossguard.stack_resources(_stack("anti-affinity")[0].resources)
    member = resources[2]
    assert member["parent"] == "urn:pulumi:s::p::kiban:network:SecurityArea::secure"
    assert member["provider"] == "urn:pulumi:s::p::pulumi:providers:openstack::default::unknown"
    assert member["propertyDependencies"] == {"schedulerHints": [resources[1]["urn"]]}
    # The provider named by a resource is added once, after the first resource naming it.
    assert [r["type"] for r in resources].count("pulumi:providers:openstack") == 1
    assert resources[0]["custom"] is False and member["custom"] is True

    for policy, expected in (
        ("anti-affinity", []),
        ("affinity", ["KB-HA-001: db: 2 replicas without hard anti-affinity (affinity)"]),
    ):
        args, first = _stack(policy)
        reported: list[tuple[str, str | None]] = []
        crossguard.stack_validator(rule_by_id("KB-HA-001"), waivers=[])(args, _collect(reported))
        assert reported == [(message, first.urn) for message in expected]


def test_waivers_in_the_pack() -> None:
    args, _ = _stack("affinity")
    waiver = Waiver("KB-HA-001", "*::db-1", "moving to two chassis", datetime.date(2026, 9, 30), 0)
    reported: list[str] = []
    validate = crossguard.stack_validator(rule_by_id("KB-HA-001"), [waiver], datetime.date(2026, 9, 30))
    validate(args, lambda m, u=None: reported.append(m))
    assert reported == []
    crossguard.waiver_validator([waiver], datetime.date(2026, 10, 1))(args, lambda m, u=None: reported.append(m))
    assert reported == ["KB-WAIVER-001: waiver 1 (KB-HA-001 *::db-1) expired on 2026-09-30: moving to two chassis"]


def test_a_route_to_a_new_internet_gateway_in_a_preview() -> None:
    """Ids of resources made in the same run are unknown: the route's dependencies say where it leads."""
    prefix = "urn:pulumi:s::p::kiban:network:SecurityArea"
    area = PolicyResource(
        "kiban:network:SecurityArea", Proxy({"level": "high", "cidr": "10.10.0.0/16"}), f"{prefix}::secure"
    )
    vpc = PolicyResource(
        "aws:ec2/vpc:Vpc", Proxy({"cidrBlock": "10.10.0.0/16"}), f"{prefix}$aws:ec2/vpc:Vpc::secure", area
    )
    gateway = PolicyResource(
        "aws:ec2/internetGateway:InternetGateway",
        Proxy({"vpcId": "<unknown>"}),
        f"{prefix}$aws:ec2/internetGateway:InternetGateway::igw",
        area,
        property_dependencies={"vpcId": [vpc]},
    )
    table = PolicyResource(
        "aws:ec2/routeTable:RouteTable",
        Proxy({"vpcId": "<unknown>"}),
        f"{prefix}$aws:ec2/routeTable:RouteTable::app",
        area,
        property_dependencies={"vpcId": [vpc]},
    )
    route = PolicyResource(
        "aws:ec2/route:Route",
        Proxy({"routeTableId": "<unknown>", "destinationCidrBlock": "0.0.0.0/0", "gatewayId": "<unknown>"}),
        f"{prefix}$aws:ec2/route:Route::app-default",
        area,
        property_dependencies={"routeTableId": [table], "gatewayId": [gateway]},
    )
    reported: list[tuple[str, str | None]] = []
    args = StackArgs([area, vpc, gateway, table, route])
    crossguard.stack_validator(rule_by_id("KB-NET-005"), waivers=[])(args, _collect(reported))
    assert reported == [
        ("KB-NET-005: route 0.0.0.0/0 via internet gateway igw: the high area secure reaches the internet", route.urn)
    ]
