"""KB-NET-006: networks of two areas are peered only where the spec declares flows between them."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.model import StackView
from kiban.audit.routing import PEERING, problems
from kiban.audit.rules.base import Outcome, StackRule


class PeeringOnlyForDeclaredFlows(StackRule):
    """A route over a network peering joins two areas only where the spec declares flows between them.

    Applies to routes whose next hop is a VPC peering connection; the route
    belongs to the area of its route table's network, the peering joins it to
    the area of the other network.
    Fails when the two areas are the high area (マイナンバー利用事務系) and the
    internet area (the three-layer separation broken, whatever the flows), or
    when the stack's flow plan has no cross-area rule between the two areas.
    Passes when the route stays inside one area or its peering joins two areas
    the flow plan connects.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-NET-006",
            title="Peering only between areas with declared flows",
            severity=Severity.CRITICAL,
            category="network",
            reads=("routes",),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        failing: dict[str, list[str]] = {}
        for problem in problems(view):
            if problem.kind == PEERING:
                failing.setdefault(problem.urn, []).append(problem.message)
        for resource in self.candidates(view):
            routes = view.facts(resource.urn).routes
            if any(route.via == "VPC peering" for route in routes):
                yield from self.verdicts(resource.urn, failing.get(resource.urn, []))


RULE = PeeringOnlyForDeclaredFlows()
