"""The AWS interpreter, written from the pulumi-aws 7.51.1 schema, on hand-written resources."""

from __future__ import annotations

import ipaddress
from typing import Any

from kiban.audit.facts import Direction, Disk, Facts, GroupRemote, Member, MetadataService, Permit, Spread
from kiban.audit.model import StackView
from tests.kiban.audit.builders import Export

net = ipaddress.ip_network


def facts_of(type_: str, inputs: dict[str, Any], export: Export | None = None) -> Facts:
    export = export or Export()
    urn = export.add(type_, "r", inputs)
    return StackView(export.resources).facts(urn)


def test_security_group_rule_with_every_kind_of_remote() -> None:
    export = Export()
    group = export.add("aws:ec2/securityGroup:SecurityGroup", "web", {"name": "web"}, id="sg-0123456789abcdef0")
    facts = facts_of(
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        {"type": "ingress", "protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8", "192.0.2.0/24"],
         "ipv6CidrBlocks": ["::/0"], "securityGroupId": "sg-0123456789abcdef0"},
        export,
    )  # fmt: skip
    assert [str(p.remote) for p in facts.permits] == ["10.0.0.0/8", "192.0.2.0/24", "::/0"]
    assert {p.scope for p in facts.permits} == {group}
    selfish = facts_of(
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        {
            "type": "egress",
            "protocol": "-1",
            "fromPort": 0,
            "toPort": 0,
            "self": True,
            "securityGroupId": "sg-0123456789abcdef0",
        },
        export,
    )
    assert selfish.permits == (Permit(Direction.EGRESS, "any", 0, 65535, GroupRemote(group), group),)


def test_vpc_ingress_rule_and_inline_group_rules() -> None:
    rule = facts_of(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        {"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0", "securityGroupId": "sg-x"},
    )
    assert rule.permits == (Permit(Direction.INGRESS, "any", 0, 65535, net("0.0.0.0/0"), "sg-x"),)
    inline = facts_of(
        "aws:ec2/securityGroup:SecurityGroup",
        {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["203.0.113.0/24"]}],
         "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]},
    )  # fmt: skip
    assert [(p.direction.value, p.ports(), str(p.remote)) for p in inline.permits] == [
        ("ingress", "22/tcp", "203.0.113.0/24"),
        ("egress", "all traffic", "0.0.0.0/0"),
    ]


def test_network_acls_keep_deny_entries_apart() -> None:
    acl = facts_of(
        "aws:ec2/networkAcl:NetworkAcl",
        {"ingress": [{"action": "deny", "protocol": "tcp", "ruleNo": 90, "fromPort": 22, "toPort": 22, "cidrBlock": "0.0.0.0/0"},
                     {"action": "allow", "protocol": "tcp", "ruleNo": 100, "fromPort": 443, "toPort": 443, "cidrBlock": "10.0.0.0/8"}]},
    )  # fmt: skip
    assert [(p.allow, p.ports()) for p in acl.permits] == [(False, "22/tcp"), (True, "443/tcp")]
    rule = facts_of(
        "aws:ec2/networkAclRule:NetworkAclRule",
        {
            "egress": True,
            "ruleAction": "allow",
            "protocol": "17",
            "fromPort": 53,
            "toPort": 53,
            "cidrBlock": "10.0.0.2/32",
            "networkAclId": "acl-1",
        },
    )
    # Network ACLs are stateless: their entries are marked, so replies on ephemeral ports can be judged.
    assert rule.permits == (Permit(Direction.EGRESS, "udp", 53, 53, net("10.0.0.2/32"), "acl-1", stateless=True),)


