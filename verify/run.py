"""Run the shipped testinfra suite against an Ansible inventory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SUITE = Path(__file__).resolve().parent / "suite"


def run_suite(inventory: Path, pytest_args: list[str] | None = None) -> int:
    """pytest's exit status: 0 all passed, 1 something failed."""
    command = [
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
    return subprocess.run(command, check=False, cwd=SUITE.parent.parent).returncode
