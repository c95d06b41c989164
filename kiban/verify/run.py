"""Run the shipped testinfra suite against an Ansible inventory."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kiban.verify.schema import ansible_inventory_problems
from kiban_platform.spec.problems import SpecError, with_lines
from kiban_platform.spec.source import read_yaml

SUITE = Path(__file__).resolve().parent / "suite"

# testinfra's options that take a value. pytest's parser reads a separate value that starts with "-"
# ("--ssh-extra-args", "-o ConnectTimeout=5") as another option, so kiban hands such a pair on as the one
# word "--ssh-extra-args=-o ConnectTimeout=5", which pytest reads as the same option with the same value.
TESTINFRA_VALUE_OPTIONS = frozenset(
    {
        "--hosts",
        "--connection",
        "--ansible-inventory",
        "--ssh-config",
        "--ssh-identity-file",
        "--ssh-extra-args",
        "--sudo-user",
    }
)


def check_inventory(inventory: Path) -> dict[str, Any]:
    """The Ansible inventory the suite can run on; SpecError (FILE: path: message) when it is not one."""
    source = read_yaml(inventory, "Ansible inventory")
    problems = ansible_inventory_problems(source.data)
    if problems:
        raise SpecError(inventory, with_lines(problems, source.lines))
    document: dict[str, Any] = source.data
    return document


def with_values_attached(arguments: Sequence[str]) -> list[str]:
    """The operator's arguments, each testinfra option joined to its value (``--ssh-extra-args=-o X=5``)."""
    joined: list[str] = []
    waiting = False
    for argument in arguments:
        if waiting:
            joined[-1] = f"{joined[-1]}={argument}"
            waiting = False
        else:
            joined.append(argument)
            waiting = argument in TESTINFRA_VALUE_OPTIONS
    return joined


def suite_command(inventory: Path, pytest_args: Sequence[str] | None = None, area: str | None = None) -> list[str]:
    """pytest's command line: kiban's inventory (and area), then the operator's own arguments, last.

    testinfra's options (--hosts, --connection, --ansible-inventory, --ssh-config, --sudo, ...)
    pass through with their values as written; the suite honours them (see ``verify.connect``).
    ``-P``: the caller's folder, where pytest runs, is not put on the import path (a ``yaml.py``
    there must not stand in for PyYAML).
    """
    return [
        sys.executable,
        "-P",
        "-m",
        "pytest",
        str(SUITE),
        "--kiban-inventory",
        str(inventory.absolute()),
        *(["--kiban-area", area] if area is not None else []),
        "-p",
        "no:cacheprovider",
        "-q",
        *with_values_attached(pytest_args or []),
    ]


def suite_environment(environment: dict[str, str] | None = None) -> dict[str, str]:
    """The environment pytest runs in: the tools beside kiban's interpreter first on PATH.

    testinfra's Ansible backend runs ``ansible-inventory`` and ``ansible`` by name; they come with
    ansible-core in kiban's own environment, which need not be on the operator's PATH
    (``/opt/kiban/.venv/bin/kiban verify ...``). The interpreter's folder is taken as it is named,
    not resolved: a virtualenv's ``python`` is a link to the system's.
    """
    found = dict(os.environ if environment is None else environment)
    tools = str(Path(sys.executable).parent)
    found["PATH"] = os.pathsep.join([tools, *(part for part in found.get("PATH", "").split(os.pathsep) if part)])
    return found


def run_suite(inventory: Path, pytest_args: Sequence[str] | None = None, area: str | None = None) -> int:
    """pytest's exit status: 0 all passed, 1 something failed.

    pytest runs in the caller's folder, so every relative path the operator gives (``--ansible-inventory``,
    ``--ssh-config``, ``--junitxml``, an ``-F`` inside ``--ssh-extra-args``) means what it means to them.
    """
    command = suite_command(inventory, pytest_args, area)
    return subprocess.run(command, check=False, cwd=Path.cwd(), env=suite_environment()).returncode
