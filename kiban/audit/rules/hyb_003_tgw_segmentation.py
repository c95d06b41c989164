"""KB-HYB-003: the Transit Gateway keeps the areas apart: no default tables, one table per area."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.hybrid import (
    TGW_ASSOCIATION,
    TGW_PROPAGATION,
    TRANSIT_GATEWAY,
    attachment_of,
    attachments,
    hybrid_of,
    route_table_of,
    setting,
    table_area,
    unknown,
)
from kiban.audit.model import StackView
from kiban.audit.rules.base import Outcome, StackRule

DISABLE = "disable"


class TransitGatewaySegmentation(StackRule):
    """A Transit Gateway joins no two areas by itself: default tables off, each attachment in its own area's table.

    Applies to a site stack of a spec with sites (its ``inventory`` names its
    ``site``) and to its Transit Gateways, route table associations and
    propagations (AWS). An attachment's area is its VPC's area (VPC
    attachments) or the link's areas at this site (VPN connections and Direct
    Connect associations named after a link, or a resource named after one); a
    route table's area is its SecurityArea, its tag ``kiban:area``, or its
    name ``<site>-tgw-<area>``.
    Fails for a Transit Gateway whose ``defaultRouteTableAssociation`` or
    ``defaultRouteTablePropagation`` is not ``disable`` (absent counts as the
    provider's default, ``enable``: every attachment would share one table);
    for an association that puts an attachment in another area's table; and for
    a propagation that carries an attachment's routes into another area's table.
    Passes when none of these holds; an association or propagation whose attachment or table
    cannot be placed in an area is not judged.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-HYB-003",
            title="Transit Gateway segmentation",
            severity=Severity.CRITICAL,
            category="hybrid",
            reads=(),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        city = hybrid_of(view)
        if city is None:
            return
        known = attachments(view, city)
        for resource in view.resources.values():
            if resource.type == TRANSIT_GATEWAY:
                failures = []
                for key in ("defaultRouteTableAssociation", "defaultRouteTablePropagation"):
                    if unknown(resource, key):
                        continue
                    value = setting(resource, key)
                    if value != DISABLE:
                        failures.append(f"{key} is {value or 'not set (enable)'}: every attachment shares one table")
                yield from self.verdicts(resource.urn, failures)
            elif resource.type in (TGW_ASSOCIATION, TGW_PROPAGATION):
                table = route_table_of(view, resource)
                area = table_area(view, city, table) if table is not None else None
                attachment = attachment_of(view, city, known, resource)
                if area is None or attachment is None or not attachment.areas:
                    continue
                if area in attachment.areas:
                    yield self.pass_(resource.urn)
                    continue
                serves = ", ".join(sorted(attachment.areas))
                if resource.type == TGW_ASSOCIATION:
                    message = f"{attachment.label} (area {serves}) is associated with the route table of area {area}"
                else:
                    message = f"{attachment.label} (area {serves}) propagates its routes into area {area}'s table"
                yield self.fail(resource.urn, message)


RULE = TransitGatewaySegmentation()
