"""The plans as JSON documents: the stack output ``inventory`` and the network plan.

The inventory is the contract between deploying and verifying: its shape is the same for every
target; testinfra and the lab read it and never look at provider resources. The network plan
(``kiban plan-network --format json``, the stack outputs ``segments`` and ``rules``) lists the same
segments and rules with their planning facts (slots, tiers and roles). Both are views of one
builder, ``network_json``, which turns each segment, subnet, host group and rule into JSON once;
each view keeps its own keys, since both shapes are contracts. Values are plain JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kiban_platform.network.flows import FlowPlan, HostGroup, Rule
from kiban_platform.network.hosts import PlannedHost
from kiban_platform.network.plan import NetworkPlan, Segment, Subnet
from kiban_platform.spec.model import Area, MiddlewareRole, PlatformSpec

INVENTORY_VERSION = 1


def host_json(host: PlannedHost, bastion: str | None = None) -> dict[str, Any]:
    """``bastion``: the address operators jump through to reach this host (None for a bastion itself)."""
    vm = host.vm
    return {
        "name": vm.name,
        "role": vm.role,
        "business": vm.business,
        "tier": vm.tier.value if vm.tier is not None else None,
        "area": vm.area,
        "group": vm.group,
        "address": str(host.address),
        "subnet": str(host.subnet.cidr),
        "failure_domain": host.chassis.id,
        "blade": host.blade,
        "ports": [str(port) for port in vm.ports],
        "bastion": bastion,
    }


def bastions_by_area(hosts: Sequence[PlannedHost]) -> dict[str, list[str]]:
    """Each area's bastion addresses, replica order."""
    found: dict[str, list[str]] = {}
    for host in hosts:
        if host.vm.middleware_role == MiddlewareRole.BASTION:
            found.setdefault(host.vm.area, []).append(str(host.address))
    return found


def jump_host(host: PlannedHost, bastions: dict[str, list[str]]) -> str | None:
    """The bastion a host is reached through: its area's first; a bastion itself is reached directly."""
    if host.vm.middleware_role == MiddlewareRole.BASTION:
        return None
    candidates = bastions.get(host.vm.area)
    return candidates[0] if candidates else None


def management_json(spec: PlatformSpec, hosts: Sequence[PlannedHost]) -> dict[str, Any] | None:
    """How operators reach hosts: the account, the SSH port, their terminal networks, the bastions."""
    management = spec.management
    if management is None:
        return None
    return {
        "user": management.user,
        "ssh_port": management.ssh_port,
        "operations_networks": [
            {"id": network.id, "area": network.area, "cidr": str(network.cidr), "purpose": network.purpose}
            for network in management.operations_networks
        ],
        "bastions": bastions_by_area(hosts),
    }


# -- segments and rules: built once, read by both documents ----------------------------------------


def subnet_json(subnet: Subnet) -> dict[str, Any]:
    return {
        "name": subnet.name,
        "cidr": str(subnet.cidr),
        "gateway": str(subnet.gateway),
        "service_address": str(subnet.service_address),
        "tier": subnet.tier.value if subnet.tier else None,
        "role": subnet.role.value if subnet.role else None,
    }


def segment_json(segment: Segment) -> dict[str, Any]:
    return {
        "area": segment.area,
        "segment": segment.name,
        "business": segment.business,
        "slot": segment.slot,
        "vlan": segment.vlan,
        "cidr": str(segment.cidr),
        "subnets": [subnet_json(subnet) for subnet in segment.subnets],
    }


def group_json(group: HostGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "kind": group.kind.value,
        "area": group.area,
        "cidr": str(group.cidr),
        "business": group.business,
        "tier": group.tier.value if group.tier else None,
        "role": group.role.value if group.role else None,
    }


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "from": group_json(rule.source),
        "to": group_json(rule.destination),
        "port": str(rule.port),
        "protocol": rule.port.protocol.value,
        "ports": [rule.port.first, rule.port.last],
        "kind": rule.kind.value,
        "flow": rule.flow,
        "crosses_areas": rule.crosses_areas,
    }


def network_json(network: NetworkPlan, flows: FlowPlan) -> dict[str, list[dict[str, Any]]]:
    """Every segment (plan order) and rule (flow plan order) with every fact either document publishes."""
    return {
        "segments": [segment_json(segment) for segment in network.segments],
        "rules": [rule_json(rule) for rule in flows.rules],
    }


# -- the two views: the keys (in order) each contract publishes -----------------------------------

PLAN_SEGMENT_KEYS = ("area", "segment", "business", "slot", "vlan", "cidr", "subnets")
PLAN_SUBNET_KEYS = ("name", "cidr", "gateway", "tier", "role")
PLAN_RULE_KEYS = ("from", "to", "protocol", "ports", "kind", "flow", "crosses_areas")
INVENTORY_SUBNET_KEYS = ("name", "cidr", "gateway", "service_address")
INVENTORY_RULE_KEYS = ("port", "kind", "flow", "crosses_areas")
# An inventory's rule names each end by its group id, with only where it is.
INVENTORY_ENDPOINT_KEYS = {"group": "id", "kind": "kind", "area": "area", "cidr": "cidr"}


def _keep(document: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    return {key: document[key] for key in keys}


def network_plan_json(network: NetworkPlan, flows: FlowPlan) -> dict[str, Any]:
    """The network plan: ``kiban plan-network --format json`` and the stack outputs ``segments`` and ``rules``."""
    built = network_json(network, flows)
    segments = [
        _keep(segment, PLAN_SEGMENT_KEYS)
        | {"subnets": [_keep(subnet, PLAN_SUBNET_KEYS) for subnet in segment["subnets"]]}
        for segment in built["segments"]
    ]
    return {"segments": segments, "rules": [_keep(rule, PLAN_RULE_KEYS) for rule in built["rules"]]}


def _inventory_area(area: Area, segments: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": area.id,
        "name": area.name,
        "level": area.level.value,
        "cidr": str(area.supernet),
        "vlans": [segment["vlan"] for segment in segments],
        "segments": [
            {
                "name": segment["segment"],
                "business": segment["business"],
                "vlan": segment["vlan"],
                "cidr": segment["cidr"],
                "subnets": [_keep(subnet, INVENTORY_SUBNET_KEYS) for subnet in segment["subnets"]],
            }
            for segment in segments
        ],
    }


def _inventory_rule(rule: dict[str, Any]) -> dict[str, Any]:
    ends = {end: {key: rule[end][source] for key, source in INVENTORY_ENDPOINT_KEYS.items()} for end in ("from", "to")}
    return ends | _keep(rule, INVENTORY_RULE_KEYS)


def build_inventory(
    spec: PlatformSpec, network: NetworkPlan, flows: FlowPlan, hosts: Sequence[PlannedHost], target: str
) -> dict[str, Any]:
    """Hosts in ``expand_vms`` order, areas in spec order, flows in the flow plan's order."""
    bastions = bastions_by_area(hosts)
    built = network_json(network, flows)
    return {
        "version": INVENTORY_VERSION,
        "target": target,
        "municipality": spec.municipality.code,
        "hosts": [host_json(host, jump_host(host, bastions)) for host in hosts],
        "areas": [
            _inventory_area(area, [segment for segment in built["segments"] if segment["area"] == area.id])
            for area in spec.areas
        ],
        "flows": [_inventory_rule(rule) for rule in built["rules"]],
        "management": management_json(spec, hosts),
    }
