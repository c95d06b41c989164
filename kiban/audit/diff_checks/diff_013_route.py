"""KB-DIFF-ROUTE: KB-NET-005 fails where it did not: a way out of the high or middle area to the internet."""

from __future__ import annotations

from kiban.audit.diff_checks.base import Comparison, NewlyFailing
from kiban.audit.findings import Finding, Severity
from kiban.audit.routing import problems
from kiban.audit.rules.base import Outcome
from kiban.audit.rules.net_005_no_route_to_the_internet import RULE as NO_ROUTE_TO_THE_INTERNET


class RouteToTheInternet(NewlyFailing):
    """A route in the high or middle area now leads to an internet, egress-only internet or NAT gateway
    (critical: the area reaches the internet), a default route (0.0.0.0/0, ::/0) leaves such an area through
    anything else (high), or such a gateway is attached to such an area's network (high). Reported when the new
    state has it and the old one did not (the same judgement as KB-NET-005).

    KB-NET-005 newly failing. The severity is the one ``audit.routing`` gives the
    problem (the audit reports every one at the rule's severity).
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-DIFF-ROUTE",
            title="Route to the internet from the high or middle area",
            severity=Severity.CRITICAL,
            rule=NO_ROUTE_TO_THE_INTERNET,
        )

    def phrase(self, failure: Outcome, comparison: Comparison) -> Finding:
        return self.finding(comparison, route_severity(failure, comparison), failure.message, failure.urn)


def route_severity(failure: Outcome, comparison: Comparison) -> Severity:
    """The severity ``audit.routing`` gives the problem a route rule failed on (shared with KB-DIFF-PEERING)."""
    for problem in problems(comparison.new):
        if (problem.urn, problem.message) == (failure.urn, failure.message):
            return problem.severity
    raise LookupError(f"{failure.rule} failed on {failure.urn} for a problem audit.routing does not know")


CHECK = RouteToTheInternet()
