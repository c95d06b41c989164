"""From the hybrid sample's renders: each cross-site flow is allowed at both ends, and nothing else crosses.

Read from the provider resources of the three site stacks (security groups on OpenStack and AWS),
not from kiban's plans: what a site lets leave for, or in from, another site's addresses is exactly
the declared cross-site flows, each on its ports, each only in its direction.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from tests.rendering import HostRule, aws_host_rules, openstack_host_rules

# Three site renders (a minute or more): CI's `pytest -m slow`.
pytestmark = pytest.mark.slow

Network = ipaddress.IPv4Network


def _inventory(state: dict[str, Any]) -> dict[str, Any]:
    (root,) = [r for r in state["deployment"]["resources"] if r["type"] == "pulumi:pulumi:Stack"]
    inventory: dict[str, Any] = root["outputs"]["inventory"]
    return inventory


def _rules(site: str, state: dict[str, Any]) -> set[HostRule]:
    target = {entry["id"]: entry["target"] for entry in _inventory(state)["sites"]}[site]
    return openstack_host_rules(state) if target == "openstack" else aws_host_rules(state)


def _blocks(inventory: dict[str, Any]) -> dict[str, list[Network]]:
    return {
        site["id"]: [ipaddress.IPv4Network(block) for block in site["areas"].values()] for site in inventory["sites"]
    }


def _site_of(address: Network, blocks: dict[str, list[Network]]) -> str | None:
    return next((site for site, nets in blocks.items() if any(address.subnet_of(net) for net in nets)), None)


def _ports(port: str) -> tuple[str, int, int]:
    numbers, protocol = port.split("/")
    first, _, last = numbers.partition("-")
    return protocol, int(first), int(last or first)


def test_each_cross_site_flow_is_allowed_at_both_ends(hybrid_states: dict[str, dict[str, Any]]) -> None:
    inventory = _inventory(hybrid_states["dc1"])
    blocks = _blocks(inventory)
    rules = {site: _rules(site, state) for site, state in hybrid_states.items()}
    assert inventory["cross_site_flows"], "the sample has cross-site flows"
    for flow in inventory["cross_site_flows"]:
        source, destination = flow["from"]["site"], flow["to"]["site"]
        for port in flow["ports"]:
            protocol, first, last = _ports(port)
            # The destination admits it from the source site's addresses; only the destination's site does.
            admitted = [
                rule
                for rule in rules[destination]
                if rule[1] == "in"
                and _site_of(ipaddress.IPv4Network(rule[2]), blocks) == source
                and rule[3:] == (protocol, first, last)
            ]
            assert admitted, f"{flow['flow']}: {destination} admits nothing from {source} on {port}"
            if hybrid_states[source] is not None and source != "portal":
                # The source lets it out toward the destination site's addresses (the portal's own
                # service group is checked with the link resources).
                sent = [
                    rule
                    for rule in rules[source]
                    if rule[1] == "out"
                    and _site_of(ipaddress.IPv4Network(rule[2]), blocks) == destination
                    and rule[3:] == (protocol, first, last)
                ]
                assert sent, f"{flow['flow']}: {source} lets nothing out toward {destination} on {port}"


def test_nothing_else_crosses_between_sites(hybrid_states: dict[str, dict[str, Any]]) -> None:
    inventory = _inventory(hybrid_states["dc1"])
    blocks = _blocks(inventory)
    declared = {
        (flow["from"]["site"], flow["to"]["site"], _ports(port))
        for flow in inventory["cross_site_flows"]
        for port in flow["ports"]
    }
    for site, state in hybrid_states.items():
        for group, direction, cidr, protocol, first, last in _rules(site, state):
            other = _site_of(ipaddress.IPv4Network(cidr), blocks)
            if other is None or other == site:
                continue
            pair = (other, site) if direction == "in" else (site, other)
            assert (*pair, (protocol, first, last)) in declared, (
                f"{site}: {group} {direction} {cidr} {protocol} {first}-{last} crosses to {other} undeclared"
            )
