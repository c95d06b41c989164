"""From the hybrid sample's renders: each cross-site flow is allowed at both ends, and nothing else crosses.

Read from the provider resources of the three site stacks (security groups on OpenStack and AWS),
not from kiban's plans: what a site lets leave for, or in from, another site's addresses is exactly
the declared cross-site flows, each on its ports, each only in its direction.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest

from kiban.passphrase import PassphraseCrypter, configured_passphrase
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


def _named(state: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {r["urn"].rsplit("::", 1)[1]: r["inputs"] for r in state["deployment"]["resources"] if r["type"] == type_}


def _opened(state: dict[str, Any], value: Any) -> Any:
    """A render's value with every sealed secret in it opened (the sample's passphrase, the state's own salt)."""
    if isinstance(value, dict) and "ciphertext" in value:
        salt = state["deployment"]["secrets_providers"]["state"]["salt"]
        crypter = PassphraseCrypter.from_state(configured_passphrase(), salt)
        return _opened(state, json.loads(crypter.decrypt(value["ciphertext"])))
    if isinstance(value, dict):
        return {key: _opened(state, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_opened(state, item) for item in value]
    return value


def _crossing_cidrs(site: str, state: dict[str, Any], blocks: dict[str, list[Network]]) -> set[tuple[str, Network]]:
    """(far site, far cidr) of every rule of this site that reaches another site."""
    found = set()
    for _, _, cidr, *_ in _rules(site, state):
        network = ipaddress.IPv4Network(cidr)
        other = _site_of(network, blocks)
        if other is not None and other != site:
            found.add((other, network))
    return found


def test_each_link_carries_exactly_its_areas_and_both_ends_meet(hybrid_states: dict[str, dict[str, Any]]) -> None:
    inventory = _inventory(hybrid_states["dc1"])
    blocks = _blocks(inventory)
    sites = {site["id"]: site for site in inventory["sites"]}
    exported: dict[str, Any] = {}
    selector_of_tunnel: dict[str, str] = {}  # a tunnel's inside block -> the peer block its connection selects
    for link in inventory["links"]:
        for site_id in link["between"]:
            if sites[site_id]["target"] != "aws":
                continue
            state = hybrid_states[site_id]
            peer = next(end for end in link["between"] if end != site_id)
            vpns = {
                name: vpn
                for name, vpn in _named(state, "aws:ec2/vpnConnection:VpnConnection").items()
                if name == f"{link['id']}-vpn" or name.startswith(f"{link['id']}-vpn-")
            }
            here = [block for area, block in sites[site_id]["areas"].items() if area in link["areas"]]
            there = [block for area, block in sites[peer]["areas"].items() if area in link["areas"]]
            # The tunnels' selectors: the link's area block here; at the peer within its area block (at an
            # OpenStack peer the one platform subnet each connection reaches there), never wider.
            selected = []
            for vpn in vpns.values():
                assert [vpn["remoteIpv4NetworkCidr"]] == here
                selected.append(ipaddress.IPv4Network(vpn["localIpv4NetworkCidr"]))
                assert selected[-1].subnet_of(ipaddress.IPv4Network(there[0]))
                for number in (1, 2):
                    selector_of_tunnel[vpn[f"tunnel{number}InsideCidr"]] = vpn["localIpv4NetworkCidr"]
            for far_site, cidr in _crossing_cidrs(site_id, state, blocks):
                if far_site == peer:
                    assert any(cidr.subnet_of(block) for block in selected), f"{link['id']}: {cidr} outside the tunnels"
            associations = _named(state, "aws:directconnect/gatewayAssociation:GatewayAssociation")
            if link["transport"] == "direct_connect":
                prefixes = associations[f"{link['id']}-dxgw-association"]["allowedPrefixes"]
                # With IPsec the line advertises the tunnels' outside block only, never an area.
                assert not any(
                    ipaddress.IPv4Network(prefix).overlaps(ipaddress.IPv4Network(block))
                    for prefix in prefixes
                    for block in here
                )
            (root,) = [r for r in state["deployment"]["resources"] if r["type"] == "pulumi:pulumi:Stack"]
            exported[link["id"]] = _opened(state, root["outputs"]["links"])[link["id"]]
    # The OpenStack end dials (or answers) exactly the AWS tunnels, with their keys, for the same blocks.
    dc1 = hybrid_states["dc1"]
    groups = _named(dc1, "openstack:vpnaas/endpointGroup:EndpointGroup")
    connections = _named(dc1, "openstack:vpnaas/siteConnection:SiteConnection")
    by_id = {r.get("id"): r["inputs"] for r in dc1["deployment"]["resources"] if r.get("id")}
    for link_id, aws_end in exported.items():
        link = next(link for link in inventory["links"] if link["id"] == link_id)
        peer = next(end for end in link["between"] if end != "dc1")
        peer_blocks = [block for area, block in sites[peer]["areas"].items() if area in link["areas"]]
        assert groups[f"{link_id}-peer"]["endpoints"] == peer_blocks
        for index, tunnel in enumerate(aws_end["tunnels"], start=1):
            connection = connections[f"{link_id}-tunnel-{index}"]
            assert _opened(dc1, connection["peerAddress"]) == tunnel["outside_address"]
            assert _opened(dc1, connection["psk"]) == tunnel["preshared_key"]
            # Its local endpoint group is the one subnet the AWS connection holding the tunnel selects.
            (subnet,) = by_id[connection["localEpGroupId"]]["endpoints"]
            assert by_id[subnet]["cidr"] == selector_of_tunnel[tunnel["inside_cidr"]]
            answers_only = link["initiated_by"] not in (None, "dc1")
            assert connection["initiator"] == ("response-only" if answers_only else "bi-directional")


def test_each_aws_host_group_routes_only_its_cross_site_ends_to_the_transit_gateway(
    hybrid_states: dict[str, dict[str, Any]],
) -> None:
    inventory = _inventory(hybrid_states["dc1"])
    blocks = _blocks(inventory)
    state = hybrid_states["gc"]
    routes = _named(state, "aws:ec2/route:Route")
    to_gateway = {
        ipaddress.IPv4Network(route["destinationCidrBlock"])
        for route in routes.values()
        if route.get("transitGatewayId")
    }
    assert to_gateway == {cidr for _, cidr in _crossing_cidrs("gc", state, blocks)}