def test_instance_metadata_disks_and_public_address() -> None:
    bare = facts_of("aws:ec2/instance:Instance", {"ami": "ami-1", "instanceType": "t3.small"})
    assert bare.metadata == MetadataService("instance metadata service", False)
    assert bare.disks == (Disk("root volume", False),)
    hardened = facts_of(
        "aws:ec2/instance:Instance",
        {"metadataOptions": {"httpTokens": "required"}, "rootBlockDevice": {"encrypted": True},
         "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": False}], "associatePublicIpAddress": True},
    )  # fmt: skip
    assert hardened.metadata == MetadataService("instance metadata service", True)
    assert hardened.disks == (Disk("root volume", True), Disk("EBS volume /dev/sdf", False))
    assert hardened.exposures == ("public IP address",)
    off = facts_of("aws:ec2/instance:Instance", {"metadataOptions": {"httpEndpoint": "disabled"}})
    assert off.metadata is not None and off.metadata.tokens_required


def test_account_wide_ebs_encryption_is_the_default_for_unset_disks() -> None:
    export = Export()
    export.add("aws:ebs/encryptionByDefault:EncryptionByDefault", "on", {"enabled": True})
    assert facts_of("aws:ebs/volume:Volume", {"size": 8}, export).disks == (Disk("EBS volume", True),)
    assert facts_of("aws:ebs/volume:Volume", {"size": 8, "encrypted": False}, export).disks == (
        Disk("EBS volume", False),
    )
    assert facts_of("aws:ebs/volume:Volume", {"size": 8}).disks == (Disk("EBS volume", False),)


def test_launch_template() -> None:
    template = facts_of(
        "aws:ec2/launchTemplate:LaunchTemplate",
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}],
         "networkInterfaces": [{"associatePublicIpAddress": "true"}]},
    )  # fmt: skip
    assert template.disks == (Disk("EBS volume /dev/xvda", True),)
    assert template.metadata == MetadataService("launch template metadata service", False)
    assert template.exposures == ("public IP address (launch template)",)


def test_placement_zones_and_replica_groups() -> None:
    export = Export()
    group = export.add("aws:ec2/placementGroup:PlacementGroup", "app", {"strategy": "spread"}, id="app-spread-group")
    export.add(
        "aws:ec2/subnet:Subnet",
        "a",
        {"cidrBlock": "10.1.1.0/24", "availabilityZone": "ap-northeast-1a"},
        id="subnet-0aaaaaaaa",
    )
    vm = export.add(
        "aws:ec2/instance:Instance",
        "app-1",
        {"subnetId": "subnet-0aaaaaaaa", "placementGroup": "app-spread-group", "tags": {"kiban-group": "juki/app"}},
    )
    view = StackView(export.resources)
    assert view.facts(vm).member == Member("juki/app", "ap-northeast-1a", group)
    assert view.facts(group).spread == (Spread.HARD, "spread")
    assert facts_of("aws:ec2/placementGroup:PlacementGroup", {"strategy": "cluster"}).spread == (Spread.NONE, "cluster")


def test_exposure_of_subnets_balancers_and_elastic_ips() -> None:
    assert facts_of("aws:ec2/subnet:Subnet", {"cidrBlock": "10.1.0.0/24", "mapPublicIpOnLaunch": True}).exposures == (
        "public IP on launch (subnet)",
    )
    assert facts_of("aws:lb/loadBalancer:LoadBalancer", {"internal": True}).exposures == ()
    assert facts_of("aws:lb/loadBalancer:LoadBalancer", {}).exposures == ("internet-facing load balancer",)
    assert facts_of("aws:ec2/eip:Eip", {"domain": "vpc"}).exposures == ("elastic IP",)


def test_provider_account() -> None:
    export = Export()
    role = export.provider(
        "juki",
        {"assumeRoles": '[{"roleArn":"arn:aws:iam::111122223333:role/kiban"}]', "region": "ap-northeast-1"},
        package="aws",
    )
    allowed = export.provider("zei", {"allowedAccountIds": '["444455556666"]'}, package="aws")
    view = StackView(export.resources)
    assert view.facts(role.rsplit("::", 1)[0]).provider_scope == "account 111122223333"
    assert view.facts(allowed.rsplit("::", 1)[0]).provider_scope == "account 444455556666"
