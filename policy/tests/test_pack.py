"""The CrossGuard pack: each policy's validate called directly, as the analyzer would, on small stacks.

Runs in policy/.venv (policy/test.sh), where pulumi_policy is installed; the rules themselves are
tested in the main suite (tests/audit), so these tests check the adaptation: what CrossGuard hands
a policy, and what the policy reports back.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from kiban.audit.rules import all_rules
from kiban.audit.waivers import Waiver
from policy.pack import policies

STACK = "urn:pulumi:city::kiban::pulumi:pulumi:Stack::kiban-city"
PLATFORM = "urn:pulumi:city::kiban::kiban:platform:SharedPlatform::platform"
AREA_CHAIN = "kiban:platform:SharedPlatform$kiban:network:SecurityArea"
TENANT_CHAIN = f"{AREA_CHAIN}$kiban:tenancy:BusinessTenant"
TODAY = datetime.date(2026, 6, 1)


def urn(chain: str, name: str) -> str:
    return f"urn:pulumi:city::kiban::{chain}::{name}"


def options(parent: str | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def provider(name: str = "default_5_5_3", props: Mapping[str, Any] | None = None) -> PolicyProviderResource:
    return PolicyProviderResource(
        "pulumi:providers:openstack", props or {}, urn("pulumi:providers:openstack", name), name
    )


def resource_args(type_: str, props: Mapping[str, Any], name: str = "r") -> ResourceValidationArgs:
    return ResourceValidationArgs(type_, unknown_checking_proxy(dict(props)), urn(type_, name), name, options(), None)


class Stack:
    """PolicyResource objects linked the way the analyzer links them (parent and dependencies as objects)."""

    def __init__(self) -> None:
        self.resources: dict[str, PolicyResource] = {}

    def add(
        self,
        type_: str,
        name: str,
        props: Mapping[str, Any],
        parent: str | None = None,
        chain: str | None = None,
        provider_resource: PolicyProviderResource | None = None,
        depends: Mapping[str, list[str]] | None = None,
    ) -> str:
        full = urn(f"{chain}${type_}" if chain else type_, name)
        parent_resource = self.resources.get(parent) if parent else None
        resource = PolicyResource(
            type_,
            unknown_checking_proxy(dict(props)),
            full,
            name,
            options(parent),
            provider_resource,
            parent_resource,
            [],
            {},
        )
        for key, urns in (depends or {}).items():
            resource.property_dependencies[key] = [self.resources[dependency] for dependency in urns]
        self.resources[full] = resource
        return full

    def args(self) -> StackValidationArgs:
        return StackValidationArgs(list(self.resources.values()))


def area_stack(level: str = "high") -> tuple[Stack, str]:
    """A stack with the kiban inventory (two areas) and one area component; returns it and the area URN."""
    stack = Stack()
    inventory = {
        "areas": [
            {"id": "secure", "level": level, "cidr": "10.10.0.0/16", "vlans": [100], "segments": []},
            {"id": "office", "level": "middle", "cidr": "10.20.0.0/16", "vlans": [200], "segments": []},
        ],
        "flows": [
            {
                "from": {"area": "office", "cidr": "10.20.0.128/25", "group": "hub@office", "kind": "middleware"},
                "to": {"area": "secure", "cidr": "10.10.0.128/25", "group": "hub@secure", "kind": "middleware"},
                "port": "443/tcp",
                "kind": "declared-flow",
                "flow": "to-secure",
                "crosses_areas": True,
            }
        ],
    }
    stack.add("pulumi:pulumi:Stack", "kiban-city", {"inventory": inventory})
    stack.add("kiban:platform:SharedPlatform", "platform", {}, STACK)
    area = stack.add(
        "kiban:network:SecurityArea",
        "secure",
        {"area": "secure", "level": level},
        PLATFORM,
        "kiban:platform:SharedPlatform",
    )
    return stack, area


def rule_in_area(stack: Stack, area: str, prefix: str, port: int, name: str = "hub-in") -> str:
    group = stack.add(
        "openstack:networking/secGroup:SecGroup",
        "hub",
        {"deleteDefaultRules": True, "id": "sg-0000000001"},
        area,
        AREA_CHAIN,
    )
    return stack.add(
        "openstack:networking/secGroupRule:SecGroupRule",
        name,
        {
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": "tcp",
            "portRangeMin": port,
            "portRangeMax": port,
            "remoteIpPrefix": prefix,
            "securityGroupId": "sg-0000000001",
        },
        group,
        f"{AREA_CHAIN}$openstack:networking/secGroup:SecGroup",
    )


def by_name(made: list[Any]) -> dict[str, Any]:
    return {policy.name: policy for policy in made}


def run(policy: Any, args: Any) -> list[tuple[str, str | None]]:
    reported: list[tuple[str, str | None]] = []
    policy.validate(args, lambda message, urn=None: reported.append((message, urn)))
    return reported


@pytest.fixture
def pack() -> dict[str, Any]:
    return by_name(policies(waivers=[], today=TODAY))


def test_one_policy_per_rule_plus_the_expired_waiver_policy(pack: dict[str, Any]) -> None:
    judged = [rule for rule in all_rules() if not rule.needs_sealed_secrets]
    assert sorted(pack) == sorted([rule.id.lower() for rule in judged] + ["kb-waiver-001"])
    assert [rule.id for rule in all_rules() if rule.needs_sealed_secrets] == ["KB-HYB-007"]
    for rule in judged:
        policy = pack[rule.id.lower()]
        expected = ResourceValidationPolicy if rule.scope == "resource" else StackValidationPolicy
        assert isinstance(policy, expected)
        mandatory = rule.severity.label in ("critical", "high")
        assert policy.enforcement_level == (EnforcementLevel.MANDATORY if mandatory else EnforcementLevel.ADVISORY)
        assert policy.severity.value == rule.severity.label
        assert policy.remediation_steps == rule.info.description


def test_imdsv2_resource_policy(pack: dict[str, Any]) -> None:
    policy = pack["kb-imds-001"]
    bare = resource_args("aws:ec2/instance:Instance", {"ami": "ami-1", "instanceType": "t3.micro"})
    assert run(policy, bare) == [("KB-IMDS-001: instance metadata service does not require IMDSv2 tokens", bare.urn)]
    required = resource_args("aws:ec2/instance:Instance", {"metadataOptions": {"httpTokens": "required"}})
    assert run(policy, required) == []


def test_encryption_resource_policy(pack: dict[str, Any]) -> None:
    policy = pack["kb-enc-001"]
    volume = resource_args("aws:ebs/volume:Volume", {"size": 10, "encrypted": False})
    assert run(policy, volume) == [("KB-ENC-001: EBS volume is not encrypted", volume.urn)]
    assert run(policy, resource_args("aws:ebs/volume:Volume", {"size": 10, "encrypted": True})) == []
    # OpenStack volumes do not express encryption: the policy does not apply.
    assert run(policy, resource_args("openstack:blockstorage/volume:Volume", {"size": 10})) == []


def test_filtering_resource_policy(pack: dict[str, Any]) -> None:
    port = resource_args("openstack:networking/port:Port", {"portSecurityEnabled": False})
    assert run(pack["kb-net-004"], port) == [("KB-NET-004: port security disabled on the port", port.urn)]


def test_unknown_values_during_a_preview_are_not_judged(pack: dict[str, Any]) -> None:
    """An `encrypted` the cloud has not computed yet is neither true nor false."""
    volume = resource_args("aws:ebs/volume:Volume", {"size": 10, "encrypted": UNKNOWN_STRING_VALUE})
    assert run(pack["kb-enc-001"], volume) == []
    instance = resource_args("aws:ec2/instance:Instance", {"metadataOptions": {"httpTokens": UNKNOWN_STRING_VALUE}})
    assert run(pack["kb-imds-001"], instance) == [
        ("KB-IMDS-001: instance metadata service does not require IMDSv2 tokens", instance.urn)
    ]


def test_no_ingress_from_anywhere_stack_policy(pack: dict[str, Any]) -> None:
    stack, area = area_stack("high")
    bad = rule_in_area(stack, area, "0.0.0.0/0", 22, "hub-in-anywhere")
    assert run(pack["kb-net-002"], stack.args()) == [
        ("KB-NET-002: 22/tcp from anywhere (0.0.0.0/0) in a high area", bad)
    ]
    internet, area = area_stack("internet")
    rule_in_area(internet, area, "0.0.0.0/0", 443)
    assert run(pack["kb-net-002"], internet.args()) == []


def test_declared_paths_stack_policy(pack: dict[str, Any]) -> None:
    stack, area = area_stack("high")
    rule_in_area(stack, area, "10.20.0.128/25", 443, "declared")
    assert run(pack["kb-net-001"], stack.args()) == []
    undeclared, area = area_stack("high")
    bad = rule_in_area(undeclared, area, "10.20.0.0/16", 443, "whole-office")
    assert run(pack["kb-net-001"], undeclared.args()) == [
        ("KB-NET-001: ingress 443/tcp office → secure (10.20.0.0/16): no declared flow allows it", bad)
    ]


def test_anti_affinity_stack_policy_resolves_the_server_group_by_dependency(pack: dict[str, Any]) -> None:
    """During a preview a new server group has no id: the instance's dependency names it instead."""
    stack, area = area_stack()
    group = stack.add(
        "openstack:compute/serverGroup:ServerGroup", "app", {"policies": "soft-anti-affinity"}, area, AREA_CHAIN
    )
    members = []
    for index in (1, 2):
        members.append(
            stack.add(
                "openstack:compute/instance:Instance",
                f"app-{index}",
                {
                    "availabilityZone": f"az{index}",
                    "metadata": {"kiban-group": "app"},
                    "schedulerHints": [{"group": UNKNOWN_STRING_VALUE}],
                },
                area,
                AREA_CHAIN,
                depends={"schedulerHints": [group]},
            )
        )
    assert run(pack["kb-ha-001"], stack.args()) == [
        ("KB-HA-001: app: 2 replicas without hard anti-affinity (soft-anti-affinity)", members[0])
    ]
    assert run(pack["kb-ha-002"], stack.args()) == []


