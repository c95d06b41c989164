"""Run one diff check on a hand-written before/after pair and list its findings as (severity, message)."""

from __future__ import annotations

from kiban.audit.diff import compare
from kiban.audit.diff_checks import DiffCheck
from kiban.audit.findings import Finding
from kiban.audit.state import state_from_document
from tests.kiban.audit.builders import Export


def findings_of(check: DiffCheck, old: Export, new: Export) -> list[Finding]:
    comparison = compare(state_from_document(old.document(), "OLD"), state_from_document(new.document(), "NEW"))
    found = list(check.find(comparison))
    assert {finding.rule for finding in found} <= {check.id}
    return found


def found(check: DiffCheck, old: Export, new: Export) -> list[tuple[str, str]]:
    return [(finding.severity.label, finding.message) for finding in findings_of(check, old, new)]
