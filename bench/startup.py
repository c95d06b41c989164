"""bench/startup: what the command line costs before it does any work.

One run prints, each the median of --repeat fresh processes, all measured in the same run:
- floor: ``python -c pass``, the interpreter alone (what no command can go below);
- import: ``python -c "import kiban.cli"``, the command line's own imports;
- help: ``kiban --help``;
- diff: ``kiban diff A B --format json`` on two small state files (three resources, one changed),
  so the figure is the imports and start-up of a real command, not the comparing;
and, from ``python -X importtime -c "import kiban.cli"`` (one run), the import time in
microseconds of the whole command line and of the heavy packages it must not load at start
(the spec model, the catalogue, pydantic, OR-Tools, Pulumi, jinja2): 0 means not imported.

Run: .venv/bin/python bench/startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PYTHON = sys.executable
KIBAN = str(Path(sys.executable).with_name("kiban"))
# Packages and modules that `import kiban.cli` should leave to the command that needs them.
HEAVY = (
    "kiban.cli",
    "kiban_platform.spec.model",
    "kiban_platform.spec.catalogue",
    "pydantic",
    "ortools",
    "pulumi",
    "jinja2",
    "rich",
)


def _state(port: int) -> dict[str, Any]:
    """A tiny version-3 export: the stack, a provider and one security group rule on ``port``."""
    stack = "urn:pulumi:bench::kiban::pulumi:pulumi:Stack::kiban-bench"
    provider = "urn:pulumi:bench::kiban::pulumi:providers:openstack::default"
    rule = "urn:pulumi:bench::kiban::openstack:networking/secGroupRule:SecGroupRule::web-in"
    inputs = {"direction": "ingress", "protocol": "tcp", "portRangeMin": port, "portRangeMax": port}
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "1970-01-01T00:00:00Z", "magic": "", "version": "v3"},
            "resources": [
                {"urn": stack, "custom": False, "type": "pulumi:pulumi:Stack"},
                {"urn": provider, "custom": True, "id": "p", "type": "pulumi:providers:openstack"},
                {
                    "urn": rule,
                    "custom": True,
                    "id": "r",
                    "type": "openstack:networking/secGroupRule:SecGroupRule",
                    "parent": stack,
                    "provider": f"{provider}::p",
                    "inputs": inputs,
                    "outputs": inputs,
                },
            ],
        },
    }


def _seconds(command: list[str], repeat: int, accept: tuple[int, ...] = (0,)) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        # In an empty folder, so the installed kiban is measured, not a checkout found on the path.
        result = subprocess.run(command, capture_output=True, check=False, cwd=tempfile.gettempdir())
        times.append(time.perf_counter() - start)
        if result.returncode not in accept:
            raise SystemExit(f"{' '.join(command)}: exit {result.returncode}\n{result.stderr.decode()}")
    return statistics.median(times)


def _import_times() -> dict[str, int]:
    """Cumulative import microseconds of each HEAVY name, 0 when it was never imported."""
    result = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", "import kiban.cli"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    found = dict.fromkeys(HEAVY, 0)
    for line in result.stderr.splitlines():
        fields = [part.strip() for part in line.removeprefix("import time:").split("|")]
        if len(fields) == 3 and fields[2] in found and fields[1].isdigit():
            found[fields[2]] = int(fields[1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="processes per figure (the median is printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        old, new = Path(folder) / "old.json", Path(folder) / "new.json"
        old.write_text(json.dumps(_state(443)), encoding="utf-8")
        new.write_text(json.dumps(_state(8443)), encoding="utf-8")
        figures = {
            "floor (python -c pass)": _seconds([PYTHON, "-c", "pass"], args.repeat),
            "import kiban.cli": _seconds([PYTHON, "-c", "import kiban.cli"], args.repeat),
            "kiban --help": _seconds([KIBAN, "--help"], args.repeat),
            # diff exits 1 (changes) or 3 (a finding at or above high): both are a diff that ran.
            "kiban diff A B": _seconds(
                [KIBAN, "diff", str(old), str(new), "--format", "json"], args.repeat, accept=(0, 1, 3)
            ),
        }
    floor = figures["floor (python -c pass)"]
    print(f"startup, median of {args.repeat} processes (seconds; above floor in brackets)")
    for name, seconds in figures.items():
        print(f"  {name:<24} {seconds:6.3f}" + ("" if seconds is floor else f"  (+{seconds - floor:.3f})"))
    print("python -X importtime -c 'import kiban.cli' (cumulative ms; 0 = not imported)")
    for name, micros in _import_times().items():
        print(f"  {name:<32} {micros / 1000:8.1f}")


if __name__ == "__main__":
    main()
