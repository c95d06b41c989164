"""Waivers: a reviewed, dated acceptance of one rule's failure on some resources.

The file is YAML::

    waivers:
      - rule: KB-HA-001
        resource: "urn:pulumi:*::kiban::*::legacy-batch*"   # a URN, or a glob over URNs
        justification: vendor's batch keeps state on one node until its 2027 release
        expires: 2026-12-31

A waiver accepts the failures of its rule on the resources it matches until its
expiry date (inclusive). From the day after, it no longer accepts anything and
is itself a failure (KB-WAIVER-001), so an accepted risk is looked at again. A
waiver that matches no failure is reported (KB-WAIVER-002): the risk it was
written for is gone, or its pattern is wrong.
"""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kiban.audit.findings import Finding, RuleInfo, Severity
from kiban_platform.spec.problems import FieldPath, Problem, SpecError
from kiban_platform.spec.source import read_yaml

EXPIRED, UNUSED = "KB-WAIVER-001", "KB-WAIVER-002"
WAIVER_RULES = {
    EXPIRED: RuleInfo(
        EXPIRED,
        "Expired waiver",
        Severity.HIGH,
        "Fails for each waiver whose expiry date has passed: it no longer accepts anything; renew it after a review "
        "or fix what it waived.",
    ),
    UNUSED: RuleInfo(
        UNUSED,
        "Waiver matches nothing",
        Severity.LOW,
        "Reported for each waiver in force that matches no failure: remove it, or correct its rule or resource.",
    ),
}
_FIELDS = ("rule", "resource", "justification", "expires")


@dataclass(frozen=True)
class Waiver:
    rule: str
    resource: str  # a URN or a glob (fnmatch) over URNs
    justification: str
    expires: datetime.date
    index: int  # its position in the file, to name it in messages
    line: int | None = None

    def matches(self, finding: Finding) -> bool:
        return finding.rule == self.rule and fnmatch.fnmatchcase(finding.urn or "", self.resource)

    def expired(self, today: datetime.date) -> bool:
        return today > self.expires

    @property
    def label(self) -> str:
        return f"waiver {self.index + 1} ({self.rule} {self.resource})"


def load_waivers(path: Path, known_rules: Iterable[str]) -> list[Waiver]:
    """Read a waivers file; raise SpecError (FILE: waivers[i].field: message (line N)) for every problem."""
    # The one YAML reader: UTF-8, limits on size, aliases and depth, keys written twice refused, and
    # dates left as text for _date to check (YAML 1.1 would raise on 2026-02-30 or silently take a date).
    source = read_yaml(path, what="waivers file")
    return parse_waivers(source.data, source.lines, path, set(known_rules))


def parse_waivers(data: Any, lines: dict[FieldPath, int], source: Path | str, known: set[str]) -> list[Waiver]:
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) != {"waivers"}:
        raise SpecError(source, [Problem((), "expected a mapping with one key, waivers: a list of waivers")])
    entries = data["waivers"] if data["waivers"] is not None else []
    if not isinstance(entries, list):
        raise SpecError(source, [Problem(("waivers",), "must be a list", lines.get(("waivers",)))])
    problems: list[Problem] = []
    waivers = []
    for index, entry in enumerate(entries):
        where: FieldPath = ("waivers", index)
        line = lines.get(where)
        if not isinstance(entry, dict):
            problems.append(Problem(where, "a waiver is a mapping of rule, resource, justification, expires", line))
            continue
        for key in sorted(set(entry) - set(_FIELDS)):
            problems.append(
                Problem((*where, key), f"unknown field; a waiver has {', '.join(_FIELDS)}", lines.get((*where, key)))
            )
        for key in _FIELDS:
            if entry.get(key) in (None, ""):
                problems.append(Problem((*where, key), "missing", line))
        rule, resource, justification, expires = (entry.get(key) for key in _FIELDS)
        if isinstance(rule, str) and rule and rule not in known:
            problems.append(
                Problem(
                    (*where, "rule"),
                    f"unknown rule {rule}; known: {', '.join(sorted(known))}",
                    lines.get((*where, "rule")),
                )
            )
        if resource is not None and not isinstance(resource, str):
            problems.append(
                Problem((*where, "resource"), "must be a URN or a glob over URNs", lines.get((*where, "resource")))
            )
        if justification is not None and not isinstance(justification, str):
            problems.append(Problem((*where, "justification"), "must be text", lines.get((*where, "justification"))))
        date = _date(expires)
        if expires not in (None, "") and date is None:
            problems.append(
                Problem(
                    (*where, "expires"), f"{expires!r} is not a date: write YYYY-MM-DD", lines.get((*where, "expires"))
                )
            )
        if (
            date is not None
            and isinstance(rule, str)
            and isinstance(resource, str)
            and isinstance(justification, str)
            and rule
            and resource
            and justification
        ):
            waivers.append(Waiver(rule, resource, justification.strip(), date, index, line))
    if problems:
        raise SpecError(source, problems)
    return waivers


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def apply_waivers(findings: Sequence[Finding], waivers: Sequence[Waiver], today: datetime.date) -> list[Finding]:
    """The findings with waived ones marked, plus one finding per expired or unused waiver."""
    used: set[int] = set()
    result = []
    for finding in findings:
        waiver = next((w for w in waivers if not w.expired(today) and w.matches(finding)), None)
        if waiver is not None:
            used.add(waiver.index)
            finding = replace(finding, waiver=waiver.justification)
        result.append(finding)
    for waiver in waivers:
        if waiver.expired(today):
            message = f"{waiver.label} expired on {waiver.expires.isoformat()}: {waiver.justification}"
            result.append(Finding(EXPIRED, WAIVER_RULES[EXPIRED].severity, message))
        elif waiver.index not in used:
            message = f"{waiver.label} matches no failure (expires {waiver.expires.isoformat()})"
            result.append(Finding(UNUSED, WAIVER_RULES[UNUSED].severity, message))
    return result
