"""KB-HYB-002: no way from a high area to the internet or a public cloud, at any site."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.facts import INTERNET_LINKS, parse_network
from kiban.audit.findings import Severity
from kiban.audit.hybrid import (
    ENDPOINT_GROUP,
    PUBLIC_CLOUD,
    SITE_CONNECTION,
    TGW_ROUTE,
    VPN_CONNECTION,
    attachment_of,
    attachments,
    hybrid_of,
    of_type,
    overlaps_any,
    route_table_of,
    setting,
    table_area,
    unknown,
)
from kiban.audit.model import HIGH, OUTSIDE, StackView
from kiban.audit.resource import Resource
from kiban.audit.routing import network_area
from kiban.audit.rules.base import Outcome, StackRule


class NoInternetPathFromHigh(StackRule):
    """No internet path out of a ``high`` area at any site of a hybrid city.

    Applies to a site stack of a spec with sites (its ``inventory`` names its
    ``site``); single-site stacks are judged by KB-NET-005 and KB-EXP-001.
    Judges, in the stack's ``high`` areas: every resource that can expose
    something (floating, elastic and public IPs, external gateways); internet,
    egress-only internet and NAT gateways attached to a high area's network
    (VPC); and every Transit Gateway route (``ec2transitgateway.Route``) of a
    high area's route table (the table's SecurityArea, tag ``kiban:area``, or
    name ``<site>-tgw-<area>``); and every VPN (AWS ``VpnConnection``,
    OpenStack ``SiteConnection``) of a link to a ``public_cloud`` site.
    Fails for each public exposure or internet gateway in a high area; for
    each route of a high area's table whose destination overlaps the addresses
    of a ``public_cloud`` site (the far ends of the stack's planned flows at
    such a site) or whose attachment belongs to a link to a public-cloud site;
    and for a VPN to a public cloud whose local side (AWS
    ``localIpv4NetworkCidr``, OpenStack local endpoint group's cidrs or
    subnets) reaches into a high area, or is not given.
    Passes when none of these holds: one verdict per judged resource.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-HYB-002",
            title="No internet path from a high area at any site",
            severity=Severity.CRITICAL,
            category="hybrid",
            reads=("exposures", "links"),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        city = hybrid_of(view)
        if city is None:
            return
        topology = view.topology
        for resource in self.candidates(view):
            facts = view.facts(resource.urn)
            failures: list[str] = []
            area = view.area_of(resource.urn)
            if topology.level(area) == HIGH:
                failures += [f"{exposure} in the high area {area}" for exposure in facts.exposures]
            for joins in facts.links:
                if joins.kind not in INTERNET_LINKS or not joins.networks:
                    continue
                joined = network_area(view, joins.networks[0])
                if topology.level(joined) == HIGH:
                    failures.append(f"{joins.kind} attached to the network of the high area {joined}")
            if failures or topology.level(area) == HIGH or facts.links:
                yield from self.verdicts(resource.urn, failures)
        public = city.public_cloud_networks()
        public_links = {
            link.id for link in city.links.values() if any(city.kind(site) == PUBLIC_CLOUD for site in link.between)
        }
        known = attachments(view, city)
        for route in view.resources.values():
            if route.type != TGW_ROUTE:
                continue
            table = route_table_of(view, route)
            area = table_area(view, city, table) if table is not None else None
            if topology.level(area) != HIGH:
                continue
            failures = []
            destination = parse_network(route.inputs.get("destinationCidrBlock"))
            if destination is not None and overlaps_any(destination, public):
                failures.append(f"route {destination} in the high area {area}'s table leads to a public-cloud site")
            attachment = attachment_of(view, city, known, route)
            through = view.resources.get(attachment.urn) if attachment and attachment.urn else None
            over = city.link_of(through) if through is not None else city.link_of(route)
            if over is not None and over.id in public_links:
                failures.append(f"route in the high area {area}'s table goes over link {over.id} to a public cloud")
            yield from self.verdicts(route.urn, failures)
        for connection in of_type(view, VPN_CONNECTION, SITE_CONNECTION):
            link = city.link_of(connection)
            if link is None or link.id not in public_links:
                continue
            local = local_side(view, connection)
            if local is None:
                message = f"VPN of link {link.id} to a public cloud names no local networks: every area may use it"
                yield self.fail(connection.urn, message)
                continue
            high = sorted(area for area in local if topology.level(area) == HIGH)
            failures = [f"VPN of link {link.id} to a public cloud reaches the high area {area}" for area in high]
            yield from self.verdicts(connection.urn, failures)


def local_side(view: StackView, connection: Resource) -> set[str] | None:
    """The areas the local side of a VPN reaches; None when it names none (or is not known yet: then empty)."""
    if connection.type == VPN_CONNECTION:
        if unknown(connection, "localIpv4NetworkCidr"):
            return set()
        network = parse_network(setting(connection, "localIpv4NetworkCidr"))
        return set(view.topology.areas_of(network)) if network is not None else None
    if unknown(connection, "localEpGroupId"):
        return set()
    target = view.ref(connection, "localEpGroupId", setting(connection, "localEpGroupId"))
    group = view.resources.get(target) if target is not None else None
    if group is None or group.type != ENDPOINT_GROUP:
        return None
    endpoints = setting(group, "endpoints")
    found: set[str] = set()
    for endpoint in endpoints if isinstance(endpoints, list) else []:
        if setting(group, "type") == "cidr":
            network = parse_network(endpoint)
            found |= view.topology.areas_of(network) if network is not None else {OUTSIDE}
        else:
            subnet = view.ref(group, "endpoints", endpoint)
            area = view.area_of(subnet) if subnet is not None and subnet in view else None
            found |= {area} if area is not None else set()
    return found


RULE = NoInternetPathFromHigh()
