"""The stack output ``inventory``: the contract between deploying and verifying.

Its shape is the same for every target; testinfra and the lab read it and never
look at provider resources. Values are plain JSON (strings, numbers, lists).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kiban_platform.network.flows import FlowPlan, HostGroup, Rule
from kiban_platform.network.hosts import PlannedHost
from kiban_platform.network.plan import NetworkPlan
from kiban_platform.spec.model import MiddlewareRole, PlatformSpec

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


def _endpoint_json(group: HostGroup) -> dict[str, Any]:
    return {"group": group.id, "kind": group.kind.value, "area": group.area, "cidr": str(group.cidr)}


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "from": _endpoint_json(rule.source),
        "to": _endpoint_json(rule.destination),
        "port": str(rule.port),
        "kind": rule.kind.value,
        "flow": rule.flow,
        "crosses_areas": rule.crosses_areas,
    }


def areas_json(spec: PlatformSpec, network: NetworkPlan) -> list[dict[str, Any]]:
    areas = []
    for area in spec.areas:
        segments = network.in_area(area.id)
        areas.append(
            {
                "id": area.id,
                "name": area.name,
                "level": area.level.value,
                "cidr": str(area.supernet),
                "vlans": [segment.vlan for segment in segments],
                "segments": [
                    {
                        "name": segment.name,
                        "business": segment.business,
                        "vlan": segment.vlan,
                        "cidr": str(segment.cidr),
                        "subnets": [
                            {
                                "name": subnet.name,
                                "cidr": str(subnet.cidr),
                                "gateway": str(subnet.gateway),
                                "service_address": str(subnet.service_address),
                            }
                            for subnet in segment.subnets
                        ],
                    }
                    for segment in segments
                ],
            }
        )
    return areas


def build_inventory(
    spec: PlatformSpec, network: NetworkPlan, flows: FlowPlan, hosts: Sequence[PlannedHost], target: str
) -> dict[str, Any]:
    """Hosts in ``expand_vms`` order, areas in spec order, flows in the flow plan's order."""
    bastions = bastions_by_area(hosts)
    return {
        "version": INVENTORY_VERSION,
        "target": target,
        "municipality": spec.municipality.code,
        "hosts": [host_json(host, jump_host(host, bastions)) for host in hosts],
        "areas": areas_json(spec, network),
        "flows": [rule_json(rule) for rule in flows.rules],
        "management": management_json(spec, hosts),
    }


def _group_json(group: HostGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "kind": group.kind.value,
        "area": group.area,
        "cidr": str(group.cidr),
        "business": group.business,
        "tier": group.tier.value if group.tier else None,
        "role": group.role.value if group.role else None,
    }


def _rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "from": _group_json(rule.source),
        "to": _group_json(rule.destination),
        "protocol": rule.port.protocol.value,
        "ports": [rule.port.first, rule.port.last],
        "kind": rule.kind.value,
        "flow": rule.flow,
        "crosses_areas": rule.crosses_areas,
    }


def network_plan_json(network: NetworkPlan, flows: FlowPlan) -> dict[str, Any]:
    return {
        "segments": [
            {
                "area": segment.area,
                "segment": segment.name,
                "business": segment.business,
                "slot": segment.slot,
                "vlan": segment.vlan,
                "cidr": str(segment.cidr),
                "subnets": [
                    {
                        "name": subnet.name,
                        "cidr": str(subnet.cidr),
                        "gateway": str(subnet.gateway),
                        "tier": subnet.tier.value if subnet.tier else None,
                        "role": subnet.role.value if subnet.role else None,
                    }
                    for subnet in segment.subnets
                ],
            }
            for segment in network.segments
        ],
        "rules": [_rule_json(rule) for rule in flows.rules],
    }
