"""KB-DIFF-ROUTE: KB-NET-005 fails where it did not: a way out of the high or middle area to the internet."""

from __future__ import annotations

from kiban.audit.diff_checks.base import Comparison, NewlyFailing
from kiban.audit.findings import Finding, Severity
from kiban.audit.rules.base import Outcome
from kiban.audit.rules.net_005_no_route_to_the_internet import RULE as NO_ROUTE_TO_THE_INTERNET


class RouteToTheInternet(NewlyFailing):
    """A route in the high or middle area now leads to an internet, egress-only internet or NAT gateway (the area
    reaches the internet), a default route (0.0.0.0/0, ::/0) leaves such an area through anything else, or such a
    gateway is attached to such an area's network. Critical, as KB-NET-005 (the same judgement) fails it; reported
    when the new state has it and the old one did not.

    KB-NET-005 newly failing, with the rule's message (``audit.routing``). At the
    rule's severity: a diff graded lower would pass ``--fail-on critical`` where
    ``kiban audit`` of the new state fails (issue 21).
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-DIFF-ROUTE",
            title="Route to the internet from the high or middle area",
            severity=Severity.CRITICAL,
            rule=NO_ROUTE_TO_THE_INTERNET,
        )

    def phrase(self, failure: Outcome, comparison: Comparison) -> Finding:
        return self.finding(comparison, self.rule.severity, failure.message, failure.urn)


CHECK = RouteToTheInternet()
