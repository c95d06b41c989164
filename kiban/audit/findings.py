"""Findings: what the diff and the audit report, with a severity and the resource they are about."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @staticmethod
    def parse(text: str) -> Severity:
        try:
            return Severity[text.strip().upper()]
        except KeyError:
            known = ", ".join(severity.label for severity in Severity)
            raise ValueError(f"unknown severity {text!r}; known: {known}") from None


@dataclass(frozen=True)
class RuleInfo:
    """What a finding's rule is, for people and for SARIF's rule table."""

    id: str
    title: str
    severity: Severity  # the usual severity; a finding may be raised or lowered by what it found
    description: str  # exactly when it passes and fails / when it is reported


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    urn: str | None = None  # the resource it is about; None for the stack as a whole
    area: str | None = None
    tenant: str | None = None
    related: tuple[str, ...] = ()  # further resources of the same finding (e.g. every resource moved together)
    waiver: str | None = None  # the justification of the waiver that accepts it (audit only)
    details: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def waived(self) -> bool:
        return self.waiver is not None


def sort_key(finding: Finding) -> tuple[int, str, str, str]:
    return (-finding.severity, finding.rule, finding.urn or "", finding.message)


def worst(findings: list[Finding]) -> Severity | None:
    """The highest severity not waived (a waived failure has been accepted on the record)."""
    severities = [finding.severity for finding in findings if not finding.waived]
    return max(severities) if severities else None
