"""KB-DIFF-EXPOSURE: a public address or internet exposure appears."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.changes import ChangeKind
from kiban.audit.diff_checks.base import Comparison, DiffCheck
from kiban.audit.findings import Finding, Severity
from kiban.audit.model import PROTECTED_LEVELS
from kiban.audit.rules.exp_001_no_public_exposure import RULE as NO_PUBLIC_EXPOSURE


class ExposureAdded(DiffCheck):
    """A floating or public IP, an external network or gateway, or an internet-facing load balancer appears.
    Critical in the high and middle areas, high elsewhere.

    Not KB-EXP-001 ("no public exposure in high and middle areas") newly
    failing: the rule leaves the internet area free to expose services, while a
    new public address there is still a change a reviewer must see (high). Judged
    on the resources that changed: each exposure NEW has and OLD had not.
    """

    restates = (NO_PUBLIC_EXPOSURE,)

    def __init__(self) -> None:
        super().__init__(id="KB-DIFF-EXPOSURE", title="Public address or exposure added", severity=Severity.CRITICAL)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        old, new = comparison.old, comparison.new
        for change in comparison.changes:
            if change.kind == ChangeKind.REMOVED:
                continue
            before = old.facts(change.urn).exposures if change.kind == ChangeKind.UPDATED else ()
            added = [exposure for exposure in new.facts(change.urn).exposures if exposure not in before]
            if not added:
                continue
            level = new.topology.level(new.area_of(change.urn))
            severity = Severity.CRITICAL if level in PROTECTED_LEVELS else Severity.HIGH
            for exposure in added:
                yield self.finding(comparison, severity, f"{change.name}: {exposure} added", change.urn)


CHECK = ExposureAdded()
