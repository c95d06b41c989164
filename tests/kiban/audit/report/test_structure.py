"""The JSON form of both reports (the source of the markdown and SARIF forms)."""

from __future__ import annotations

import json

from kiban.audit.report.structure import audit_json, diff_json
from tests.kiban.audit.report.samples import PASSWORD, audit_report, diff_report


def test_diff_json() -> None:
    data = diff_json(diff_report())
    assert data["summary"] == {
        "added": 0,
        "removed": 0,
        "updated": 4,
        "replaced": 3,
        "provider_resources_ignored": 3,
        "findings": {"critical": 2, "high": 1, "medium": 0, "low": 0},
    }
    # Anywhere is one path (from anywhere into the area), not one path from each other area.
    assert [(f["severity"], f["rule"], f["urn"].rsplit("::", 1)[1]) for f in data["findings"]] == [
        ("critical", "KB-DIFF-ANYWHERE", "integration-hub-secure-in-integration-hub-office-tcp443"),
        ("critical", "KB-DIFF-PATH", "integration-hub-secure-in-integration-hub-office-tcp443"),
        ("high", "KB-DIFF-REDUNDANCY", "lean-app-1"),
    ]
    assert data["findings"][1]["message"].startswith("new path anywhere → secure: ")
    assert data["findings"][2]["related"] == [data["changes"][0]["tenants"][0]["resources"][1]["urn"]]
    assert [(area["area"], [t["tenant"] for t in area["tenants"]]) for area in data["changes"]] == [
        ("office", ["lean"]),
        ("secure", ["middleware integration-hub-secure"]),
    ]
    lean = data["changes"][0]["tenants"][0]["resources"]
    assert [(r["name"], r["action"], r["replace_keys"]) for r in lean] == [
        ("lean-app-1", "update", []),
        ("lean-app-2", "replace", ["availabilityZone"]),
        ("lean-app-2-data", "replace", ["instanceId"]),
    ]
    # The attachment's inputs did not change: the instance it names is replaced, so it is re-created too.
    assert lean[2]["properties"] == [] and lean[2]["replaced_because"] == [lean[1]["urn"]]
    assert lean[0]["properties"] == [{"path": "adminPass", "change": "added", "secret": True}]
    assert lean[1]["properties"] == [{"path": "availabilityZone", "change": "changed", "before": "c2", "after": "c1"}]
    assert PASSWORD not in json.dumps(data)


def test_audit_json() -> None:
    data = audit_json(audit_report())
    assert data["summary"] == {"failures": {"critical": 3, "high": 0, "medium": 0, "low": 1}, "waived": 1}
    rules = {rule["id"]: (rule["passed"], rule["failed"], rule["waived"]) for rule in data["rules"]}
    assert rules["KB-HA-002"] == (10, 1, 1) and rules["KB-NET-002"][1] == 1
    assert [f["rule"] for f in data["findings"]] == [
        "KB-NET-001",
        "KB-NET-001",
        "KB-NET-002",
        "KB-HA-002",
        "KB-WAIVER-002",
    ]
    assert data["findings"][3]["waived"] == "chassis c2 is being replaced | until June"
