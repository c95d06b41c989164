"""`kiban diff --format html`: the diff as one self-contained page, with the new network picture in colour.

The page says what the markdown form says (the findings, the changes folded by area and owner, the
notes), and adds the network picture of the NEW state with every path the change added (green),
widened (orange) or removed (red, dashed) drawn in colour, and a table of those paths with their
ports before and after. The pictures come from each state's ``inventory`` output; a state without
one (not deployed by kiban) gets a plain note instead of a picture.

Like the report, the page asks for nothing outside itself: a Content-Security-Policy meta, inline
CSS and SVG, the Japanese font subset into the file (``fonts.font_face_css``), no script.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kiban.audit.changes import Action, ChangeKind
from kiban.audit.diff import DiffReport
from kiban.audit.findings import Finding
from kiban.audit.report.actions import action_text
from kiban.audit.report.structure import grouped, severity_counts
from kiban.audit.state import StackState
from kiban.audit.values import SECRET_TEXT, display
from kiban.report.changes import PathChange, edge_marks, path_changes
from kiban.report.fonts import FALLBACK_STACK, font_face_css
from kiban.report.html import CSP
from kiban.report.picture import MARK_STYLE, NetworkPicture, network_layout, picture_from_inventories

SEVERITY_COLOURS = {"critical": "#b71c1c", "high": "#e65100", "medium": "#f9a825", "low": "#757575"}
SEVERITY_NAMES = {"critical": "重大 critical", "high": "高 high", "medium": "中 medium", "low": "低 low"}
PATH_NAMES = {
    "added": "追加 added",
    "widened": "拡大 widened",
    "removed": "削除 removed",
    "narrowed": "縮小 narrowed",
}
SIGNS = {ChangeKind.ADDED: "+", ChangeKind.REMOVED: "-", ChangeKind.UPDATED: "~"}
# Above this many changed resources the groups start folded, so the findings and the picture stay in view.
OPEN_GROUPS_UP_TO = 200

CSS = """
:root { --ink: #1d1d1f; --muted: #5f6368; --line: #d0d4da; }
* { box-sizing: border-box; }
body { font-family: FONT_STACK; color: var(--ink); margin: 0 auto; padding: 24px 32px; max-width: 1600px;
       line-height: 1.5; font-size: 14px; background: #ffffff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; border-bottom: 2px solid var(--ink); padding-bottom: 4px; margin: 0 0 12px; }
.sources { color: var(--muted); margin: 0 0 8px; font-family: monospace; word-break: break-all; }
.counts { margin: 0 0 20px; }
section { margin: 0 0 28px; padding: 8px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f1f3f4; }
.severity { font-weight: bold; color: #ffffff; border-radius: 3px; padding: 1px 6px; white-space: nowrap; }
.waived { opacity: 0.6; }
.legend span { display: inline-block; margin-right: 18px; }
.legend i { display: inline-block; width: 28px; height: 0; vertical-align: middle; margin-right: 6px; }
.picture { overflow-x: auto; border: 1px solid var(--line); padding: 8px; }
.picture svg { max-width: 100%; height: auto; }
.path-added td:first-child { border-left: 6px solid ADDED; }
.path-widened td:first-child { border-left: 6px solid WIDENED; }
.path-removed td:first-child { border-left: 6px solid REMOVED; }
.path-narrowed td:first-child { border-left: 6px solid #7f7f7f; }
.note { background: #fff8e1; border-left: 4px solid #f9a825; padding: 6px 10px; }
details { margin: 6px 0; }
summary { cursor: pointer; font-weight: bold; }
ul.changes { margin: 4px 0 8px; padding-left: 20px; }
code { font-family: monospace; background: #f1f3f4; padding: 0 3px; border-radius: 2px; }
@media print {
  @page { size: A4; margin: 12mm; }
  body { padding: 0; max-width: none; font-size: 11px; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
  .picture { overflow: visible; border: none; }
  tr { break-inside: avoid; }
}
"""


@dataclass(frozen=True)
class DiffPictures:
    """The network pictures of both sides (None for a side whose state has no inventory output)."""

    old: NetworkPicture | None
    new: NetworkPicture | None


def state_inventory(state: StackState) -> Mapping[str, Any] | None:
    """The ``inventory`` output of a state's stack, when kiban deployed it and it has the shape kiban writes."""
    from kiban.audit.model import StackView
    from kiban.verify.schema import inventory_problems

    inventory = StackView.from_state(state).stack_outputs.get("inventory")
    if not isinstance(inventory, Mapping) or inventory_problems(inventory, ("inventory",)):
        return None
    return inventory


def diff_pictures(old: Sequence[StackState], new: Sequence[StackState]) -> DiffPictures:
    """Each side's picture from its states' inventories (a hybrid city: one state per site)."""

    def picture(states: Sequence[StackState]) -> NetworkPicture | None:
        inventories = [state_inventory(state) for state in states]
        if not inventories or any(inventory is None for inventory in inventories):
            return None
        return picture_from_inventories([inventory for inventory in inventories if inventory is not None])

    return DiffPictures(picture(old), picture(new))


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _severity(finding: Finding) -> str:
    label = finding.severity.label
    badge = f'<span class="severity" style="background:{SEVERITY_COLOURS[label]}">{_e(SEVERITY_NAMES[label])}</span>'
    return badge + (" (waived)" if finding.waived else "")


def findings_section(findings: Sequence[Finding]) -> list[str]:
    counts = severity_counts(findings)
    total = sum(counts.values())
    detail = ", ".join(f"{count} {label}" for label, count in counts.items() if count)
    lines = [
        '<section id="findings">',
        "<h2>指摘 / Findings</h2>",
        f"<p><strong>{total} finding{'s' if total != 1 else ''}</strong>{f' ({_e(detail)})' if detail else ''}</p>",
    ]
    if not findings:
        lines += ["<p>指摘なし / No findings.</p>", "</section>"]
        return lines
    lines += [
        "<table><thead><tr><th>重大度 / Severity</th><th>規則 / Rule</th><th>場所 / Where</th>"
        "<th>指摘 / Finding</th></tr></thead><tbody>"
    ]
    for finding in findings:
        where = " / ".join(part for part in (finding.area, finding.tenant) if part) or "-"
        message = finding.message + (f" — waived: {finding.waiver}" if finding.waiver else "")
        row_class = ' class="waived"' if finding.waived else ""
        lines.append(
            f"<tr{row_class}><td>{_severity(finding)}</td><td><code>{_e(finding.rule)}</code></td>"
            f"<td>{_e(where)}</td><td>{_e(message)}</td></tr>"
        )
    lines += ["</tbody></table>", "</section>"]
    return lines


def _label(picture: NetworkPicture, node_id: str) -> str:
    """The group's label and where it is, e.g. "連携基盤 integration_hub (dc1/office)": roles recur in every area."""
    try:
        node = picture.node(node_id)
    except KeyError:
        return node_id
    where = "/".join(part for part in (node.site, node.area) if part)
    return f"{node.label} ({where})" if where else node.label


def _legend() -> str:
    items = []
    for mark in ("added", "widened", "removed"):
        style = MARK_STYLE[mark]
        line = "dashed" if style.get("style") == "dashed" else "solid"
        items.append(f'<span><i style="border-top:3px {line} {style["color"]}"></i>{_e(PATH_NAMES[mark])}</span>')
    return f'<p class="legend">{"".join(items)}</p>'


def network_section(pictures: DiffPictures) -> list[str]:
    lines = ['<section id="network">', "<h2>ネットワーク構成の変化 / Network changes</h2>"]
    if pictures.new is None or pictures.old is None:
        missing = " and ".join(
            side for side, picture in (("old", pictures.old), ("new", pictures.new)) if picture is None
        )
        lines += [
            f'<p class="note">図なし / No picture: the {missing} state has no kiban <code>inventory</code> '
            "output (not a stack kiban deployed, or an export without it), so paths cannot be compared.</p>",
            "</section>",
        ]
        return lines
    drawn, marks = edge_marks(pictures.old, pictures.new)
    changes = path_changes(pictures.old, pictures.new)
    lines.append(
        "<p>変更後の構成。変更で追加・拡大・削除された通信経路を色で示します。 / The network after the change; "
        "paths the change added, widened or removed are drawn in colour.</p>"
    )
    lines.append(_legend())
    laid_out = network_layout(drawn, marks)
    if laid_out.note is not None:
        lines.append(f'<p class="note layout-note">{html.escape(laid_out.note)}</p>')
    lines.append(f'<div class="picture">{laid_out.svg}</div>')
    lines += path_table(drawn, changes)
    lines.append("</section>")
    return lines


def path_table(picture: NetworkPicture, changes: Sequence[PathChange]) -> list[str]:
    if not changes:
        return ["<p>通信経路の変化なし / No path changed.</p>"]
    lines = [
        "<table><thead><tr><th>変化 / Change</th><th>送信元 / From</th><th>宛先 / To</th>"
        "<th>ポート(前) / Ports before</th><th>ポート(後) / Ports after</th><th>フロー / Flows</th></tr></thead><tbody>"
    ]
    for change in changes:
        lines.append(
            f'<tr class="path-{change.kind}"><td>{_e(PATH_NAMES[change.kind])}</td>'
            f"<td>{_e(_label(picture, change.source))}</td><td>{_e(_label(picture, change.target))}</td>"
            f"<td>{_e(' '.join(change.old_ports) or '-')}</td><td>{_e(' '.join(change.new_ports) or '-')}</td>"
            f"<td>{_e(', '.join(change.flows) or '-')}</td></tr>"
        )
    lines.append("</tbody></table>")
    return lines


def changes_section(report: DiffReport) -> list[str]:
    lines = ['<section id="changes">', "<h2>変更されたリソース / Changes</h2>"]
    if not report.changes:
        return [*lines, "<p>変更なし / No changes.</p>", "</section>"]
    open_attribute = " open" if len(report.changes) <= OPEN_GROUPS_UP_TO else ""
    for area, owners in grouped(report.changes):
        for owner, changes in owners:
            lines.append(f"<details{open_attribute}><summary>{_e(area)} / {_e(owner)} ({len(changes)})</summary>")
            lines.append('<ul class="changes">')
            for change in changes:
                kind = change.type.rsplit(":", 1)[-1]
                sign = "±" if change.action == Action.REPLACE else SIGNS[change.kind]
                action = action_text(change)
                shown = ""
                if change.action == Action.REPLACE:
                    shown = f" — <strong>{_e(action)}</strong>"
                elif action:
                    shown = f" — {_e(action)}"
                lines.append(
                    f"<li><code>{_e(sign)}</code> <strong>{_e(kind)}</strong> <code>{_e(change.name)}</code>{shown}"
                )
                properties = []
                for prop in change.properties:
                    path = f"<code>{_e(prop.path)}</code>"
                    if prop.secret:
                        properties.append(f"{path}: {_e(SECRET_TEXT)} {_e(prop.kind)}")
                    elif prop.kind == "added":
                        properties.append(f"{path}: added <code>{_e(display(prop.after))}</code>")
                    elif prop.kind == "removed":
                        properties.append(f"{path}: removed (was <code>{_e(display(prop.before))}</code>)")
                    else:
                        properties.append(
                            f"{path}: <code>{_e(display(prop.before))}</code> → <code>{_e(display(prop.after))}</code>"
                        )
                if properties:
                    lines.append("<ul>" + "".join(f"<li>{item}</li>" for item in properties) + "</ul>")
                lines.append("</li>")
            lines += ["</ul>", "</details>"]
    lines.append("</section>")
    return lines


def diff_html(report: DiffReport, pictures: DiffPictures, warn: Callable[[str], None] = lambda _message: None) -> str:
    """The whole page; ``warn`` hears a one-line warning when the Japanese font cannot be embedded."""
    counts = report.counts()
    title = f"kiban diff: {report.old.source} → {report.new.source}"
    body = [
        "<header>",
        "<h1>変更の差分 / kiban diff</h1>",
        f'<p class="sources">{_e(report.old.source)} → {_e(report.new.source)}</p>',
        f'<p class="counts">{counts["added"]} added, {counts["removed"]} removed, {counts["updated"]} updated '
        f"({counts['replaced']} replaced; {report.providers_ignored} provider resources and all outputs ignored)</p>",
        "</header>",
        *findings_section(report.findings),
        *network_section(pictures),
        *changes_section(report),
    ]
    if report.notes:
        body += ['<section id="notes">', "<h2>注記 / Notes</h2>"]
        body += [f'<p class="note">{_e(note)}</p>' for note in report.notes]
        body.append("</section>")
    text = "\n".join(body)
    css = (
        CSS.replace("FONT_STACK", FALLBACK_STACK)
        .replace("ADDED", MARK_STYLE["added"]["color"])
        .replace("WIDENED", MARK_STYLE["widened"]["color"])
        .replace("REMOVED", MARK_STYLE["removed"]["color"])
    )
    font = font_face_css(html.unescape(text) + title, warn)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>\n{font}\n{css}</style>\n</head>\n<body>\n{text}\n</body>\n</html>\n"
    )
