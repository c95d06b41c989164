"""KB-DIFF-IMDS: KB-IMDS-001 fails where it did not: IMDSv2 no longer or not required."""

from __future__ import annotations

from kiban.audit.diff_checks.base import Comparison, NewlyFailing
from kiban.audit.findings import Finding, Severity
from kiban.audit.rules.base import Outcome
from kiban.audit.rules.imds_001_imdsv2 import RULE as IMDSV2_REQUIRED
from kiban.audit.values import resource_name


class ImdsV2Off(NewlyFailing):
    """An instance or launch template that required IMDSv2 session tokens does not any more, or a new one does
    not: high, as KB-IMDS-001 fails it.

    KB-IMDS-001 newly failing, judged on the resources that changed: "no longer
    requires" when OLD had the metadata service (so it required tokens), "added
    without" when the resource is new or did not say before. Both at the rule's
    severity (issue 21).
    """

    def __init__(self) -> None:
        super().__init__(id="KB-DIFF-IMDS", title="IMDSv2 off", severity=Severity.HIGH, rule=IMDSV2_REQUIRED)

    def phrase(self, failure: Outcome, comparison: Comparison) -> Finding:
        urn = failure.urn or ""
        had = urn in comparison.old and comparison.old.facts(urn).metadata is not None
        how = "no longer requires IMDSv2 tokens" if had else "added without IMDSv2 required"
        return self.finding(comparison, self.rule.severity, f"{resource_name(urn)}: {failure.subject} {how}", urn)


CHECK = ImdsV2Off()
