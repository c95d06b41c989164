"""Run the shipped testinfra suite against an Ansible inventory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from kiban.verify.schema import ansible_inventory_problems
from kiban_platform.spec.problems import SpecError, with_lines
from kiban_platform.spec.source import read_yaml

SUITE = Path(__file__).resolve().parent / "suite"


def check_inventory(inventory: Path) -> dict[str, Any]:
    """The Ansible inventory the suite can run on; SpecError (FILE: path: message) when it is not one."""
    source = read_yaml(inventory, "Ansible inventory")
    problems = ansible_inventory_problems(source.data)
    if problems:
        raise SpecError(inventory, with_lines(problems, source.lines))
    document: dict[str, Any] = source.data
    return document


def suite_command(inventory: Path, pytest_args: list[str] | None = None) -> list[str]:
    """pytest's command line: kiban's inventory, then the operator's own arguments, untouched and last.

    testinfra's options (--hosts, --connection, --ansible-inventory, --ssh-config, --sudo, ...)
    pass through as written; the suite honours them (see ``verify.connect``).
    """
    return [
        sys.executable,
        "-m",
        "pytest",
        str(SUITE),
        "--kiban-inventory",
        str(inventory),
        "-p",
        "no:cacheprovider",
        "-q",
        *(pytest_args or []),
    ]


def run_suite(inventory: Path, pytest_args: list[str] | None = None) -> int:
    """pytest's exit status: 0 all passed, 1 something failed."""
    return subprocess.run(suite_command(inventory, pytest_args), check=False, cwd=SUITE.parents[2]).returncode
