"""Routes out of an area: to the internet through a gateway, by a default route, or over a peering into another area.

Firewall rules say what may pass; routes say where packets can go at all. In
the three-layer separation (三層の対策) the high (マイナンバー利用事務系) and
middle (LGWAN接続系) areas have no way to the internet, and two areas are joined
only where the spec declares flows between them. Shared by the audit rules
KB-NET-005/006 and the diff findings KB-DIFF-ROUTE/PEERING, so both say the same
thing about the same route.

A route's area is the area of its route table's network (VPC): the
``SecurityArea`` above the VPC, else the one area its address range lies in.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiban.audit.facts import INTERNET_LINKS, Route
from kiban.audit.model import HIGH, OUTSIDE, PROTECTED_LEVELS, StackView
from kiban.audit.values import resource_name

INTERNET_ROUTE, PEERING = "internet", "peering"
INTERNET_LEVEL = "internet"
_MEMO = "routing.problems"


@dataclass(frozen=True)
class RouteProblem:
    kind: str  # INTERNET_ROUTE or PEERING
    urn: str  # the route (or route table, gateway, attachment) it is about
    message: str


def network_area(view: StackView, network: str | None) -> str | None:
    """The area of a network (VPC) given by URN: its SecurityArea, else the one area holding its address range."""
    if network is None or network not in view:
        return None
    area = view.area_of(network)
    if area is not None:
        return area
    found = {area for subnet in view.facts(network).subnets for area in view.topology.areas_of(subnet)}
    found.discard(OUTSIDE)
    return found.pop() if len(found) == 1 else None


def _declared_between(view: StackView, first: str, second: str) -> bool:
    return any(
        rule.crosses_areas and {rule.source_area, rule.destination_area} == {first, second}
        for rule in view.topology.planned
    )


def _name(urn: str | None) -> str:
    return resource_name(urn) if urn else "?"


def problems(view: StackView) -> list[RouteProblem]:
    """Every route or gateway that leads out of its area where the model allows none (computed once per view)."""
    cached = view.memo.get(_MEMO)
    if isinstance(cached, list):
        return cached
    found: list[RouteProblem] = []
    links = {resource.urn: view.facts(resource.urn).links for resource in view.having("links")}
    topology = view.topology
    used_gateways: set[str] = set()
    for resource in view.having("routes"):
        for route in view.facts(resource.urn).routes:
            table = route.table or resource.urn
            network = view.facts(table).network_of if table in view else None
            area = network_area(view, network)
            if route.target is not None:
                used_gateways.add(route.target)
            found += _judge(view, resource.urn, route, area)
    for urn, joined in links.items():
        for link in joined:
            if link.kind not in INTERNET_LINKS:
                continue
            area = network_area(view, link.networks[0])
            level = topology.level(area)
            gateway = link.gateway or urn
            if level in PROTECTED_LEVELS and gateway not in used_gateways:
                message = f"{link.kind} {_name(gateway)} attached to the network of the {level} area {area}"
                found.append(RouteProblem(INTERNET_ROUTE, urn, message))
    view.memo[_MEMO] = found
    return found


def _judge(view: StackView, urn: str, route: Route, area: str | None) -> list[RouteProblem]:
    topology = view.topology
    level = topology.level(area)
    destination = str(route.destination) if route.destination is not None else "a prefix list"
    default = route.destination is not None and route.destination.prefixlen == 0
    hop = f"{route.via} {_name(route.target)}"
    if route.via in INTERNET_LINKS and level in PROTECTED_LEVELS:
        message = f"route {destination} via {hop}: the {level} area {area} reaches the internet"
        return [RouteProblem(INTERNET_ROUTE, urn, message)]
    found: list[RouteProblem] = []
    if default and level in PROTECTED_LEVELS and route.via != "local":
        message = f"default route {destination} via {hop} out of the {level} area {area}"
        found.append(RouteProblem(INTERNET_ROUTE, urn, message))
    if route.via == "VPC peering" and route.target is not None and route.target in view:
        ends = [network_area(view, network) for link in view.facts(route.target).links for network in link.networks]
        others = {end for end in ends if end is not None and end != area}
        for other in sorted(others):
            if area is None:
                continue
            levels = {level, topology.level(other)}
            joined = f"route {destination} over VPC peering {_name(route.target)} joins areas {area} and {other}"
            if HIGH in levels and INTERNET_LEVEL in levels:
                message = f"{joined}: the high area and the internet area (三層分離 broken)"
                found.append(RouteProblem(PEERING, urn, message))
            elif not _declared_between(view, area, other):
                message = f"{joined}, between which the spec declares no flow"
                found.append(RouteProblem(PEERING, urn, message))
    return found
