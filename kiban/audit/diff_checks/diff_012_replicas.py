"""KB-DIFF-REPLICAS: every replica of a tier is replaced by one change, so the tier is down while they are re-made."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.changes import Action, ChangeKind
from kiban.audit.diff_checks.base import Comparison, DiffCheck
from kiban.audit.findings import Finding, Severity
from kiban.audit.groups import replica_groups


class EveryReplicaReplaced(DiffCheck):
    """Every member of a replica group of two or more (the instances of one host group: OpenStack metadata
    kiban-group, AWS tag kiban:group) is replaced, or removed while the group lives on, in one change: the
    providers create and delete them in one run, so the tier's redundancy does not carry it through the change.

    A property of the change (what the providers will do), not of either state,
    so no audit rule can say it. A group whose members are all removed and none
    replaced is KB-DIFF-REDUNDANCY's (replicas lost).
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-DIFF-REPLICAS", title="Every replica of a tier replaced at once", severity=Severity.HIGH
        )

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        replaced = {change.urn: change for change in comparison.changes if change.action == Action.REPLACE}
        if not replaced:
            return
        removed = {change.urn for change in comparison.changes if change.kind == ChangeKind.REMOVED}
        before, after = replica_groups(comparison.old), replica_groups(comparison.new)
        for group in sorted(set(before) & set(after)):
            members = before[group].members
            if len(members) < 2 or any(urn not in replaced and urn not in removed for urn in members):
                continue
            if not any(urn in replaced for urn in members):
                continue
            keys = sorted({key for urn in members if urn in replaced for key in replaced[urn].replace_keys})
            primary = next((urn for urn in members if urn in replaced), after[group].members[0])
            message = f"all {len(members)} replicas of {group} are replaced at once ({', '.join(keys)})"
            related = tuple(urn for urn in members if urn != primary)
            yield self.finding(comparison, Severity.HIGH, message, primary, related)


CHECK = EveryReplicaReplaced()
