"""`kiban plan --previous`: moves in the table and the JSON, bad previous files, the wall-clock ceiling's warning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from kiban.cli import app
from tests.kiban_platform.placement.builders import business, chassis, crowded_city_data, spec_data, tier

runner = CliRunner()


def _write(folder: Path, data: dict[str, Any], name: str = "city.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _city(tmp_path: Path, businesses: list[dict[str, Any]]) -> Path:
    return _write(tmp_path, spec_data(chassis(2, 2), businesses))


def _plan(tmp_path: Path, spec: Path, *extra: str) -> Any:
    return runner.invoke(app, ["plan", str(spec), "--work-limit", "2", *extra])


def test_previous_keeps_vms_and_the_json_reports_moves_and_counts(tmp_path: Path) -> None:
    spec = _city(tmp_path, [business("tax", 1, {"app": tier(2)})])
    plan_file = tmp_path / "plan.json"
    first = _plan(tmp_path, spec, "--format", "json", "--out", str(plan_file))
    assert first.exit_code == 0, first.stderr
    before = {p["vm"]: p["blade"] for p in json.loads(plan_file.read_text(encoding="utf-8"))["placements"]}

    grown = _city(tmp_path, [business("tax", 1, {"app": tier(2)}), business("ward", 2, {"app": tier(2)})])
    again = _plan(tmp_path, grown, "--previous", str(plan_file), "--format", "json", "--out", str(plan_file))
    assert again.exit_code == 0, again.stderr
    document = json.loads(plan_file.read_text(encoding="utf-8"))
    assert document["moves"] == []
    summary = document["summary"]
    assert (summary["moved"], summary["kept"], summary["added"], summary["removed"]) == (0, 2, 2, 0)
    now = {p["vm"]: p["blade"] for p in document["placements"]}
    assert {vm: now[vm] for vm in before} == before
    # The file written with moves stays a valid previous plan for the next round.
    third = _plan(tmp_path, grown, "--previous", str(plan_file), "--format", "json")
    assert third.exit_code == 0 and json.loads(third.stdout)["summary"]["kept"] == 4


def test_the_table_shows_each_move_and_its_reason(tmp_path: Path) -> None:
    spec = _city(tmp_path, [business("tax", 1, {"app": tier(2)})])
    old = tmp_path / "old.json"
    placements = [{"vm": "tax-app-1", "chassis": "c1", "blade": "c1-b7"}, {"vm": "tax-app-2", "blade": "c2-b1"}]
    old.write_text(json.dumps({"placements": placements, "summary": {}}), encoding="utf-8")
    result = _plan(tmp_path, spec, "--previous", str(old))
    assert result.exit_code == 0, result.stderr
    assert "Moves from the previous plan: 1 VMs" in result.stdout
    assert "tax-app-1" in result.stdout and "blade-removed" in result.stdout
    assert "1 moved" in result.stdout and "1 kept, 0 added, 0 removed" in result.stdout


def test_a_previous_file_that_is_not_a_plan_exits_2_naming_file_and_field(tmp_path: Path) -> None:
    spec = _city(tmp_path, [business("tax", 1, {"app": tier(2)})])
    bad = tmp_path / "old.json"
    bad.write_text(json.dumps({"placements": [{"vm": "tax-app-1", "blade": 7}], "summary": {}}), encoding="utf-8")
    result = _plan(tmp_path, spec, "--previous", str(bad), "--format", "json")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{bad}: placements[0].blade: needs 'blade' (a name)"
    assert result.stdout == ""
    missing = _plan(tmp_path, spec, "--previous", str(tmp_path / "none.json"))
    assert missing.exit_code == 2 and missing.stderr.startswith(f"{tmp_path / 'none.json'}: (top level): plan file")


def test_a_time_limit_that_stops_the_solver_warns_that_the_plan_may_differ(tmp_path: Path) -> None:
    spec = _write(tmp_path, crowded_city_data())
    result = runner.invoke(app, ["plan", str(spec), "--work-limit", "100", "--time-limit", "0.1", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert "warning: the time limit (0.1 s of wall clock) stopped the solver" in result.stderr
    solver = json.loads(result.stdout)["summary"]["solver"]
    assert solver["stopped_by_time_limit"] is True and solver["work_limit"] == 100


def test_a_plan_within_its_budget_gives_no_warning(tmp_path: Path) -> None:
    spec = _city(tmp_path, [business("tax", 1, {"app": tier(2)})])
    result = _plan(tmp_path, spec, "--format", "json")
    assert result.exit_code == 0 and "warning" not in result.stderr
    assert json.loads(result.stdout)["summary"]["solver"]["stopped_by_time_limit"] is False
