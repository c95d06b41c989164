"""KB-DIFF-REDUNDANCY: a replica group lost replicas, anti-affinity or distinct zones."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.changes import ChangeKind
from kiban.audit.diff_checks.base import Comparison, DiffCheck
from kiban.audit.findings import Finding, Severity
from kiban.audit.groups import GroupShape, replica_groups
from kiban.audit.rules.ha_001_anti_affinity import RULE as REPLICAS_ANTI_AFFINE
from kiban.audit.rules.ha_002_failure_domains import RULE as DISTINCT_FAILURE_DOMAINS


class RedundancyReduced(DiffCheck):
    """A replica group lost replicas (high when one is left, medium otherwise), lost its anti-affinity
    (high), or now shares availability zones it did not share (high when all share one, else medium).

    Not KB-HA-001 or KB-HA-002 newly failing: those judge a state against the
    ideal (hard anti-affinity, as many zones as the stack has), this check a loss
    against the old state. A group that never had anti-affinity does not report
    here, a group going from hard to soft anti-affinity does, and losing replicas
    breaks no rule at all. Only groups in both states count; a whole group removed
    is a removed resource.
    """

    restates = (REPLICAS_ANTI_AFFINE, DISTINCT_FAILURE_DOMAINS)

    def __init__(self) -> None:
        super().__init__(id="KB-DIFF-REDUNDANCY", title="Redundancy reduced", severity=Severity.HIGH)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        if not self._relevant(comparison):
            return
        before, after = replica_groups(comparison.old), replica_groups(comparison.new)
        for group in sorted(set(before) & set(after)):
            now = after[group]
            for severity, problem in self._losses(before[group], now):
                message = f"{group}: {problem}"
                yield self.finding(comparison, severity, message, now.members[0], now.members[1:])

    @staticmethod
    def _relevant(comparison: Comparison) -> bool:
        """Whether a change touches a replica or a placement group (else no group can have changed)."""
        for change in comparison.changes:
            view = comparison.old if change.kind == ChangeKind.REMOVED else comparison.new
            if comparison.may(view, change.urn, "member") or comparison.may(view, change.urn, "spread"):
                return True
        return False

    @staticmethod
    def _losses(was: GroupShape, now: GroupShape) -> list[tuple[Severity, str]]:
        replicas_before, replicas_after = len(was.members), len(now.members)
        losses: list[tuple[Severity, str]] = []
        if replicas_after < replicas_before:
            severity = Severity.HIGH if replicas_after == 1 else Severity.MEDIUM
            losses.append((severity, f"replicas {replicas_before} → {replicas_after}"))
        if was.spread > now.spread and replicas_after > 1:
            losses.append((Severity.HIGH, f"anti-affinity lost ({was.spread_label} → {now.spread_label})"))
        if now.distinct_zones < was.distinct_zones and now.distinct_zones < replicas_after:
            severity = Severity.HIGH if now.distinct_zones <= 1 else Severity.MEDIUM
            zones = ", ".join(sorted({zone or "(none)" for zone in now.zones}))
            losses.append(
                (severity, f"zones no longer distinct: {replicas_after} replicas in {now.distinct_zones} ({zones})")
            )
        return losses


CHECK = RedundancyReduced()
