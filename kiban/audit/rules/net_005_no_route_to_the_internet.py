"""KB-NET-005: no route from the high and middle areas to the internet."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.model import StackView
from kiban.audit.routing import INTERNET_ROUTE, problems
from kiban.audit.rules.base import Outcome, StackRule


class NoRouteToTheInternet(StackRule):
    """No way out of the high and middle areas to the internet.

    Applies to routes (a route, or a route table's inline routes) and to
    internet, egress-only internet and NAT gateways; a route belongs to the area
    of its route table's network (VPC), a gateway to the area of the network it
    is attached to.
    Fails for a route in a ``high`` or ``middle`` area whose next hop is an
    internet, egress-only internet or NAT gateway (the area reaches the
    internet); for a default route (0.0.0.0/0, ::/0) in those areas through
    anything else (peering, transit gateway, interface); and for an internet,
    egress-only or NAT gateway attached to those areas' network that no route
    uses yet. Passes when none of these holds: the internet area may route to
    the internet.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-NET-005",
            title="No route from the high and middle areas to the internet",
            severity=Severity.CRITICAL,
            category="network",
            reads=("routes", "links"),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        failing: dict[str, list[str]] = {}
        for problem in problems(view):
            if problem.kind == INTERNET_ROUTE:
                failing.setdefault(problem.urn, []).append(problem.message)
        for resource in self.candidates(view):
            yield from self.verdicts(resource.urn, failing.get(resource.urn, []))


RULE = NoRouteToTheInternet()
