"""`kiban lab up|verify|down`: from a spec to a running lab and back."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiban.lab.build import STATE_DIR, LabError, LabFiles, lab_down, lab_is_up, lab_up
from kiban.lab.hybrid import HybridLab, hybrid_ansible_inventory, hybrid_down, hybrid_is_up, hybrid_lab, hybrid_up
from kiban.lab.topology import PREFIX, LabTopology, lab_topology
from kiban.verify.inventory import ansible_inventory, write_ansible_inventory
from kiban.verify.run import run_suite
from kiban_platform.network.flows import plan_flows
from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.inventory import build_inventory
from kiban_platform.network.plan import plan_network
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec

LAB_TARGET = "lab"
HYBRID_STATE = "hybrid"


def platform_inventory(spec_file: Path) -> dict[str, Any]:
    """The inventory document the spec's platform would publish, computed without deploying."""
    return _single_site_inventory(load_spec(spec_file, one_place_for="kiban lab"))


def _single_site_inventory(spec: PlatformSpec) -> dict[str, Any]:
    network = plan_network(spec)
    flows = plan_flows(spec, network)
    return build_inventory(spec, network, flows, plan_hosts(spec, network), LAB_TARGET)


def lab_ansible_inventory(document: dict[str, Any], topology: LabTopology) -> dict[str, Any]:
    """The lab's hosts only (one per group, plus outside networks), each reached through its namespace."""
    represented = {host.host: host for host in topology.hosts}
    lab_document = {**document, "hosts": [h for h in document["hosts"] if h["name"] in represented]}
    extra: dict[str, dict[str, Any]] = {}
    for lab_host in topology.hosts:
        # The probe runs on this machine: name its interpreter rather than go through PATH shims.
        facts: dict[str, Any] = {"kiban_netns": lab_host.namespace, "kiban_python": sys.executable}
        if lab_host.external:
            facts |= {
                "ansible_host": str(lab_host.address.ip),
                "kiban_role": "external",
                "kiban_area": lab_host.area,
                "kiban_group": lab_host.group,
                "kiban_external": True,
                "kiban_ports": [],
            }
        extra[lab_host.host] = facts
    result = ansible_inventory(lab_document, extra)
    result["all"]["vars"]["kiban_lab_router"] = topology.router
    return result


def _hybrid_spec(spec_file: Path) -> PlatformSpec | None:
    """The spec when it has sites (a lab per site, joined by its links); None for a single-site spec."""
    spec = load_spec(spec_file)
    return spec if spec.sites else None


def plan_lab(spec_file: Path, prefix: str = PREFIX) -> tuple[dict[str, Any] | None, LabTopology | HybridLab]:
    """What the lab for ``spec_file`` is made of; the inventory document only for a single-site spec."""
    spec = load_spec(spec_file)
    if spec.sites:
        return None, hybrid_lab(spec, prefix)
    document = _single_site_inventory(spec)
    return document, lab_topology(document, prefix)


def lab_files(lab: LabTopology | HybridLab, state_dir: Path) -> LabFiles:
    """A hybrid lab keeps its files apart, so bringing it up never stops a single-site lab's listener."""
    return LabFiles(state_dir / HYBRID_STATE) if isinstance(lab, HybridLab) else LabFiles(state_dir)


def up(
    spec_file: Path,
    state_dir: Path = STATE_DIR,
    prefix: str = PREFIX,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[LabTopology, Path]:
    """Build the lab of a single-site spec (``up_lab`` builds either kind)."""
    if _hybrid_spec(spec_file) is not None:
        raise LabError(f"{spec_file} has sites: its lab is a hybrid lab (session.up_lab)")
    lab, inventory = up_lab(spec_file, state_dir, prefix, progress)
    assert isinstance(lab, LabTopology)
    return lab, inventory


def up_lab(
    spec_file: Path,
    state_dir: Path = STATE_DIR,
    prefix: str = PREFIX,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[LabTopology | HybridLab, Path]:
    """Build the lab, one site or several; ``progress`` is called with each step and its items done of the total."""
    report = progress or (lambda step, done, total: None)
    report("planning the lab from the spec", 0, 1)
    document, lab = plan_lab(spec_file, prefix)
    files = lab_files(lab, state_dir)
    if isinstance(lab, HybridLab):
        hybrid_up(lab, files, report)
        inventory = hybrid_ansible_inventory(lab, sys.executable)
    else:
        assert document is not None
        lab_up(lab, files, report)
        inventory = lab_ansible_inventory(document, lab)
    report("writing the lab's inventory", 0, 1)
    write_ansible_inventory(inventory, files.inventory)
    return lab, files.inventory


def ready_inventory(
    spec_file: Path,
    state_dir: Path = STATE_DIR,
    prefix: str = PREFIX,
    progress: Callable[[str, int, int], None] | None = None,
) -> Path:
    """The inventory of the lab for ``spec_file``; LabError when that lab is not up."""
    report = progress or (lambda step, done, total: None)
    report("planning the lab from the spec", 0, 1)
    _, lab = plan_lab(spec_file, prefix)
    files = lab_files(lab, state_dir)
    report("checking that the lab is up", 0, 1)
    running = hybrid_is_up(lab, files) if isinstance(lab, HybridLab) else lab_is_up(lab, files)
    if not running or not files.inventory.exists():
        raise LabError(f"the lab for {spec_file} is not up: run 'kiban lab up {spec_file}' first")
    return files.inventory


def verify(
    spec_file: Path, state_dir: Path = STATE_DIR, pytest_args: list[str] | None = None, prefix: str = PREFIX
) -> int:
    return run_suite(ready_inventory(spec_file, state_dir, prefix), pytest_args)


def down(spec_file: Path, state_dir: Path = STATE_DIR, prefix: str = PREFIX) -> list[str]:
    _, lab = plan_lab(spec_file, prefix)
    if isinstance(lab, HybridLab):
        removed = hybrid_down(lab, lab_files(lab, state_dir))
        if state_dir.exists() and not any(state_dir.iterdir()):
            state_dir.rmdir()
        return removed
    return lab_down(lab, LabFiles(state_dir))
