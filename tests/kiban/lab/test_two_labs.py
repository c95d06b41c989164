"""Two specs' labs up at once on this machine (root): each keeps its own names, and down removes only its own."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kiban.lab import session
from kiban.lab.build import LabFiles, lab_is_up
from kiban.lab.topology import LabTopology
from tests.conftest import SMALL_CITY

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0 or shutil.which("nft") is None or shutil.which("ip") is None,
        reason="the lab needs root, iproute2 and nftables (CI runs as root)",
    ),
]


def _namespaces() -> set[str]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in listed.splitlines() if line.strip()}


def _links() -> set[str]:
    listed = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in listed.splitlines()}


def _running(topology: LabTopology, state: Path) -> bool:
    made = set(topology.namespaces) <= _namespaces() and set(topology.links) <= _links()
    return made and lab_is_up(topology, LabFiles(state))


def test_two_labs_run_side_by_side_and_down_removes_only_its_own(tmp_path: Path) -> None:
    specs = [tmp_path / "one" / "city.yaml", tmp_path / "two" / "city.yaml", tmp_path / "never" / "city.yaml"]
    for spec in specs:
        spec.parent.mkdir()
        spec.write_text(SMALL_CITY, encoding="utf-8")  # one content, three paths: three labs
    one, two, never = specs
    root = tmp_path / "state"
    states = {spec: session.lab_state(spec, root) for spec in specs}
    try:
        first, _ = session.up(one, states[one])
        second, _ = session.up(two, states[two])
        assert not set(first.namespaces) & set(second.namespaces)
        assert _running(first, states[one]) and _running(second, states[two])

        assert session.down(never, states[never]) == [], "a spec never brought up removes nothing"
        assert _running(first, states[one]) and _running(second, states[two])

        assert session.verify(two, states[two], ["-q", "-x", "-k", "test_connection"]) == 0
        removed = session.down(one, states[one])
        assert "listener" in removed and f"netns {first.router}" in removed
        assert not set(first.namespaces) & _namespaces() and not set(first.links) & _links()
        assert _running(second, states[two]), "the other lab is untouched"
        assert all(second.router not in item for item in removed)
        assert session.verify(two, states[two], ["-q", "-x", "-k", "test_connection"]) == 0
    finally:
        for spec in specs:
            session.down(spec, states[spec])
    assert not (set(first.namespaces) | set(second.namespaces)) & _namespaces()