def test_tenancy_stack_policy_follows_the_explicit_provider(pack: dict[str, Any]) -> None:
    stack, area = area_stack()
    tenants = {}
    for business in ("juki", "zei"):
        tenant = stack.add("kiban:tenancy:BusinessTenant", business, {}, area, AREA_CHAIN)
        project = stack.add(
            "openstack:identity/project:Project", business, {"id": f"project-{business}-0001"}, tenant, TENANT_CHAIN
        )
        tenants[business] = (tenant, project)
    zei_provider = provider("zei", {"tenantId": "project-zei-0001"})
    stack.resources[zei_provider.urn] = PolicyResource(
        zei_provider.resource_type, zei_provider.props, zei_provider.urn, "zei", options(), None,
        stack.resources[tenants["zei"][0]], [], {},
    )  # fmt: skip
    wrong = stack.add(
        "openstack:compute/instance:Instance", "juki-app-1", {"name": "juki-app-1"}, tenants["juki"][0], TENANT_CHAIN,
        provider_resource=zei_provider,
    )  # fmt: skip
    assert run(pack["kb-ten-001"], stack.args()) == [
        ("KB-TEN-001: resource of tenant juki placed in tenant zei's project (provider)", wrong)
    ]


def test_waivers_accept_a_failure_until_they_expire() -> None:
    stack, area = area_stack("high")
    bad = rule_in_area(stack, area, "0.0.0.0/0", 22, "hub-in-anywhere")
    current = Waiver(
        "KB-NET-002", "*::hub-in-anywhere", "bastion until the VPN is delivered", datetime.date(2026, 12, 31), 0
    )
    waived = by_name(policies(waivers=[current], today=TODAY))
    assert run(waived["kb-net-002"], stack.args()) == []
    assert run(waived["kb-waiver-001"], stack.args()) == []
    late = by_name(policies(waivers=[current], today=datetime.date(2027, 1, 1)))
    assert run(late["kb-net-002"], stack.args()) == [
        ("KB-NET-002: 22/tcp from anywhere (0.0.0.0/0) in a high area", bad)
    ]
    assert run(late["kb-waiver-001"], stack.args()) == [
        (
            "KB-WAIVER-001: waiver 1 (KB-NET-002 *::hub-in-anywhere) expired on 2026-12-31: "
            "bastion until the VPN is delivered",
            None,
        )
    ]


def test_waivers_file_named_by_the_environment(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - {rule: KB-IMDS-001, resource: '*', justification: legacy AMI, expires: 2099-12-31}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KIBAN_WAIVERS", str(waivers))
    policy = by_name(policies())["kb-imds-001"]
    assert run(policy, resource_args("aws:ec2/instance:Instance", {})) == []


def test_the_pack_starts_its_analyzer_and_listens() -> None:
    """`pulumi preview --policy-pack policy` runs __main__.py, which prints the port it serves on."""
    import subprocess
    import sys
    from pathlib import Path

    main = Path(__file__).resolve().parent.parent / "__main__.py"
    process = subprocess.Popen([sys.executable, str(main)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
    finally:
        process.kill()
        process.wait(timeout=10)
    assert first.isdigit() and int(first) > 0, process.stderr.read() if process.stderr else first
