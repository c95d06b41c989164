"""KB-DIFF-REPLICAS: every replica of a tier is replaced by one change, so the tier is down while they are re-made."""

from __future__ import annotations

from kiban.audit.changes import Action, ChangeKind, ResourceChange
from kiban.audit.findings import Finding, RuleInfo, Severity
from kiban.audit.groups import replica_groups
from kiban.audit.model import StackView

ID = "KB-DIFF-REPLICAS"
RULE = RuleInfo(
    ID,
    "Every replica of a tier replaced at once",
    Severity.HIGH,
    "Every member of a replica group of two or more (the instances of one host group: OpenStack metadata "
    "kiban-group, AWS tag kiban:group) is replaced, or removed while the group lives on, in one change: the "
    "providers create and delete them in one run, so the tier's redundancy does not carry it through the change.",
)


def find(old: StackView, new: StackView, changes: list[ResourceChange]) -> list[Finding]:
    replaced = {change.urn: change for change in changes if change.action == Action.REPLACE}
    removed = {change.urn for change in changes if change.kind == ChangeKind.REMOVED}
    if not replaced:
        return []
    before, after = replica_groups(old), replica_groups(new)
    findings = []
    for group in sorted(set(before) & set(after)):
        members = before[group].members
        if len(members) < 2 or any(urn not in replaced and urn not in removed for urn in members):
            continue
        if not any(urn in replaced for urn in members):
            continue  # all removed: the redundancy finding reports the lost replicas
        keys = sorted({key for urn in members if urn in replaced for key in replaced[urn].replace_keys})
        now = after[group].members
        primary = next((urn for urn in members if urn in replaced), now[0])
        location = new.location(primary)
        message = f"all {len(members)} replicas of {group} are replaced at once ({', '.join(keys)})"
        related = tuple(urn for urn in members if urn != primary)
        findings.append(Finding(ID, Severity.HIGH, message, primary, location.area, location.tenant, related))
    return findings
