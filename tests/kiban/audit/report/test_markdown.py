"""Markdown for a merge-request comment."""

from __future__ import annotations

from kiban.audit.report.markdown import audit_markdown, diff_markdown
from tests.kiban.audit.report.samples import PASSWORD, audit_report, diff_report


def test_diff_markdown() -> None:
    text = diff_markdown(diff_report())
    lines = text.splitlines()
    assert lines[0] == "## kiban diff: `old.json` → `new.json`"
    assert (
        lines[2]
        == "**3 findings** (2 critical, 1 high) · 0 added, 0 removed, 4 updated (3 replaced; 3 provider resources and "
        "all outputs ignored)"
    )
    assert lines[4:6] == ["| Severity | Rule | Where | Finding |", "|---|---|---|---|"]
    assert lines[6].startswith("| 🔴 critical | KB-DIFF-ANYWHERE | secure | integration-hub-secure")
    assert "<details><summary>office / lean (3)</summary>" in lines
    assert "- `~` **Instance** `lean-app-1` — update in place" in lines
    assert "- `±` **Instance** `lean-app-2` — **replace (availabilityZone)**" in lines
    assert "- `±` **VolumeAttach** `lean-app-2-data` — **replace (instanceId → lean-app-2 replaced)**" in lines
    assert "  - `adminPass`: [secret] added" in lines
    assert '  - `availabilityZone`: `"c2"` → `"c1"`' in lines
    assert PASSWORD not in text


def test_audit_markdown_escapes_table_cells() -> None:
    text = audit_markdown(audit_report())
    assert "waived: chassis c2 is being replaced \\| until June |" in text
    assert "| KB-HA-002 | Distinct failure domains per replicated tier | high | 10 | 1 | 1 |" in text
