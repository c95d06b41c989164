"""The placement plan feeds the program: zones, blades and pool sizes come from `kiban plan` (issue 7, item 3)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from kiban.render import PROJECT_DIR, RenderError, check_stack, render
from kiban_platform.placement.options import placement_settings
from kiban_platform.spec.problems import SpecError
from tests.rendering import by_name, resources, tiny_stack, write_tiny_city

runner = CliRunner()


def _render(folder: Path, placement: dict[str, Any] | None) -> dict[str, Any]:
    stack = tiny_stack(write_tiny_city(folder))
    if placement is not None:
        stack.config[f"{stack.project}:placement"] = json.dumps(placement)
    return render(stack)


@pytest.fixture(scope="module")
def placed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _render(tmp_path_factory.mktemp("placed"), {"workLimit": 5, "seed": 0})


def _inventory(document: dict[str, Any]) -> dict[str, Any]:
    stack = resources(document, "pulumi:pulumi:Stack")[0]
    inventory: dict[str, Any] = stack["outputs"]["inventory"]
    return inventory


def test_every_host_gets_the_planned_chassis_and_blade(placed: dict[str, Any]) -> None:
    hosts = _inventory(placed)["hosts"]
    assert all(host["blade"] is not None and host["blade"].startswith(host["failure_domain"]) for host in hosts)
    replicas: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for host in hosts:
        replicas[host["group"]].append((host["failure_domain"], host["blade"]))
    for group, where in replicas.items():
        if len(where) > 1 and group != "juki/batch":
            assert len({chassis for chassis, _ in where}) == len(where), f"{group} shares a chassis"
            assert len({blade for _, blade in where}) == len(where), f"{group} shares a blade"


def test_instances_take_the_zone_of_their_planned_chassis(placed: dict[str, Any]) -> None:
    zones = {"c1": "az-c1", "c2": "az-c2", "c3": "c3"}
    instances = by_name(placed, "openstack:compute/instance:Instance")
    for host in _inventory(placed)["hosts"]:
        inputs = instances[host["name"]]["inputs"]
        assert inputs["availabilityZone"] == zones[host["failure_domain"]]
        assert inputs["metadata"]["kiban-blade"] == host["blade"]


def test_hardware_pool_reports_the_sizes_to_buy(placed: dict[str, Any]) -> None:
    pool = resources(placed, "kiban:compute:HardwarePool")[0]["outputs"]["placement"]
    used = {host["blade"] for host in _inventory(placed)["hosts"]}
    assert pool["blades_used"] == len(used)
    assert pool["lower_bound"] <= pool["blades_used"] <= pool["first_fit"]
    assert set(pool["blades"]) == used


def test_placement_can_be_switched_off(tmp_path: Path) -> None:
    document = _render(tmp_path, {"enabled": False})
    hosts = _inventory(document)["hosts"]
    assert all(host["blade"] is None for host in hosts)
    assert "placement" not in resources(document, "kiban:compute:HardwarePool")[0]["outputs"]
    app_replicas = [host["failure_domain"] for host in hosts if host["group"] == "juki/app"]
    assert app_replicas == ["c1", "c2", "c3"], "replica i on chassis i mod n"


@pytest.mark.parametrize(
    ("raw", "message"),
    [({"timeLimit": 0}, "timeLimit"), ({"seeds": 1}, "seeds"), ([1], "must be a mapping")],
)
def test_bad_placement_settings_are_named(raw: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        placement_settings(raw)
    assert placement_settings({"enabled": False}).plan_options() is None


def test_render_summary_shows_the_placement(tmp_path: Path) -> None:
    spec = write_tiny_city(tmp_path)
    result = runner.invoke(
        app, ["render", "--spec", str(spec), "--target", "openstack", "--out", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 0, result.stderr
    assert "placement: " in result.stdout and " blades on 3 chassis" in result.stdout


def test_render_refuses_bad_placement_settings_before_running(tmp_path: Path) -> None:
    stack = tiny_stack(write_tiny_city(tmp_path))
    stack.config[f"{stack.project}:placement"] = json.dumps({"timeLimit": -1})
    with pytest.raises(RenderError, match=r"kiban:placement\.timeLimit"):
        check_stack(PROJECT_DIR, stack)


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plan")
    out = folder / "plan.json"
    result = runner.invoke(
        app, ["plan", str(write_tiny_city(folder)), "--format", "json", "--out", str(out), "--work-limit", "5"]
    )
    assert result.exit_code == 0, result.stderr
    return out


def _with_plan_file(folder: Path, plan: Path, spec_text: str | None = None) -> Any:
    spec = write_tiny_city(folder)
    if spec_text is not None:
        spec.write_text(spec_text, encoding="utf-8")
    stack = tiny_stack(spec)
    stack.config[f"{stack.project}:placement"] = json.dumps({"planFile": str(plan)})
    return stack


def test_a_plan_file_fixes_every_placement(tmp_path: Path, tiny_plan: Path) -> None:
    planned = {p["vm"]: (p["chassis"], p["blade"]) for p in json.loads(tiny_plan.read_text())["placements"]}
    document = render(_with_plan_file(tmp_path, tiny_plan))
    hosts = _inventory(document)["hosts"]
    assert {host["name"]: (host["failure_domain"], host["blade"]) for host in hosts} == planned


def test_a_plan_the_spec_has_outgrown_is_refused(tmp_path: Path, tiny_plan: Path) -> None:
    from tests.rendering import TINY_CITY

    grown = TINY_CITY.replace(
        "app: {replicas: 2, vcpu: 4, ram_gb: 8, disk: {tier: fast, size_gb: 60}}\n  - id: zaimu",
        "app: {replicas: 3, vcpu: 4, ram_gb: 8, disk: {tier: fast, size_gb: 60}}\n  - id: zaimu",
    )
    assert grown != TINY_CITY
    with pytest.raises(SpecError) as raised:
        check_stack(PROJECT_DIR, _with_plan_file(tmp_path, tiny_plan, grown))
    message = str(raised.value)
    assert f"{tiny_plan}: placements: placed: kyuyo-app-3: not placed on any blade" in message
    assert "stale plan: 1 VMs of the spec are not in it (kyuyo-app-3); run `kiban plan" in message
    assert f"--previous {tiny_plan} --format json --out {tiny_plan}` and review the moves" in message


def test_a_plan_file_breaking_anti_affinity_is_refused(tmp_path: Path, tiny_plan: Path) -> None:
    document = json.loads(tiny_plan.read_text())
    first, second = (p for p in document["placements"] if p["vm"] in ("juki-app-1", "juki-app-2"))
    second["chassis"], second["blade"] = first["chassis"], first["blade"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SpecError, match="distinct_chassis: juki/app: juki-app-1 and juki-app-2 are both on"):
        check_stack(PROJECT_DIR, _with_plan_file(tmp_path, broken))


@pytest.mark.parametrize(("content", "message"), [("{", "not a kiban plan"), ("[]", "expected 'placements'")])
def test_a_plan_file_that_is_not_a_plan_is_refused(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(SpecError, match=message):
        check_stack(PROJECT_DIR, _with_plan_file(tmp_path, bad))


def test_the_sample_plan_file_fits_the_sample_spec() -> None:
    """plans/sample-city.json is what the sample stacks deploy; it must keep fitting specs/sample-city.yaml."""
    from kiban_platform.placement.fleet import load_plan_file
    from kiban_platform.spec.load import load_spec
    from tests.conftest import REPO, SAMPLE_SPEC

    fleet = load_plan_file(REPO / "plans" / "sample-city.json", load_spec(SAMPLE_SPEC))
    assert fleet.sizing["blades_used"] == len(fleet.sizing["blades"])
