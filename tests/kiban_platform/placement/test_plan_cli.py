import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from kiban.cli import app
from tests.conftest import SAMPLE_SPEC
from tests.kiban_platform.placement.builders import blade, business, chassis, spec_data, tier

runner = CliRunner()


def _write(tmp_path, data) -> str:
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def _small(tmp_path) -> str:
    return _write(tmp_path, spec_data(chassis(2, 2), [business("tax", 1, {"app": tier(2)}, peak_months=[3])]))


def test_plan_the_sample_city_as_json_meets_the_issue_targets():
    result = runner.invoke(app, ["plan", str(SAMPLE_SPEC), "--format", "json", "--work-limit", "3"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    summary = document["summary"]
    assert len(document["placements"]) == 210  # 204 VMs of businesses and middleware, 6 bastions
    assert summary["blades_used"] <= summary["first_fit"]
    assert summary["blades_used"] <= 0.7 * summary["dedicated_baseline"]
    assert summary["lower_bound"] <= summary["blades_used"]
    assert summary["survival"]["survives_any_chassis_loss"] is True


def test_plan_prints_a_table_by_default_and_csv_on_request(tmp_path):
    spec = _small(tmp_path)
    table = runner.invoke(app, ["plan", spec, "--work-limit", "1"])
    assert table.exit_code == 0 and "blades used" in table.stdout
    csv_out = runner.invoke(app, ["plan", spec, "--format", "csv", "--work-limit", "1"])
    assert csv_out.exit_code == 0
    assert csv_out.stdout.splitlines()[0] == "vm,business,role,tier,replica,chassis,blade,vcpu,ram_gb,disk_gb,disk_tier"
    assert len(csv_out.stdout.splitlines()) == 3


def test_plan_out_writes_the_file(tmp_path):
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", _small(tmp_path), "--format", "json", "--out", str(out), "--work-limit", "1"])
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["blades_used"] == 2


def test_same_seed_same_output_through_the_command(tmp_path):
    spec = _small(tmp_path)
    runs = [runner.invoke(app, ["plan", spec, "-f", "json", "--seed", "11", "--work-limit", "1"]) for _ in range(2)]
    assert runs[0].exit_code == 0 and runs[0].stdout == runs[1].stdout


def test_not_enough_blades_exits_2_with_a_located_error_and_its_line(tmp_path):
    data = spec_data(
        [{"id": "c1", "blades": [blade(f"c1-b{i}") for i in range(1, 4)]}, {"id": "c2", "blades": [blade("c2-b1")]}],
        [business("aa", 1, {"app": tier(2, ram_gb=40)}), business("bb", 2, {"app": tier(2, ram_gb=40)})],
    )
    spec = _write(tmp_path, data)
    result = runner.invoke(app, ["plan", spec, "--work-limit", "1"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{spec}: failure_domains.chassis: not enough blades: CP-SAT proved")
    lines = Path(spec).read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if text.strip() == "chassis:")
    assert result.stderr.rstrip().endswith(f"(line {line})")


def test_an_invalid_spec_exits_2_before_planning(tmp_path):
    data = spec_data(chassis(2, 1), [business("aa", 1, {"app": tier(3)})])
    spec = _write(tmp_path, data)
    result = runner.invoke(app, ["plan", spec])
    assert result.exit_code == 2
    assert f"{spec}: businesses[0].tiers.app.replicas:" in result.stderr
