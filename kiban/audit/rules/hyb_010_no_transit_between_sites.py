"""KB-HYB-010: a site is never a transit between two other sites: what arrives over a link reaches no other link."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from kiban.audit.findings import Severity
from kiban.audit.hybrid import (
    DX_ASSOCIATION,
    TGW_ASSOCIATION,
    TGW_PROPAGATION,
    TGW_ROUTE,
    VPN_CONNECTION,
    HybridCity,
    LinkInfo,
    hybrid_of,
    of_type,
    route_table_of,
    setting,
)
from kiban.audit.model import StackView
from kiban.audit.resource import Resource
from kiban.audit.rules.base import Outcome, StackRule


def _links_by_attachment(view: StackView, city: HybridCity) -> dict[str, LinkInfo]:
    """Attachment id and resource URN -> its link, for each VPN connection and Direct Connect association."""
    found: dict[str, LinkInfo] = {}
    for resource in of_type(view, VPN_CONNECTION, DX_ASSOCIATION):
        link = city.link_of(resource)
        if link is None:
            continue
        attachment = setting(resource, "transitGatewayAttachmentId")
        for key in (resource.urn, attachment if isinstance(attachment, str) else None):
            if key:
                found[key] = link
    return found


def _link_of(view: StackView, city: HybridCity, known: Mapping[str, LinkInfo], resource: Resource) -> LinkInfo | None:
    """The link whose attachment an association, propagation or route names; None for any other attachment."""
    value = resource.inputs.get("transitGatewayAttachmentId")
    target = view.ref(resource, "transitGatewayAttachmentId", value)
    if target is not None:
        return known.get(target)  # resolved: a link's attachment, or a VPC's
    if isinstance(value, str) and value in known:
        return known[value]
    # Not resolvable (an id written by hand): a resource kiban names after its link is that link's.
    return city.link_of(resource)


def _peer(city: HybridCity, link: LinkInfo) -> str | None:
    others = [site for site in link.between if site != city.site]
    return others[0] if len(others) == 1 else None


class NoTransitBetweenSites(StackRule):
    """No Transit Gateway route table carries traffic from one link's peer to another site.

    Applies to a site stack of a spec with sites (its ``inventory`` names its ``site``) and to each
    Transit Gateway route table (AWS) that a link's attachment is associated with: the table that
    routes what arrives over that link. A link's attachment is a VPN connection's or a Direct
    Connect association's, named after the link or tagged ``kiban:link`` (its peer: the link's
    other site). Fails for each route (not a blackhole) in such a table toward the attachment of a
    link to another peer, and for each propagation there of such an attachment's routes: traffic
    from one site could cross this one to a third (the Government Cloud's My Number area joined to
    two data centres would carry traffic between them, stopped only by VPN selectors). Passes when
    every route and propagation in the table leads to the same peer or to this site's own
    attachments (its VPCs). KB-HYB-003 keeps areas apart; this rule keeps sites apart within one area.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-HYB-010",
            title="No transit between other sites",
            severity=Severity.CRITICAL,
            category="hybrid",
            reads=(),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        city = hybrid_of(view)
        if city is None:
            return
        known = _links_by_attachment(view, city)
        entering: dict[str, dict[str, LinkInfo]] = {}  # table URN -> links whose traffic it routes
        leaving: dict[str, list[tuple[Resource, LinkInfo]]] = {}  # table URN -> routes and propagations to links
        for resource in of_type(view, TGW_ASSOCIATION, TGW_PROPAGATION, TGW_ROUTE):
            table = route_table_of(view, resource)
            if table is None or (resource.type == TGW_ROUTE and setting(resource, "blackhole") is True):
                continue
            link = _link_of(view, city, known, resource)
            if link is None:
                continue
            if resource.type == TGW_ASSOCIATION:
                entering.setdefault(table.urn, {})[link.id] = link
            else:
                leaving.setdefault(table.urn, []).append((resource, link))
        for table_urn, links in entering.items():
            failures = []
            for arriving in links.values():
                source = _peer(city, arriving)
                for resource, onward in leaving.get(table_urn, []):
                    target = _peer(city, onward)
                    if source is None or target is None or target == source:
                        continue
                    if resource.type == TGW_ROUTE:
                        destination = setting(resource, "destinationCidrBlock") or "a block"
                        how = f"route {resource.name} sends {destination} over link {onward.id}"
                    else:
                        how = f"propagation {resource.name} brings in link {onward.id}'s routes"
                    failures.append(
                        f"traffic from site {source} (link {arriving.id}) is routed by this table, where {how} to "
                        f"site {target}: site {city.site} would be a transit between {source} and {target}; "
                        "give each link a route table of its own that reaches only this site's blocks"
                    )
            yield from self.verdicts(table_urn, failures)


RULE = NoTransitBetweenSites()
