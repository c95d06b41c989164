"""The hybrid sample's lab on this machine (root): a router per site, links between them, and what breaks them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kiban.lab import session
from kiban.lab.hybrid import HybridLab
from kiban.verify.hostvars import plan_vars
from kiban.verify.reachability import plan_checks
from kiban.verify.run import run_suite
from tests.conftest import REPO
from tests.kiban_platform.network.test_sites import OPERATIONS_FLOWS

PREFIX = "ku"  # not the CLI's "kb" nor the single-site tests' "kt": a lab left up is never touched
SPEC = REPO / "specs" / "sample-hybrid.yaml"
GC_HUB = "10.11.0.128/25"  # gc's integration hub in the My Number area, the `from` end of gc-to-dc1-renkei
DC1_HUB = "10.10.0.128/25"

pytestmark = [
    pytest.mark.slow,  # three sites of namespaces and several testinfra runs: CI's `pytest -m slow`
    pytest.mark.skipif(
        os.geteuid() != 0 or shutil.which("nft") is None or shutil.which("ip") is None,
        reason="the lab needs root, iproute2 and nftables (CI runs as root)",
    ),
]


def _namespaces() -> set[str]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in listed.splitlines() if line.strip()}


def _in(namespace: str, *command: str) -> str:
    return subprocess.run(
        ["ip", "netns", "exec", namespace, *command], capture_output=True, text=True, check=True
    ).stdout


def _open_by_hand(router: str, *match: str) -> None:
    _in(router, "nft", "insert", "rule", "inet", "kiban", "forward", *match, "accept", "comment", "opened-by-hand")


def _close_by_hand(router: str) -> None:
    for line in _in(router, "nft", "-a", "list", "chain", "inet", "kiban", "forward").splitlines():
        if "opened-by-hand" in line:
            _in(router, "nft", "delete", "rule", "inet", "kiban", "forward", "handle", line.rsplit(" ", 1)[1])


def _failures(inventory: Path, junit: Path, *arguments: str) -> tuple[int, dict[str, str]]:
    """The suite's exit status, and each failed test's id with its message."""
    status = run_suite(inventory, ["-q", "--no-header", f"--junitxml={junit}", *arguments])
    failed: dict[str, str] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        failure = case.find("failure")
        if failure is not None:
            failed[case.attrib["name"]] = failure.attrib.get("message", "")
    return status, failed


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, HybridLab, Path]]:
    state = tmp_path_factory.mktemp("hybrid") / "state"
    try:
        built, inventory = session.up_lab(SPEC, state, PREFIX)
        assert isinstance(built, HybridLab)
        yield state, built, inventory
    finally:
        session.down(SPEC, state, PREFIX)
    assert not state.exists()


def test_each_site_is_its_own_group_without_the_far_ends(lab: tuple[Path, HybridLab, Path]) -> None:
    _, built, _ = lab
    assert [site.topology.router for site in built.sites] == ["kuA-router", "kuB-router", "kuC-router"]
    assert set(built.namespaces) <= _namespaces()
    # The far end of a cross-site flow lives at its own site: no site has a namespace standing for it.
    assert not [name for name in built.namespaces if "-external-dc1-" in name or "-external-gc-" in name]
    assert "kuC-public-service-resident-portal" in built.namespaces
    routes = _in("kuA-router", "ip", "-4", "route")
    assert "10.11.0.0/16 via 169.254.10.2 dev kuAk0" in routes
    assert "10.130.0.0/20 via 169.254.20.1 dev kuAk1" in routes
    assert all(len(name) <= 15 for name in built.links_devices)


def test_verify_passes_and_reports_the_link_encryption_as_skipped(
    lab: tuple[Path, HybridLab, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    _, _, inventory = lab
    status, failed = _failures(inventory, tmp_path / "suite.xml", "-rs")
    assert (status, failed) == (0, {})
    output = capfd.readouterr().out
    assert "link dc1-gc (dc1 - gc) declares encryption ipsec; the lab cannot show it" in output


def test_a_planted_opening_on_one_router_is_reported_and_the_other_router_holds(
    lab: tuple[Path, HybridLab, Path], tmp_path: Path
) -> None:
    _, _, inventory = lab
    # dc1 lets gc's hub in on SSH too, which no flow plans: its own router check names the flow it widens.
    _open_by_hand("kuA-router", "ip", "saddr", GC_HUB, "ip", "daddr", DC1_HUB, "tcp", "dport", "22")
    try:
        status, failed = _failures(inventory, tmp_path / "planted.xml", "-k", "site_router")
        assert status == 1 and list(failed) == ["test_lab_site_router_firewall[dc1]"]
        message = failed["test_lab_site_router_firewall[dc1]"]
        assert "site dc1: the router kuA-router accepts traffic no rule plans" in message
        assert f"{GC_HUB} -> {DC1_HUB} 22/tcp" in message
        assert "it widens gc-to-dc1-renkei (gc -> dc1, 443/tcp planned)" in message
    finally:
        _close_by_hand("kuA-router")

    # Each end alone blocks an unplanned path: dc1 admitting all of gc, gc's router still holds...
    _open_by_hand("kuA-router", "ip", "saddr", "10.11.0.0/16")
    try:
        status, failed = _failures(inventory, tmp_path / "dc1-open.xml", "-k", "cross_site")
        assert (status, failed) == (0, {})
        # ...and with gc's router opened toward dc1 as well, the unplanned paths show, named by flow and site.
        _open_by_hand("kuB-router", "ip", "daddr", "10.10.0.0/16")
        try:
            status, failed = _failures(inventory, tmp_path / "both-open.xml", "-k", "cross_site")
        finally:
            _close_by_hand("kuB-router")
    finally:
        _close_by_hand("kuA-router")
    assert status == 1 and failed
    assert all(
        "(area mynumber at gc) -> " in message and "(area mynumber at dc1)" in message for message in failed.values()
    )
    assert any(
        "integration-hub-mynumber-1.gc (area mynumber at gc) -> integration-hub-mynumber-1.dc1 (area mynumber at dc1) "
        "10.10.0.132 22/tcp: connected but must be blocked; cross-site flow gc-to-dc1-renkei (gc -> dc1) allows "
        "443/tcp only" in message
        for message in failed.values()
    )

    # Opened on gc alone, dc1's router holds.
    _open_by_hand("kuB-router", "ip", "daddr", "10.10.0.0/16")
    try:
        status, failed = _failures(inventory, tmp_path / "gc-open.xml", "-k", "cross_site")
    finally:
        _close_by_hand("kuB-router")
    assert (status, failed) == (0, {})


def _cross_site_flows_on(inventory: dict[str, Any], link: str) -> set[str]:
    return {flow["flow"] for flow in plan_vars(inventory)["kiban_cross_site_flows"] if flow["link"] == link}


def _flow_named(why: str) -> str | None:
    """The flow a check's reason names: "cross-site flow <id> (...)" or "the <plane> relay's flow <id> (...)"."""
    found = re.search(r"flow (\S+) \(", why)
    return found.group(1) if found else None


