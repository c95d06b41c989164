"""KB-DIFF-FILTERING: KB-NET-004 fails where it did not: packet filtering turned off."""

from __future__ import annotations

from kiban.audit.diff_checks.base import Comparison, NewlyFailing
from kiban.audit.findings import Finding, Severity
from kiban.audit.model import PROTECTED_LEVELS
from kiban.audit.rules.base import Outcome
from kiban.audit.rules.net_004_filtering_on import RULE as FILTERING_ON
from kiban.audit.values import resource_name


class FilteringOff(NewlyFailing):
    """Port security or security groups are switched off on a network or port, so no rule applies there.
    Critical in the high and middle areas, high elsewhere.

    KB-NET-004 newly failing, judged on the resources that changed: each way
    filtering is off in NEW that was not in OLD.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-DIFF-FILTERING", title="Packet filtering turned off", severity=Severity.CRITICAL, rule=FILTERING_ON
        )

    def phrase(self, failure: Outcome, comparison: Comparison) -> Finding:
        urn = failure.urn or ""
        level = comparison.new.topology.level(comparison.new.area_of(urn))
        severity = Severity.CRITICAL if level in PROTECTED_LEVELS else Severity.HIGH
        return self.finding(comparison, severity, f"{resource_name(urn)}: {failure.message}", urn)


CHECK = FilteringOff()
