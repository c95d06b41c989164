"""kiban installs like a tool: the wheel, installed into a fresh virtualenv, works in an empty folder and in
a project made by `kiban init`, with no checkout in sight."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WORK_LIMIT = "2"  # reference seconds of solver work: enough for the starting city, and quick


def _run(command: list[str], cwd: Path, env: dict[str, str], expect: tuple[int, ...] = (0,)) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800, check=False)
    assert result.returncode in expect, f"{command}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh virtualenv with kiban from its wheel; its dependencies are read from this environment's."""
    scratch = tmp_path_factory.mktemp("wheel")
    wheels = scratch / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(REPO)],
        scratch,
        dict(os.environ),
    )
    (wheel,) = wheels.glob("kiban-*.whl")
    venv = scratch / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], scratch, dict(os.environ))
    python = venv / "bin" / "python"
    site = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], scratch, {}).strip()
    )
    # This environment's packages (Pulumi, the providers, OR-Tools) as a plain path entry: its .pth files,
    # among them the editable install of the checkout, are not processed, so kiban can only come from the wheel.
    (site / "kiban-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    env = {"PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "HOME": str(scratch), "LANG": "C.UTF-8"}
    _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)], scratch, env)
    return venv, env


@pytest.mark.slow
def test_the_wheel_works_in_an_empty_folder_and_in_a_new_project(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    venv, env = installed
    kiban = str(venv / "bin" / "kiban")
    where = _run([str(venv / "bin" / "python"), "-c", "import kiban; print(kiban.__file__)"], tmp_path, env)
    assert Path(where.strip()).is_relative_to(venv), where
    assert not Path(where.strip()).is_relative_to(REPO), where

    empty = tmp_path / "empty"
    empty.mkdir()
    spec = empty / "city.yaml"
    spec.write_text((REPO / "kiban" / "scaffold" / "specs" / "city.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert "valid" in _run([kiban, "validate", "city.yaml"], empty, env)
    _run([kiban, "plan", "city.yaml", "--format", "json", "--out", "plan.json", "--work-limit", WORK_LIMIT], empty, env)
    assert json.loads((empty / "plan.json").read_text(encoding="utf-8"))["placements"]
    rendered = _run(
        [kiban, "render", "--spec", "city.yaml", "--target", "openstack", "--out", "state.json"], empty, env
    )
    assert "resources" in rendered
    _run([kiban, "diff", "state.json", "state.json"], empty, env)
    _run([kiban, "audit", "state.json", "--fail-on", "none"], empty, env)
    _run([kiban, "inventory", "state.json", "--out", "hosts.yaml"], empty, env)
    assert (empty / "hosts.yaml").read_text(encoding="utf-8").strip()
    # The report's page template travels in the wheel.
    _run([kiban, "report", "state.json", "--spec", "city.yaml", "--out", "report.html", "--quiet"], empty, env)
    assert '<section id="businesses">' in (empty / "report.html").read_text(encoding="utf-8")
    # --stack needs a project: refused with the way to make one, not a traceback.
    result = subprocess.run(
        [kiban, "render", "--stack", "city", "--out", "x.json"], cwd=empty, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2 and "kiban init" in result.stderr and "Traceback" not in result.stderr
    assert not (empty / "x.json").exists()

    _run([kiban, "init", "project"], tmp_path, env)
    project = tmp_path / "project"
    assert (project / "__main__.py").read_text(encoding="utf-8") == (REPO / "__main__.py").read_text(encoding="utf-8")
    plan = ["plan", "specs/city.yaml", "--format", "json", "--out", "plans/city.json", "--work-limit", WORK_LIMIT]
    _run([kiban, *plan], project, env)
    # From a folder inside the project, as pulumi finds its project.
    (project / "specs" / "drafts").mkdir()
    out = _run([kiban, "render", "--stack", "city-openstack", "--out", "state.json"], project / "specs" / "drafts", env)
    assert out.startswith("city-openstack: ") and "placement: " in out
    state = json.loads((project / "specs" / "drafts" / "state.json").read_text(encoding="utf-8"))
    urns = [resource["urn"] for resource in state["deployment"]["resources"]]
    assert "urn:pulumi:city-openstack::kiban::kiban:platform:SharedPlatform::platform" in urns
