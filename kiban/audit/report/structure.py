"""The reports as plain data (the JSON form), shared by every format."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from kiban.audit.changes import MISSING, ChangeKind, PropertyChange, ResourceChange
from kiban.audit.diff import DiffReport
from kiban.audit.engine import AuditReport
from kiban.audit.findings import Finding, Severity
from kiban.audit.report.actions import action_json
from kiban.audit.values import to_json

REPORT_VERSION = 1
PLATFORM = "(platform)"


def finding_json(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule": finding.rule,
        "severity": finding.severity.label,
        "message": finding.message,
        "urn": finding.urn,
        "area": finding.area,
        "tenant": finding.tenant,
    }
    if finding.related:
        data["related"] = list(finding.related)
    if finding.waiver is not None:
        data["waived"] = finding.waiver
    if finding.details:
        data["details"] = finding.details
    return data


def property_json(change: PropertyChange) -> dict[str, Any]:
    data: dict[str, Any] = {"path": change.path, "change": change.kind}
    if change.secret:
        # A secret is reported as changed, added or removed, never with a value from either side.
        data["secret"] = True
        return data
    if change.before is not MISSING:
        data["before"] = to_json(change.before)
    if change.after is not MISSING:
        data["after"] = to_json(change.after)
    return data


def _update_json(change: ResourceChange) -> dict[str, Any]:
    data = action_json(change)
    data["properties"] = [property_json(p) for p in change.properties]
    return data


def severity_counts(findings: Sequence[Finding]) -> dict[str, int]:
    counted = Counter(finding.severity.label for finding in findings if not finding.waived)
    return {severity.label: counted.get(severity.label, 0) for severity in sorted(Severity, reverse=True)}


def grouped(changes: Sequence[ResourceChange]) -> list[tuple[str, list[tuple[str, list[ResourceChange]]]]]:
    """Changes by area, then by tenant (or middleware tier), in a stable order; the platform's last."""
    areas: dict[str, dict[str, list[ResourceChange]]] = defaultdict(lambda: defaultdict(list))
    for change in changes:
        areas[change.location.area or PLATFORM][change.location.owner].append(change)
    order = sorted(areas, key=lambda area: (area == PLATFORM, area))
    return [
        (area, [(owner, areas[area][owner]) for owner in sorted(areas[area], key=lambda o: (o.startswith("("), o))])
        for area in order
    ]


def diff_json(report: DiffReport) -> dict[str, Any]:
    counts = report.counts()
    return {
        "report": "kiban diff",
        "version": REPORT_VERSION,
        "old": {"source": report.old.source, "resources": len(report.old.resources)},
        "new": {"source": report.new.source, "resources": len(report.new.resources)},
        "summary": {
            **counts,
            "provider_resources_ignored": report.providers_ignored,
            "findings": severity_counts(report.findings),
        },
        "findings": [finding_json(finding) for finding in report.findings],
        "changes": [
            {
                "area": area,
                "tenants": [
                    {
                        "tenant": owner,
                        "resources": [
                            {
                                "urn": change.urn,
                                "type": change.type,
                                "name": change.name,
                                "change": change.kind.value,
                                **(_update_json(change) if change.kind == ChangeKind.UPDATED else {}),
                            }
                            for change in changes
                        ],
                    }
                    for owner, changes in owners
                ],
            }
            for area, owners in grouped(report.changes)
        ],
        "notes": report.notes,
    }


def audit_json(report: AuditReport) -> dict[str, Any]:
    return {
        "report": "kiban audit",
        "version": REPORT_VERSION,
        "stack": {"source": report.state.source, "resources": len(report.state.resources)},
        "summary": {
            "failures": severity_counts(report.findings),
            "waived": sum(1 for finding in report.findings if finding.waived),
        },
        "rules": [
            {
                "id": tally.rule.id,
                "title": tally.rule.title,
                "severity": tally.rule.severity.label,
                "passed": tally.passed,
                "failed": tally.failed,
                "waived": tally.waived,
            }
            for tally in report.tallies
        ],
        "findings": [finding_json(finding) for finding in report.findings],
        "notes": report.notes,
    }
