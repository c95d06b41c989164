"""Where the program takes placements from: the reviewed plan file by default, refused when stale."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kiban.cli import app
from kiban_platform.network.sites import site_view
from kiban_platform.placement.fleet import default_plan_file, load_plan_file, place_fleet, plan_file_for, replan_command
from kiban_platform.placement.options import PlanOptions, placement_settings
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.problems import SpecError
from tests.conftest import REPO
from tests.kiban_platform.placement.builders import business, chassis, spec_data, tier


def _project(tmp_path: Path) -> tuple[Path, Path, PlatformSpec]:
    """A project folder with specs/city.yaml and a plan file plans/city.json placing its VMs."""
    spec_file = tmp_path / "specs" / "city.yaml"
    spec_file.parent.mkdir(parents=True)
    data = spec_data(chassis(2, 1), [business("tax", 1, {"app": tier(2)})])
    spec_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    placements = [
        {"vm": "tax-app-1", "chassis": "c1", "blade": "c1-b1"},
        {"vm": "tax-app-2", "chassis": "c2", "blade": "c2-b1"},
    ]
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "city.json").write_text(json.dumps({"placements": placements, "summary": {}}), encoding="utf-8")
    return tmp_path, spec_file, load_spec(spec_file)


def test_the_project_plan_file_is_used_by_default(tmp_path: Path) -> None:
    project, spec_file, spec = _project(tmp_path)
    settings = placement_settings(None)
    assert plan_file_for(settings, spec_file, project) == default_plan_file(spec_file, project)
    assert default_plan_file(spec_file, project) == project / "plans" / "city.json"
    # A relative spec path (as stack config gives it) finds the same file.
    assert plan_file_for(settings, Path("specs/city.yaml"), project) == project / "plans" / "city.json"
    fleet = place_fleet(spec, spec_file, settings, project)
    assert fleet is not None and fleet.where == {"tax-app-1": ("c1", "c1-b1"), "tax-app-2": ("c2", "c2-b1")}
    assert fleet.source == str(project / "plans" / "city.json")


def test_plan_file_and_enabled_keep_their_meaning(tmp_path: Path) -> None:
    project, spec_file, _ = _project(tmp_path)
    named = placement_settings({"planFile": "elsewhere/reviewed.json"})
    assert plan_file_for(named, spec_file, project) == project / "elsewhere" / "reviewed.json"
    assert plan_file_for(placement_settings({"enabled": False}), spec_file, project) is None
    assert plan_file_for(placement_settings({"discoverPlanFile": False}), spec_file, project) is None


def test_no_default_plan_file_for_a_spec_outside_the_project_or_without_a_file(tmp_path: Path) -> None:
    project, spec_file, _ = _project(tmp_path / "project")
    outside = tmp_path / "city.yaml"
    outside.write_text(spec_file.read_text(encoding="utf-8"), encoding="utf-8")
    assert plan_file_for(placement_settings(None), outside, project) is None
    other = spec_file.with_name("town.yaml")
    assert plan_file_for(placement_settings(None), other, project) is None


def test_a_stale_default_plan_is_refused_with_the_command_that_updates_it(tmp_path: Path) -> None:
    project, spec_file, _ = _project(tmp_path)
    # The spec grows a third chassis and a third replica, which the plan lacks.
    grown = spec_data(chassis(3, 1), [business("tax", 1, {"app": tier(3)})])
    spec_file.write_text(yaml.safe_dump(grown, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        place_fleet(load_spec(spec_file), spec_file, placement_settings(None), project)
    first = raised.value.lines()[0]
    plan_file = project / "plans" / "city.json"
    assert first.startswith(f"{plan_file}: placements: stale plan: 1 VMs of the spec are not in it (tax-app-3); ")
    assert f"run `{replan_command(plan_file, spec_file)}` and review the moves" in first


def test_a_plan_with_a_vm_now_invalid_is_stale(tmp_path: Path) -> None:
    project, spec_file, spec = _project(tmp_path)
    plan_file = project / "plans" / "city.json"
    document = json.loads(plan_file.read_text(encoding="utf-8"))
    document["placements"][1].update({"chassis": "c1", "blade": "c1-b1"})  # both replicas on one chassis
    plan_file.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        load_plan_file(plan_file, spec, spec_file)
    lines = raised.value.lines()
    assert "stale plan: 2 placements break the spec's rules now; run `kiban plan" in lines[0]
    assert any("distinct_chassis: tax/app" in line for line in lines[1:])


def test_the_replan_command_is_the_one_to_type() -> None:
    assert (
        replan_command("plans/city.json", "specs/city.yaml")
        == "kiban plan specs/city.yaml --previous plans/city.json --format json --out plans/city.json"
    )


def test_the_stack_settings_give_the_ceiling_and_the_budget() -> None:
    settings = placement_settings({"timeLimit": 60, "workLimit": 3, "seed": 4})
    assert settings.plan_options() == PlanOptions(time_limit=60, seed=4, work_limit=3)
    assert placement_settings(None).plan_options() == PlanOptions()
    with pytest.raises(ValueError, match=r"kiban:placement\.workLimit"):
        placement_settings({"workLimit": 0})


def _printed_command(error: SpecError) -> list[str]:
    """The arguments of the `kiban ...` command the first line of ``error`` tells the user to run."""
    command = re.search(r"run `kiban ([^`]+)`", error.lines()[0])
    assert command is not None, error.lines()[0]
    return shlex.split(command.group(1))


def test_the_command_a_stale_plan_suggests_brings_it_up_to_date(tmp_path: Path) -> None:
    project, spec_file, _ = _project(tmp_path)
    grown = spec_data(chassis(3, 1), [business("tax", 1, {"app": tier(3)})])
    spec_file.write_text(yaml.safe_dump(grown, allow_unicode=True, sort_keys=False), encoding="utf-8")
    spec = load_spec(spec_file)
    with pytest.raises(SpecError) as raised:
        place_fleet(spec, spec_file, placement_settings(None), project)
    result = CliRunner().invoke(app, _printed_command(raised.value))
    assert result.exit_code == 0, result.output
    fleet = place_fleet(spec, spec_file, placement_settings(None), project)
    assert fleet is not None and set(fleet.where) == {"tax-app-1", "tax-app-2", "tax-app-3"}
    # The VMs the old plan had stay where they were.
    assert fleet.where["tax-app-1"] == ("c1", "c1-b1") and fleet.where["tax-app-2"] == ("c2", "c2-b1")


def test_the_command_a_missing_plan_file_suggests_writes_it(tmp_path: Path) -> None:
    project, spec_file, spec = _project(tmp_path)
    missing = project / "plans" / "reviewed.json"
    with pytest.raises(SpecError) as raised:
        place_fleet(spec, spec_file, placement_settings({"planFile": "plans/reviewed.json"}), project)
    assert "--previous" not in raised.value.lines()[0]
    result = CliRunner().invoke(app, _printed_command(raised.value))
    assert result.exit_code == 0, result.output
    assert load_plan_file(missing, spec, spec_file).where.keys() == {"tax-app-1", "tax-app-2"}


def test_the_command_a_stale_site_plan_suggests_names_the_site(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "specs").mkdir(parents=True)
    (project / "plans").mkdir()
    spec_file = project / "specs" / "sample-hybrid.yaml"
    data = yaml.safe_load((REPO / "specs" / "sample-hybrid.yaml").read_text(encoding="utf-8"))
    zaimu = next(business for business in data["businesses"] if business.get("id") == "zaimu-kaikei")
    zaimu["tiers"]["app"]["replicas"] = 3  # a VM at dc1 that the reviewed plan lacks
    spec_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copy(REPO / "plans" / "sample-hybrid-dc1.json", project / "plans" / "sample-hybrid-dc1.json")
    view = site_view(load_spec(spec_file), "dc1")
    with pytest.raises(SpecError) as raised:
        place_fleet(view, spec_file, placement_settings(None), project, "dc1")
    arguments = _printed_command(raised.value)
    assert arguments[arguments.index("--site") + 1] == "dc1"
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    fleet = place_fleet(view, spec_file, placement_settings(None), project, "dc1")
    assert fleet is not None and "zaimu-kaikei-app-3" in fleet.where
