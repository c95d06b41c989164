"""The lab round trip on this machine (root): up, up again, verify, an opened path caught, down."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiban.lab import session
from kiban.lab.build import LabFiles, lab_is_up
from kiban.lab.topology import LabTopology
from kiban.verify.run import run_suite
from tests.conftest import SMALL_CITY

PREFIX = "kt"  # not the CLI's "kb": a lab someone left up is never touched by the tests

pytestmark = [
    pytest.mark.slow,  # namespaces, bridges and a testinfra run: CI's `pytest -m slow`
    pytest.mark.skipif(
        os.geteuid() != 0 or shutil.which("nft") is None or shutil.which("ip") is None,
        reason="the lab needs root, iproute2 and nftables (CI runs as root)",
    ),
]

WITH_OUTSIDE = """
  - id: filings
    from: {external: eLTAX, area: office, cidr: 192.0.2.0/26}
    to: {middleware: integration_hub, area: secure}
    ports: [443]
    purpose: 特定通信
"""


def _namespaces() -> set[str]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in listed.splitlines() if line.strip()}


def _links() -> set[str]:
    listed = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in listed.splitlines()}


def _nft(namespace: str, *arguments: str) -> str:
    command = ["ip", "netns", "exec", namespace, "nft", *arguments]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, LabTopology]]:
    folder = tmp_path_factory.mktemp("lab")
    spec = folder / "city.yaml"
    spec.write_text(SMALL_CITY + WITH_OUTSIDE, encoding="utf-8")
    state = folder / "state"
    try:
        topology, _ = session.up(spec, state, PREFIX)
        yield spec, state, topology
    finally:
        session.down(spec, state, PREFIX)


def test_up_builds_every_namespace_and_the_listener(lab: tuple[Path, Path, LabTopology]) -> None:
    _, state, topology = lab
    assert set(topology.namespaces) <= _namespaces()
    assert set(topology.links) <= _links()
    assert lab_is_up(topology, LabFiles(state))
    assert "kt-external-eltax-office" in topology.namespaces


def test_up_twice_changes_nothing(lab: tuple[Path, Path, LabTopology]) -> None:
    spec, state, topology = lab

    # Only this lab's names: other lab tests (the hybrid lab, two labs at once) may run beside this one.
    def own(names: set[str]) -> set[str]:
        return {name for name in names if name.startswith(PREFIX)}

    before = (own(_namespaces()), own(_links()), _nft(topology.router, "list", "ruleset"))
    router_addresses = subprocess.run(
        ["ip", "netns", "exec", topology.router, "ip", "-o", "-4", "addr"], capture_output=True, text=True, check=True
    ).stdout
    session.up(spec, state, PREFIX)
    assert (own(_namespaces()), own(_links())) == before[:2]
    assert _nft(topology.router, "list", "ruleset").count("accept") == before[2].count("accept")
    assert (
        subprocess.run(
            ["ip", "netns", "exec", topology.router, "ip", "-o", "-4", "addr"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        == router_addresses
    )


def test_verify_passes_then_catches_an_opened_path(
    lab: tuple[Path, Path, LabTopology], capfd: pytest.CaptureFixture[str]
) -> None:
    spec, state, topology = lab
    assert session.verify(spec, state, ["-x"], PREFIX) == 0, capfd.readouterr().out
    capfd.readouterr()

    # Behind kiban's back: let the high area reach the middle one, which no flow allows.
    _nft(topology.router, "insert", "rule", "inet", "kiban", "forward", "ip", "saddr", "10.10.0.0/16", "ip", "daddr",
         "10.20.0.0/16", "accept", "comment", "opened-by-hand")  # fmt: skip
    assert run_suite(LabFiles(state).inventory, ["-k", "secure"]) == 1
    output = capfd.readouterr().out
    assert "(area secure) -> " in output and "(area office)" in output
    assert "connected but must be blocked; no planned flow lets secure reach office" in output

    handle = next(
        line
        for line in _nft(topology.router, "-a", "list", "chain", "inet", "kiban", "forward").splitlines()
        if "opened-by-hand" in line
    )
    _nft(topology.router, "delete", "rule", "inet", "kiban", "forward", "handle", handle.rsplit(" ", 1)[1])
    assert run_suite(LabFiles(state).inventory, ["-k", "secure"]) == 0, capfd.readouterr().out


def test_down_removes_all_it_made_and_nothing_else(tmp_path: Path) -> None:
    spec = tmp_path / "city.yaml"
    spec.write_text(SMALL_CITY, encoding="utf-8")
    state = tmp_path / "state"
    bystander = f"{PREFIX}-bystander"
    subprocess.run(["ip", "netns", "add", bystander], check=True)
    try:
        topology, _ = session.up(spec, state, "kd")
        removed = session.down(spec, state, "kd")
        assert "listener" in removed
        assert not set(topology.namespaces) & _namespaces()
        assert not set(topology.links) & _links()
        assert bystander in _namespaces()
        assert not state.exists()
        assert session.down(spec, state, "kd") == [], "down twice is harmless"
    finally:
        subprocess.run(["ip", "netns", "del", bystander], check=False)
