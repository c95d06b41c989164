"""SARIF 2.1.0 (OASIS) for code-scanning tools: one run, kiban as the tool, one result per finding.

Each result points at the file the finding came from (the state, the stack's
config, or the spec) and names the resource as a logical location by URN, since
a state has no lines worth pointing at. Waived failures carry an external
suppression with the waiver's justification.

Artifact locations are relative to the working directory, the run's
``%SRCROOT%`` (``originalUriBaseIds``), even when a path was given absolute:
code-scanning services resolve them against the checkout, and an absolute
``file://`` URI names a folder of one machine only.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kiban.audit.changes import Action, ResourceChange
from kiban.audit.findings import Finding, RuleInfo, Severity
from kiban.audit.report.actions import action_json
from kiban.audit.values import resource_name

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
# GitHub code scanning reads "security-severity" (0-10) to rank security results.
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "2.0"}


SOURCE_ROOT = "%SRCROOT%"


def artifact_location(path: str, root: Path) -> dict[str, str]:
    """``path`` as an artifact location relative to ``root`` (the run's %SRCROOT%); absolute only across drives."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = Path(os.path.relpath(candidate, root))
        except ValueError:  # another drive (Windows): no relative path exists
            return {"uri": candidate.as_uri()}
    return {"uri": quote(candidate.as_posix()), "uriBaseId": SOURCE_ROOT}


def _rule(info: RuleInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": "".join(word.capitalize() for word in info.title.replace("/", " ").split() if word.isalnum())
        or info.id,
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": info.description},
        "help": {"text": f"{info.title}. {info.description}"},
        "defaultConfiguration": {"level": LEVELS[info.severity]},
        "properties": {"security-severity": SECURITY_SEVERITY[info.severity], "tags": ["security", "kiban"]},
    }


def _fingerprint(finding: Finding) -> str:
    return hashlib.sha256(f"{finding.rule}\0{finding.urn or ''}\0{finding.message}".encode()).hexdigest()[:32]


def _result(
    finding: Finding, index: int, artifact: dict[str, str], change: ResourceChange | None = None
) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": artifact, "region": {"startLine": 1}},
    }
    if finding.urn is not None:
        location["logicalLocations"] = [
            {"name": resource_name(finding.urn), "fullyQualifiedName": finding.urn, "kind": "resource"}
        ]
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {"kibanFinding/v1": _fingerprint(finding)},
        "properties": {
            "severity": finding.severity.label,
            **({"area": finding.area} if finding.area else {}),
            **({"tenant": finding.tenant} if finding.tenant else {}),
            **(action_json(change) if change is not None else {}),
        },
    }
    if finding.waiver is not None:
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": finding.waiver}]
    return result


def sarif_log(
    tool: str,
    version: str,
    rules: Sequence[RuleInfo],
    findings: Sequence[Finding],
    artifact: str,
    artifacts_by_rule: Mapping[str, str] | None = None,
    root: Path | None = None,
    changes: Sequence[ResourceChange] = (),
) -> dict[str, Any]:
    """One SARIF log; ``artifacts_by_rule`` points some rules' results elsewhere (e.g. the waivers file).

    ``root``: what artifact locations are relative to (default: the working directory). ``changes`` (a
    diff's): each result about an updated resource carries its action (update/replace/unknown) and the
    properties forcing a replacement; the run's properties list every replaced resource.
    """
    base = (root or Path.cwd()).resolve()
    index = {info.id: position for position, info in enumerate(rules)}
    elsewhere = artifacts_by_rule or {}
    updated = {change.urn: change for change in changes if change.action is not None}
    results = [
        _result(
            finding,
            index[finding.rule],
            artifact_location(elsewhere.get(finding.rule, artifact), base),
            updated.get(finding.urn or ""),
        )
        for finding in findings
    ]
    run_properties: dict[str, Any] = {}
    if changes:
        run_properties["replaced"] = [
            {"urn": change.urn, **action_json(change)} for change in changes if change.action == Action.REPLACE
        ]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": tool,
                        "version": version,
                        "rules": [_rule(info) for info in rules],
                    }
                },
                "originalUriBaseIds": {SOURCE_ROOT: {"uri": base.as_uri().rstrip("/") + "/"}},
                "results": results,
                "columnKind": "unicodeCodePoints",
                **({"properties": run_properties} if run_properties else {}),
            }
        ],
    }
