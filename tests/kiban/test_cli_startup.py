"""Starting the command line loads only what listing the commands needs (bench/startup.py has the figures)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kiban.cli import plan
from kiban_platform.placement import options

# What a command loads when it runs, never when the command line starts.
HEAVY = (
    "ortools",
    "pulumi",
    "pydantic",
    "jinja2",
    "rich",
    "kiban_platform.spec.catalogue",
    "kiban_platform.spec.model",
)


def _loaded_after(code: str) -> list[str]:
    """The HEAVY modules in sys.modules after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    modules = json.loads(result.stdout.splitlines()[-1])
    return sorted({heavy for heavy in HEAVY for name in modules if name == heavy or name.startswith(f"{heavy}.")})


def test_importing_the_command_line_loads_none_of_the_heavy_packages() -> None:
    assert _loaded_after("import kiban.cli") == []


@pytest.mark.parametrize("command", ["validate", "render", "diff", "plan"])
def test_building_every_command_loads_none_of_them(command: str) -> None:
    """Typer builds each command's options to show help; that must not load what the commands run on."""
    code = f"import typer.main, kiban.cli\ntyper.main.get_command(kiban.cli.app).get_command(None, {command!r})"
    assert _loaded_after(code) == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The check above can fail: a command module that loads the spec model at import is caught."""
    loaded = _loaded_after("import kiban.cli, kiban_platform.spec.load")
    assert {"kiban_platform.spec.model", "pydantic"} <= set(loaded)


def test_the_plan_commands_defaults_are_the_planners() -> None:
    assert (plan.DEFAULT_WORK_LIMIT, plan.DEFAULT_TIME_LIMIT, plan.DEFAULT_SEED) == (
        options.DEFAULT_WORK_LIMIT,
        options.DEFAULT_TIME_LIMIT,
        options.DEFAULT_SEED,
    )