def test_the_link_down_fails_exactly_its_cross_site_flows(lab: tuple[Path, HybridLab, Path], tmp_path: Path) -> None:
    state, _, inventory = lab
    document = yaml.safe_load(inventory.read_text(encoding="utf-8"))
    riding = _cross_site_flows_on(document, "dc1-gc")
    expected = {
        f"test_cross_site_connection[{check.id}]"
        for check in plan_checks(document)
        if check.cross_site and check.expect_open and _flow_named(check.why) in riding
    }
    # The hub's flow and the four operations relays' (monitoring, jobs, logs, and time/names on 3 ports).
    assert riding == {"gc-to-dc1-renkei", *OPERATIONS_FLOWS} and len(expected) == 7
    _in("kuA-router", "ip", "link", "set", "kuAk0", "down")
    try:
        status, failed = _failures(inventory, tmp_path / "down.xml")
    finally:
        session.up_lab(SPEC, state, PREFIX)  # the link back up, with its routes
    # Every in-site flow and every other link's flow still works; the link's own check sees its routes gone.
    assert status == 1
    assert set(failed) == expected | {"test_lab_link_carries_only_its_areas[dc1-gc]"}
    messages = [failed[name] for name in expected]
    assert all("expected to connect, got" in message for message in messages)
    assert any("cross-site flow gc-to-dc1-renkei (gc -> dc1)" in message for message in messages)
    assert any("the monitoring relay's flow ops-monitoring-gc-mynumber" in message for message in messages)
    status, failed = _failures(inventory, tmp_path / "up-again.xml", "-k", "cross_site or link")
    assert (status, failed) == (0, {})
