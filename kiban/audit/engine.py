"""``kiban audit``: run every rule on one stack, apply the waivers, and decide the exit status."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from kiban.audit.findings import Finding, RuleInfo, Severity, sort_key
from kiban.audit.model import StackView
from kiban.audit.rules import Rule, all_rules
from kiban.audit.state import StackState
from kiban.audit.waivers import WAIVER_RULES, Waiver, apply_waivers


@dataclass(frozen=True)
class RuleTally:
    rule: RuleInfo
    passed: int
    failed: int  # failures before waivers
    waived: int


@dataclass
class AuditReport:
    state: StackState
    findings: list[Finding]  # failures (waived ones marked), expired and unused waivers
    tallies: list[RuleTally]
    notes: list[str] = field(default_factory=list)

    @property
    def rules(self) -> list[RuleInfo]:
        return [tally.rule for tally in self.tallies] + list(WAIVER_RULES.values())

    def failing(self, fail_on: Severity | None) -> list[Finding]:
        if fail_on is None:
            return []
        return [finding for finding in self.findings if not finding.waived and finding.severity >= fail_on]

    def exit_code(self, fail_on: Severity | None) -> int:
        """0 clean, 3 a failure (not waived) at or above ``fail_on``."""
        return 3 if self.failing(fail_on) else 0


def run_audit(
    state: StackState,
    waivers: Sequence[Waiver] = (),
    today: datetime.date | None = None,
    rules: Sequence[Rule] | None = None,
) -> AuditReport:
    view = StackView.from_state(state)
    tallies = []
    failures: list[Finding] = []
    chosen = list(rules) if rules is not None else list(all_rules())
    for rule in chosen:
        passed = 0
        found = []
        for outcome in rule.evaluate(view):
            if outcome.passed:
                passed += 1
                continue
            location = view.location(outcome.urn) if outcome.urn is not None else None
            area, tenant = (location.area, location.tenant) if location else (None, None)
            found.append(Finding(rule.id, rule.severity, outcome.message, outcome.urn, area, tenant))
        failures += found
        tallies.append(RuleTally(rule.info, passed, len(found), 0))
    findings = apply_waivers(failures, waivers, today or datetime.date.today())
    waived: dict[str, int] = {}
    for finding in findings:
        if finding.waived:
            waived[finding.rule] = waived.get(finding.rule, 0) + 1
    tallies = [RuleTally(t.rule, t.passed, t.failed, waived.get(t.rule.id, 0)) for t in tallies]
    notes = []
    if not view.topology.areas:
        notes.append(
            "no area map (no kiban inventory or SecurityArea): area rules (KB-NET-001/002, KB-EXP-001) did not apply"
        )
    notes += [
        f"pending operation ({operation.kind}) on {operation.urn}: the cloud may differ" for operation in state.pending
    ]
    return AuditReport(state, sorted(findings, key=sort_key), tallies, notes)
