"""The terminal report, printed through rich as a person sees it (no colour in a pipe)."""

from __future__ import annotations

import io

from rich.console import Console

from kiban.audit.report.text import audit_text, diff_text
from tests.kiban.audit.report.samples import PASSWORD, audit_report, diff_report


def printed(renderable: object) -> str:
    stream = io.StringIO()
    Console(file=stream, width=200, no_color=True, highlight=False).print(renderable)
    return stream.getvalue()


def test_diff_text() -> None:
    text = printed(diff_text(diff_report()))
    assert "kiban diff old.json → new.json" in text
    assert "0 added · 0 removed · 4 updated (3 replaced)" in text
    assert "3 findings · 2 critical · 1 high" in text
    assert "│ critical │ KB-DIFF-ANYWHERE" in text
    assert "adminPass: [secret] added" in text and PASSWORD not in text
    assert "office\n└── lean\n    ├── ~ Instance lean-app-1  update in place\n" in text
    assert "├── ± Instance lean-app-2  replace (availabilityZone)\n" in text
    assert "± VolumeAttach lean-app-2-data  replace (instanceId → lean-app-2 replaced)" in text


def test_audit_text() -> None:
    text = printed(audit_text(audit_report()))
    assert "4 findings · 3 critical · 1 low · 1 waived" in text
    assert "high (waived)" in text and "waived: chassis c2 is being replaced | until June" in text
    (row,) = [line for line in text.splitlines() if line.startswith("│ KB-HA-002 ")]
    assert [cell.strip() for cell in row.strip("│").split("│")] == [
        "KB-HA-002",
        "Distinct failure domains per replicated tier",
        "high",
        "10",
        "1",
        "1",
    ]
