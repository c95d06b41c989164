"""The terminal report (rich): a findings table, then the changes as a tree by area, tenant and resource."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from kiban.audit.changes import Action, ChangeKind
from kiban.audit.diff import DiffReport
from kiban.audit.engine import AuditReport
from kiban.audit.findings import Finding
from kiban.audit.report.actions import action_text
from kiban.audit.report.structure import grouped, severity_counts
from kiban.audit.values import SECRET_TEXT, display

STYLES = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "dim"}
SIGNS = {ChangeKind.ADDED: ("+", "green"), ChangeKind.REMOVED: ("-", "red"), ChangeKind.UPDATED: ("~", "yellow")}
REPLACE_SIGN = ("±", "magenta")


def _summary(findings: Sequence[Finding]) -> Text:
    counts = severity_counts(findings)
    text = Text(f"{sum(counts.values())} findings")
    for label, count in counts.items():
        if count:
            text.append(" · ")
            text.append(f"{count} {label}", style=STYLES[label])
    return text


def findings_table(findings: Sequence[Finding], title: str = "Findings") -> RenderableType:
    if not findings:
        return Text("No findings.", style="green")
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("severity", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("where", no_wrap=True)
    table.add_column("finding")
    for finding in findings:
        where = " / ".join(part for part in (finding.area, finding.tenant) if part) or "-"
        label = finding.severity.label
        message = escape(finding.message)
        if finding.waiver is not None:
            message += f" [dim](waived: {escape(finding.waiver)})[/dim]"
            label += " (waived)"
        table.add_row(
            Text(label, style="dim" if finding.waived else STYLES[finding.severity.label]), finding.rule, where, message
        )
    return table


def diff_text(report: DiffReport) -> RenderableType:
    counts = report.counts()
    header = Text()
    header.append("kiban diff ", style="bold")
    header.append(f"{report.old.source} → {report.new.source}\n")
    header.append(
        f"{counts['added']} added · {counts['removed']} removed · {counts['updated']} updated "
        f"({counts['replaced']} replaced)",
        style="bold",
    )
    header.append(f"  ({report.providers_ignored} provider resources and all outputs ignored)\n", style="dim")
    header.append_text(_summary(report.findings))
    parts: list[RenderableType] = [header, findings_table(report.findings)]
    if not report.changes:
        parts.append(Text("No changes.", style="green"))
    for area, owners in grouped(report.changes):
        tree = Tree(Text(area, style="bold"))
        for owner, changes in owners:
            branch = tree.add(Text(owner, style="bold cyan"))
            for change in changes:
                sign, style = REPLACE_SIGN if change.action == Action.REPLACE else SIGNS[change.kind]
                kind = change.type.rsplit(":", 1)[-1]
                action = action_text(change)
                node = branch.add(
                    Text.assemble(
                        (f"{sign} ", style),
                        (kind, "bold"),
                        f" {change.name}",
                        (f"  {action}" if action else "", style if change.action == Action.REPLACE else "dim"),
                    )
                )
                for prop in change.properties:
                    if prop.secret:
                        node.add(Text(f"{prop.path}: {SECRET_TEXT} {prop.kind}", style="magenta"))
                    elif prop.kind == "added":
                        node.add(Text(f"{prop.path}: added {display(prop.after)}"))
                    elif prop.kind == "removed":
                        node.add(Text(f"{prop.path}: removed (was {display(prop.before)})"))
                    else:
                        node.add(Text(f"{prop.path}: {display(prop.before)} → {display(prop.after)}"))
        parts.append(tree)
    parts += [Text(f"note: {note}", style="dim") for note in report.notes]
    return Group(*parts)


def audit_text(report: AuditReport) -> RenderableType:
    header = Text()
    header.append("kiban audit ", style="bold")
    header.append(f"{report.state.source} ({len(report.state.resources)} resources)\n")
    header.append_text(_summary(report.findings))
    waived = sum(1 for finding in report.findings if finding.waived)
    if waived:
        header.append(f" · {waived} waived", style="dim")
    rules = Table(title="Rules", title_justify="left")
    for column in ("rule", "title", "severity", "passed", "failed", "waived"):
        rules.add_column(column, justify="right" if column in ("passed", "failed", "waived") else "left")
    for tally in report.tallies:
        info = tally.rule
        failed = Text(str(tally.failed), style=STYLES[info.severity.label] if tally.failed > tally.waived else "")
        rules.add_row(info.id, info.title, info.severity.label, str(tally.passed), failed, str(tally.waived))
    notes = [Text(f"note: {note}", style="dim") for note in report.notes]
    return Group(header, findings_table(report.findings, "Failures"), rules, *notes)
