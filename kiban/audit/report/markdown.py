"""Markdown for a merge-request comment: the findings as a table, the changes folded by area and tenant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kiban.audit.changes import Action, ChangeKind
from kiban.audit.diff import DiffReport
from kiban.audit.engine import AuditReport
from kiban.audit.findings import Finding
from kiban.audit.report.actions import action_text
from kiban.audit.report.structure import grouped, severity_counts
from kiban.audit.values import SECRET_TEXT, display

MARKS = {"critical": "🔴 critical", "high": "🟠 high", "medium": "🟡 medium", "low": "⚪ low"}
SIGNS = {ChangeKind.ADDED: "+", ChangeKind.REMOVED: "-", ChangeKind.UPDATED: "~"}


def _cell(text: Any) -> str:
    """Text safe inside a table cell: pipes escaped, no line breaks."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


def _counts_line(findings: Sequence[Finding]) -> str:
    counts = severity_counts(findings)
    total = sum(counts.values())
    detail = ", ".join(f"{count} {label}" for label, count in counts.items() if count)
    return f"**{total} finding{'s' if total != 1 else ''}**" + (f" ({detail})" if detail else "")


def findings_table(findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return ["No findings."]
    lines = ["| Severity | Rule | Where | Finding |", "|---|---|---|---|"]
    for finding in findings:
        where = " / ".join(part for part in (finding.area, finding.tenant) if part) or "-"
        message = finding.message + (f" — waived: {finding.waiver}" if finding.waiver else "")
        severity = MARKS[finding.severity.label] + (" (waived)" if finding.waived else "")
        lines.append(f"| {severity} | {finding.rule} | {_cell(where)} | {_cell(message)} |")
    return lines


def diff_markdown(report: DiffReport) -> str:
    counts = report.counts()
    lines = [
        f"## kiban diff: {_code(report.old.source)} → {_code(report.new.source)}",
        "",
        f"{_counts_line(report.findings)} · {counts['added']} added, {counts['removed']} removed, "
        f"{counts['updated']} updated ({counts['replaced']} replaced; "
        f"{report.providers_ignored} provider resources and all outputs ignored)",
        "",
        *findings_table(report.findings),
    ]
    if report.changes:
        lines += ["", "### Changes"]
    for area, owners in grouped(report.changes):
        for owner, changes in owners:
            lines += ["", f"<details><summary>{area} / {owner} ({len(changes)})</summary>", ""]
            for change in changes:
                kind = change.type.rsplit(":", 1)[-1]
                sign = "±" if change.action == Action.REPLACE else SIGNS[change.kind]
                action = action_text(change)
                shown = f" — {action}" if action else ""
                if change.action == Action.REPLACE:
                    shown = f" — **{_cell(action)}**"
                lines.append(f"- `{sign}` **{kind}** {_code(change.name)}{shown}")
                for prop in change.properties:
                    if prop.secret:
                        lines.append(f"  - {_code(prop.path)}: {SECRET_TEXT} {prop.kind}")
                    elif prop.kind == "added":
                        lines.append(f"  - {_code(prop.path)}: added {_code(display(prop.after))}")
                    elif prop.kind == "removed":
                        lines.append(f"  - {_code(prop.path)}: removed (was {_code(display(prop.before))})")
                    else:
                        lines.append(
                            f"  - {_code(prop.path)}: {_code(display(prop.before))} → {_code(display(prop.after))}"
                        )
            lines += ["", "</details>"]
    if report.notes:
        lines += ["", *[f"> {note}" for note in report.notes]]
    return "\n".join(lines) + "\n"


def audit_markdown(report: AuditReport) -> str:
    lines = [
        f"## kiban audit: {_code(report.state.source)}",
        "",
        f"{_counts_line(report.findings)} · {sum(1 for f in report.findings if f.waived)} waived",
        "",
        *findings_table(report.findings),
        "",
        "### Rules",
        "",
        "| Rule | Title | Severity | Passed | Failed | Waived |",
        "|---|---|---|---|---|---|",
    ]
    for tally in report.tallies:
        info = tally.rule
        counts = f"{tally.passed} | {tally.failed} | {tally.waived}"
        lines.append(f"| {info.id} | {_cell(info.title)} | {info.severity.label} | {counts} |")
    if report.notes:
        lines += ["", *[f"> {note}" for note in report.notes]]
    return "\n".join(lines) + "\n"
