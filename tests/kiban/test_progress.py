"""Progress of long work: on stderr when it is a terminal, never with --quiet, never in stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

import kiban.cli.progress
from kiban.cli import app
from kiban.lab import session
from kiban.lab.topology import LabTopology
from tests.conftest import SMALL_CITY

runner = CliRunner()


@pytest.fixture
def small_city(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_CITY, encoding="utf-8")
    return path


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stderr as a terminal: the display is drawn where the command's stderr goes."""
    monkeypatch.setattr(
        kiban.cli.progress, "stderr_console", lambda: Console(stderr=True, force_terminal=True, width=120)
    )


def _plan(spec: Path, *extra: str) -> Any:
    return runner.invoke(app, ["plan", str(spec), "--work-limit", "0.1", "--format", "json", *extra])


def test_no_progress_when_stderr_is_not_a_terminal(small_city: Path) -> None:
    result = _plan(small_city)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "" and json.loads(result.stdout)["placements"]


@pytest.mark.usefixtures("terminal")
def test_progress_on_a_terminal_goes_to_stderr_and_leaves_json_alone(small_city: Path) -> None:
    result = _plan(small_city)
    assert result.exit_code == 0, result.stderr
    assert "placing VMs on blades" in result.stderr
    assert "placing" not in result.stdout and json.loads(result.stdout)["placements"]


@pytest.mark.usefixtures("terminal")
def test_quiet_silences_it_on_a_terminal(small_city: Path) -> None:
    result = _plan(small_city, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.usefixtures("terminal")
def test_a_render_counts_its_resources(small_city: Path, tmp_path: Path) -> None:
    out = tmp_path / "state.json"
    result = runner.invoke(app, ["render", "--spec", str(small_city), "--target", "openstack", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    total = len(json.loads(out.read_text(encoding="utf-8"))["deployment"]["resources"])
    # The display's last frame: the step and how many resources, erased from the terminal afterwards.
    assert "writing the state" in result.stderr and "resources" in result.stderr
    assert result.stdout.startswith(f"small-openstack: {total} resources\n")
    assert "writing the state" not in result.stdout


@pytest.mark.usefixtures("terminal")
def test_lab_up_shows_the_labs_steps(small_city: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def up(spec: Path, progress: Any, ssh: bool) -> tuple[LabTopology, Path]:
        assert not ssh, "the rehearsal only with --ssh"
        progress("wiring hosts", 3, 7)
        return LabTopology("k-router", (), (), ()), Path("inventory.yaml")

    monkeypatch.setattr(session, "up_lab", up)
    result = runner.invoke(app, ["lab", "up", str(small_city)])
    assert result.exit_code == 0, result.output
    assert "wiring hosts" in result.stderr and "3/7" in result.stderr
    assert result.stdout.startswith("lab up: ")
    assert "wiring" not in runner.invoke(app, ["lab", "up", str(small_city), "--quiet"]).stderr


@pytest.mark.parametrize(("shown", "counting"), [(True, ["-o", "console_output_style=count"]), (False, [])])
def test_lab_verify_asks_pytest_to_count_checks_only_on_a_terminal(
    small_city: Path, monkeypatch: pytest.MonkeyPatch, shown: bool, counting: list[str]
) -> None:
    if shown:
        monkeypatch.setattr(kiban.cli.progress, "stderr_console", lambda: Console(stderr=True, force_terminal=True))
    asked: list[list[str]] = []

    def run_suite(inventory: Path, args: list[str]) -> int:
        asked.append(args)
        return 0

    monkeypatch.setattr(session, "ready_inventory", lambda spec, progress: Path("inventory.yaml"))
    monkeypatch.setattr("kiban.verify.run.run_suite", run_suite)
    result = runner.invoke(app, ["lab", "verify", str(small_city), "-x"])
    assert result.exit_code == 0, result.output
    assert asked == [[*counting, "-x"]]
