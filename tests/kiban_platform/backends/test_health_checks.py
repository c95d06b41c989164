"""Every load-balancer member accepts its pool's health checks, derived from the rendered sample.

The checks come from addresses the load balancer takes in the members' own subnet (Octavia's or
OVN's port there; an NLB's node addresses in its subnets), so for each member this follows the
render from the monitor to the member and asks each layer that filters: the security group (and on
AWS the network ACL) in the state, and the host firewall the day-two playbook installs.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from kiban_platform.templates.config import ConfigHost, host_files
from tests.rendering import resources

Network = ipaddress.IPv4Network


def _by_id(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in state["deployment"]["resources"] if r.get("id")}


def _inventory(state: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = resources(state, "pulumi:pulumi:Stack")[0]["outputs"]["inventory"]
    return document


def _host_firewall_admits(document: dict[str, Any], address: str, sources: list[Network], port: int) -> bool:
    entry = next(h for h in document["hosts"] if h["address"] == address)
    host = ConfigHost(entry["name"], entry["role"], entry["area"], entry["group"], address, tuple(entry["ports"]))
    ruleset = next(f.content for f in host_files(document, host) if f.key == "nftables")
    admitted = []
    for line in ruleset.splitlines():
        words = line.split()
        if words[:2] == ["ip", "saddr"] and words[3] == "tcp" and words[5] == str(port):
            admitted.append(Network(words[2]))
    return all(any(source.subnet_of(cidr) for cidr in admitted) for source in sources)


def _covers(rule_ports: tuple[int, int], port: int) -> bool:
    return rule_ports[0] <= port <= rule_ports[1]


def test_every_octavia_member_accepts_its_pools_monitor(sample_openstack_state: dict[str, Any]) -> None:
    state = sample_openstack_state
    by_id = _by_id(state)
    document = _inventory(state)
    ports = {
        fixed["ipAddress"]: port
        for port in resources(state, "openstack:networking/port:Port")
        for fixed in port["inputs"]["fixedIps"]
    }
    rules = resources(state, "openstack:networking/secGroupRule:SecGroupRule")
    monitors = {m["inputs"]["poolId"]: m for m in resources(state, "openstack:loadbalancer/monitor:Monitor")}
    members = resources(state, "openstack:loadbalancer/member:Member")
    assert len(members) > 50
    for member in members:
        inputs = member["inputs"]
        monitor = monitors[inputs["poolId"]]
        protocol = {"TCP": "tcp", "UDP-CONNECT": "udp"}[monitor["inputs"]["type"]]
        pool = by_id[inputs["poolId"]]
        balancer = by_id[by_id[pool["inputs"]["listenerId"]]["inputs"]["loadbalancerId"]]
        source = Network(by_id[balancer["inputs"]["vipSubnetId"]]["inputs"]["cidr"])
        port = inputs["protocolPort"]
        groups = set(ports[inputs["address"]]["inputs"]["securityGroupIds"])
        admitted = [
            Network(rule["inputs"]["remoteIpPrefix"])
            for rule in rules
            if rule["inputs"]["securityGroupId"] in groups
            and rule["inputs"]["direction"] == "ingress"
            and rule["inputs"]["protocol"] == protocol
            and _covers((rule["inputs"]["portRangeMin"], rule["inputs"]["portRangeMax"]), port)
        ]
        assert any(source.subnet_of(cidr) for cidr in admitted), (member["urn"], source, port)
        if protocol == "tcp":
            assert _host_firewall_admits(document, inputs["address"], [source], port), member["urn"]


@pytest.mark.slow  # the only default-suite reader of the AWS sample's render (minutes)
def test_every_nlb_target_accepts_its_target_groups_health_check(sample_aws_state: dict[str, Any]) -> None:
    state = sample_aws_state
    by_id = _by_id(state)
    document = _inventory(state)
    ingress = resources(state, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    acl_rules = resources(state, "aws:ec2/networkAclRule:NetworkAclRule")
    acls = resources(state, "aws:ec2/networkAcl:NetworkAcl")
    balancers = {
        listener["inputs"]["defaultActions"][0]["targetGroupArn"]: by_id[listener["inputs"]["loadBalancerArn"]]
        for listener in resources(state, "aws:lb/listener:Listener")
    }
    attachments = resources(state, "aws:lb/targetGroupAttachment:TargetGroupAttachment")
    assert len(attachments) > 50
    for attachment in attachments:
        target_group = by_id[attachment["inputs"]["targetGroupArn"]]
        port = int(target_group["inputs"]["healthCheck"]["port"])
        balancer = balancers[target_group["id"]]
        sources = [Network(by_id[m["subnetId"]]["inputs"]["cidrBlock"]) for m in balancer["inputs"]["subnetMappings"]]
        instance = by_id[attachment["inputs"]["targetId"]]
        groups = set(instance["inputs"]["vpcSecurityGroupIds"])
        by_group = [
            rule["inputs"]
            for rule in ingress
            if rule["inputs"]["securityGroupId"] in groups
            and rule["inputs"]["ipProtocol"] == "tcp"
            and _covers((rule["inputs"]["fromPort"], rule["inputs"]["toPort"]), port)
        ]
        lb_groups = set(balancer["inputs"]["securityGroups"])
        assert any(rule.get("referencedSecurityGroupId") in lb_groups for rule in by_group) or all(
            any(rule.get("cidrIpv4") and source.subnet_of(Network(rule["cidrIpv4"])) for rule in by_group)
            for source in sources
        ), attachment["urn"]
        # The member's subnet's network ACL lets the checks in and their replies out.
        acl = next(a for a in acls if instance["inputs"]["subnetId"] in a["inputs"]["subnetIds"])
        entries = [r["inputs"] for r in acl_rules if r["inputs"]["networkAclId"] == acl["id"]]
        for source in sources:
            assert any(
                not e["egress"]
                and e["protocol"] == "6"
                and _covers((e["fromPort"], e["toPort"]), port)
                and source.subnet_of(Network(e["cidrBlock"]))
                for e in entries
            ), (attachment["urn"], source)
            assert any(
                e["egress"]
                and e["protocol"] == "6"
                and _covers((e["fromPort"], e["toPort"]), 1024)
                and source.subnet_of(Network(e["cidrBlock"]))
                for e in entries
            ), (attachment["urn"], source)
        assert _host_firewall_admits(document, instance["inputs"]["privateIp"], sources, port), attachment["urn"]
