"""`kiban audit`: a state, a stack or a spec; waivers; every format; exit 0/2/3."""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from kiban.cli import app
from tests.conftest import SMALL_CITY
from tests.kiban.audit.builders import Export, ingress, kiban_city, security_group

runner = CliRunner()


def state(tmp_path: Path, prefix: str) -> Path:
    export = Export()
    areas = kiban_city(export)
    security_group(export, areas["secure"], "juki-app", [ingress("juki-app-in", prefix, 22)])
    return export.write(tmp_path / "state.json")


def waivers(tmp_path: Path, expires: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(
        "waivers:\n"
        f"  - {{rule: KB-NET-001, resource: '*::juki-app-in', justification: jump host, expires: {expires}}}\n"
        f"  - {{rule: KB-NET-002, resource: '*::juki-app-in', justification: jump host, expires: {expires}}}\n",
        encoding="utf-8",
    )
    return path


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["audit", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_clean_exits_0(tmp_path: Path) -> None:
    code, out, _ = invoke(state(tmp_path, "10.10.5.0/24"))
    assert code == 0 and "0 findings" in out and "No findings." in out


def test_failures_exit_3_unless_waived(tmp_path: Path) -> None:
    path = state(tmp_path, "0.0.0.0/0")
    code, out, _ = invoke(path, "-f", "json")
    assert code == 3
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["KB-NET-001", "KB-NET-001", "KB-NET-001", "KB-NET-002"]
    assert invoke(path, "--fail-on", "none")[0] == 0
    assert invoke(path, "--waivers", waivers(tmp_path, "2099-12-31"))[0] == 0
    code, out, _ = invoke(path, "--waivers", waivers(tmp_path, "2020-01-31"), "-f", "markdown")
    assert code == 3
    assert (
        "| 🟠 high | KB-WAIVER-001 | - | waiver 1 (KB-NET-001 *::juki-app-in) expired on 2020-01-31: jump host |" in out
    )


def test_every_format_and_the_waivers_file_in_sarif(tmp_path: Path) -> None:
    path = state(tmp_path, "0.0.0.0/0")
    file = waivers(tmp_path, "2020-01-31")
    sarif = json.loads(invoke(path, "-w", file, "-f", "sarif")[1])
    expired = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "KB-WAIVER-001"]
    assert expired[0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": Path(os.path.relpath(file)).as_posix(),
        "uriBaseId": "%SRCROOT%",
    }
    text = invoke(path)[1]
    assert "KB-NET-002" in text and "Rules" in text


def test_bad_input_exits_2(tmp_path: Path) -> None:
    path = state(tmp_path, "10.10.5.0/24")
    bad = tmp_path / "bad.yaml"
    bad.write_text("waivers:\n  - {rule: KB-NET-001}\n", encoding="utf-8")
    code, _, err = invoke(path, "--waivers", bad)
    assert code == 2
    assert err.splitlines() == [
        f"{bad}: waivers[0].resource: missing (line 2)",
        f"{bad}: waivers[0].justification: missing (line 2)",
        f"{bad}: waivers[0].expires: missing (line 2)",
    ]
    assert (
        invoke(path, "--stack", "x")[2]
        == "audit: give one of a state file, --stack NAME or --spec FILE --target TARGET\n"
    )
    assert invoke(tmp_path / "none.json")[2] == f"{tmp_path / 'none.json'}: (top level): file not found\n"


def test_a_spec_rendered_on_the_fly(tmp_path: Path) -> None:
    spec = tmp_path / "city.yaml"
    spec.write_text(SMALL_CITY, encoding="utf-8")
    code, out, _ = invoke("--spec", spec, "--target", "openstack", "-f", "json")
    assert code == 0
    report = json.loads(out)
    assert report["stack"] == {"source": f"spec {spec} (openstack)", "resources": 295}
    assert {rule["id"]: rule["failed"] for rule in report["rules"]} == dict.fromkeys(
        [r["id"] for r in report["rules"]], 0
    )
