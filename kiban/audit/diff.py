"""``kiban diff``: what a change between two states means for security.

Changes are listed by area, tenant and resource (``audit.changes``); findings
say what they mean, one ``KB-DIFF-*`` kind per check in ``audit.diff_checks``
(see DIFF_RULES for each kind and its severity).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiban.audit.changes import Action, ChangeKind, ResourceChange, resource_changes
from kiban.audit.diff_checks import Comparison, all_checks
from kiban.audit.diff_checks.diff_020_rules import fold_restated
from kiban.audit.findings import Finding, RuleInfo, Severity, sort_key, worst
from kiban.audit.model import StackView
from kiban.audit.replace import classify
from kiban.audit.state import StackState, rebase, root_urn, urn_prefix

# Every kind of diff finding, in the order of the checks (the SARIF rule table's order).
DIFF_RULES: dict[str, RuleInfo] = {check.id: check.info for check in all_checks()}


@dataclass
class DiffReport:
    old: StackState
    new: StackState
    changes: list[ResourceChange]
    findings: list[Finding]
    providers_ignored: int = 0
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counted = {kind.value: 0 for kind in ChangeKind}
        counted["replaced"] = 0
        for change in self.changes:
            counted[change.kind.value] += 1
            if change.action == Action.REPLACE:
                counted["replaced"] += 1
        return counted

    def exit_code(self, fail_on: Severity | None) -> int:
        """0 no change, 1 changes, 3 a finding at or above ``fail_on`` (None: never 3)."""
        top = worst(self.findings)
        if fail_on is not None and top is not None and top >= fail_on:
            return 3
        return 1 if self.changes or self.findings else 0


def compare(old: StackState, new: StackState) -> Comparison:
    """What the checks read: both states' views, OLD in NEW's namespace when they are two stacks, the changes."""
    old_prefix, new_prefix = urn_prefix(old), urn_prefix(new)
    if old_prefix is not None and new_prefix is not None and old_prefix != new_prefix:
        # Two stacks (staging and production, or two renders): the same resource differs only in the
        # URN's stack and project, so the old side is read in the new side's namespace.
        old = rebase(old, old_prefix, new_prefix, root_urn(new))
    old_view, new_view = StackView.from_state(old), StackView.from_state(new)
    changes, providers = resource_changes(old_view, new_view)
    return Comparison(old, new, old_view, new_view, classify(old_view, new_view, changes), providers)


def diff_states(old: StackState, new: StackState) -> DiffReport:
    comparison = compare(old, new)
    notes = []
    old_prefix, new_prefix = urn_prefix(old), urn_prefix(new)
    if old_prefix is not None and new_prefix is not None and old_prefix != new_prefix:
        notes.append(
            f"OLD and NEW are different stacks: resources matched by type and name ({old_prefix} → {new_prefix})"
        )
    findings = fold_restated([finding for check in all_checks() for finding in check.find(comparison)])
    notes += [
        f"{label} state: {len(state.pending_deletes)} replaced resource(s) waiting to be deleted, not compared"
        for label, state in (("OLD", comparison.old_state), ("NEW", comparison.new_state))
        if state.pending_deletes
    ]
    if not comparison.new.topology.areas:
        notes.append("NEW state has no area map (no kiban inventory or SecurityArea): paths are not resolved to areas")
    findings.sort(key=sort_key)
    return DiffReport(
        comparison.old_state, comparison.new_state, comparison.changes, findings, comparison.providers_ignored, notes
    )
