"""KB-HYB-002: no way from a high area to the internet or a public cloud, at any site."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.facts import INTERNET_LINKS, parse_network
from kiban.audit.findings import Severity
from kiban.audit.hybrid import (
    PUBLIC_CLOUD,
    TGW_ROUTE,
    attachment_of,
    attachments,
    hybrid_of,
    overlaps_any,
    route_table_of,
    table_area,
)
from kiban.audit.model import HIGH, StackView
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
    name ``<site>-tgw-<area>``).
    Fails for each public exposure or internet gateway in a high area, and for
    each route of a high area's table whose destination overlaps the addresses
    of a ``public_cloud`` site (the far ends of the stack's planned flows at
    such a site) or whose attachment belongs to a link to a public-cloud site.
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


RULE = NoInternetPathFromHigh()
