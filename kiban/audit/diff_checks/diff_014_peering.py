"""KB-DIFF-PEERING: KB-NET-006 fails where it did not: a peering joins areas without declared flows."""

from __future__ import annotations

from kiban.audit.diff_checks.base import Comparison, NewlyFailing
from kiban.audit.findings import Finding, Severity
from kiban.audit.rules.base import Outcome
from kiban.audit.rules.net_006_peering_only_for_declared_flows import RULE as PEERING_ONLY_FOR_DECLARED_FLOWS


class PeeringWithoutFlows(NewlyFailing):
    """A route over a VPC peering now joins the high area and the internet area (三層分離 broken), or two areas
    between which the flow plan declares no flow. Critical, as KB-NET-006 (the same judgement) fails it; reported
    when the new state has it and the old one did not.

    KB-NET-006 newly failing, with the rule's message (``audit.routing``). At the
    rule's severity: a diff graded lower would pass ``--fail-on critical`` where
    ``kiban audit`` of the new state fails (issue 21).
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-DIFF-PEERING",
            title="Peering joins areas without declared flows",
            severity=Severity.CRITICAL,
            rule=PEERING_ONLY_FOR_DECLARED_FLOWS,
        )

    def phrase(self, failure: Outcome, comparison: Comparison) -> Finding:
        return self.finding(comparison, self.rule.severity, failure.message, failure.urn)


CHECK = PeeringWithoutFlows()
