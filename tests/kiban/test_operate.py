"""`kiban lab` answers bad input and a lab that is not up with a reason and exit 2."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kiban.cli import app
from tests.conftest import REPO, SAMPLE_SPEC, SMALL_CITY

runner = CliRunner()


def test_lab_with_a_missing_spec_exits_2(tmp_path: Path) -> None:
    for command in ("up", "verify", "down"):
        result = runner.invoke(app, ["lab", command, str(tmp_path / "none.yaml")])
        assert result.exit_code == 2, command
        assert f"{tmp_path / 'none.yaml'}: (top level): file not found" in result.stderr


def test_lab_verify_before_up_exits_2() -> None:
    # The sample's lab ("kb" names) is not up while the tests run: CI builds it only after them.
    result = runner.invoke(app, ["lab", "verify", str(SAMPLE_SPEC)])
    assert result.exit_code == 2
    assert "is not up: run 'kiban lab up" in result.stderr


def test_lab_down_of_a_spec_never_brought_up_removes_nothing(tmp_path: Path) -> None:
    spec = tmp_path / "city.yaml"
    spec.write_text(SAMPLE_SPEC.read_text(encoding="utf-8"), encoding="utf-8")
    for options in ([], ["--quiet"]):
        result = runner.invoke(app, ["lab", "down", *options, str(spec)])
        assert result.exit_code == 0, result.output
        assert f"lab down: no lab of {spec} is up; nothing removed" in result.stdout


def test_every_lab_command_takes_quiet(tmp_path: Path) -> None:
    for command in ("up", "verify", "down"):
        result = runner.invoke(app, ["lab", command, "--quiet", str(tmp_path / "none.yaml")])
        assert result.exit_code == 2, command
        assert "No such option" not in result.stderr and "file not found" in result.stderr


def test_lab_up_ssh_needs_a_management_section_and_one_site(tmp_path: Path) -> None:
    spec = tmp_path / "city.yaml"
    spec.write_text(SMALL_CITY, encoding="utf-8")
    result = runner.invoke(app, ["lab", "up", "--ssh", "--quiet", str(spec)])
    assert result.exit_code == 2
    assert f"lab: {spec} has no management section: --ssh needs its user and SSH port" in result.stderr
    hybrid = REPO / "specs" / "sample-hybrid.yaml"
    result = runner.invoke(app, ["lab", "up", "--ssh", "--quiet", str(hybrid)])
    assert result.exit_code == 2
    assert "has sites: --ssh rehearses a single-site spec only" in result.stderr
