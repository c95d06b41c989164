"""`kiban lab up|verify|down`: from a spec to a running lab and back.

Each spec has a lab of its own: its names start with a prefix taken from the spec file's absolute
path (``kb`` and four hex digits of its SHA-256), and its files live in a folder of that name under
the state folder. So two specs' labs run side by side, and `down` of one never touches the other.
The path, not the content: a spec edited while its lab is up still names the same lab, and `up`
brings that lab to date.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiban.lab.build import (
    STATE_DIR,
    LabError,
    LabFiles,
    lab_down,
    lab_is_up,
    lab_up,
    read_record,
    require_root,
    write_record,
)
from kiban.lab.hybrid import HybridLab, hybrid_ansible_inventory, hybrid_down, hybrid_is_up, hybrid_lab, hybrid_up
from kiban.lab.ssh import SshFiles, lab_playbook, ssh_inventory, start_all, stop_all
from kiban.lab.topology import IFNAMSIZ, LabTopology, lab_topology
from kiban.verify.inventory import ansible_inventory, write_ansible_inventory
from kiban.verify.run import run_suite
from kiban_platform.network.flows import plan_flows
from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.inventory import build_inventory
from kiban_platform.network.plan import plan_network
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec

LAB_TARGET = "lab"
LAB_PREFIX = "kb"
DIGEST_LENGTH = 4


def lab_prefix(spec_file: Path) -> str:
    """The lab's own name prefix: ``kb`` and 4 hex digits of the spec's absolute path ('kb3f2a').

    All prefixes have one length, so no lab's name is another's prefix with something added; the
    longest device name (a hybrid site's router leg on VLAN 4094, 'kb3f2aAr4094') stays within 15 bytes.
    """
    digest = hashlib.sha256(str(spec_file.resolve()).encode()).hexdigest()
    return f"{LAB_PREFIX}{digest[:DIGEST_LENGTH]}"


def lab_state(spec_file: Path, state_root: Path = STATE_DIR) -> Path:
    """The folder of the spec's lab: its record, listener, inventory (and SSH keys)."""
    return state_root / lab_prefix(spec_file)


def _names(spec_file: Path, state_dir: Path | None, prefix: str | None) -> tuple[Path, str]:
    """The state folder and prefix given, or the spec's own."""
    return (state_dir or lab_state(spec_file)), (prefix or lab_prefix(spec_file))


def platform_inventory(spec_file: Path) -> dict[str, Any]:
    """The inventory document the spec's platform would publish, computed without deploying."""
    return _single_site_inventory(load_spec(spec_file, one_place_for="kiban lab"))


def _single_site_inventory(spec: PlatformSpec) -> dict[str, Any]:
    network = plan_network(spec)
    flows = plan_flows(spec, network)
    return build_inventory(spec, network, flows, plan_hosts(spec, network), LAB_TARGET)


def lab_ansible_inventory(document: dict[str, Any], topology: LabTopology) -> dict[str, Any]:
    """Every host of the inventory, and the outside networks, each reached through its namespace."""
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


def plan_lab(spec_file: Path, prefix: str | None = None) -> tuple[dict[str, Any] | None, LabTopology | HybridLab]:
    """What the lab for ``spec_file`` is made of; the inventory document only for a single-site spec."""
    spec = load_spec(spec_file)
    prefix = prefix or lab_prefix(spec_file)
    if spec.sites:
        return None, hybrid_lab(spec, prefix)
    document = _single_site_inventory(spec)
    return document, lab_topology(document, prefix)


def lab_devices(lab: LabTopology | HybridLab) -> tuple[str, ...]:
    """The root-namespace devices the lab makes (bridges, veth ends; a hybrid lab's link ends)."""
    return lab.links_devices if isinstance(lab, HybridLab) else lab.links


def check_device_names(lab: LabTopology | HybridLab) -> None:
    """Linux refuses an interface name over 15 bytes: say which before anything is made."""
    too_long = [name for name in lab_devices(lab) if len(name.encode()) > IFNAMSIZ]
    if too_long:
        names = ", ".join(too_long[:3])
        raise LabError(f"interface names over {IFNAMSIZ} bytes: {names} (more VLANs or hosts than the lab can name)")


def up(
    spec_file: Path,
    state_dir: Path | None = None,
    prefix: str | None = None,
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
    state_dir: Path | None = None,
    prefix: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    ssh: bool = False,
) -> tuple[LabTopology | HybridLab, Path]:
    """Build the lab, one site or several; ``progress`` is called with each step and its items done of the total.

    With ``ssh`` (the rehearsal, a single-site spec with a management section) every host namespace also
    runs a real sshd (``kiban.lab.ssh``), and the lab's state folder holds ``ssh/inventory.yaml``.
    """
    state_dir, prefix = _names(spec_file, state_dir, prefix)
    report = progress or (lambda step, done, total: None)
    report("planning the lab from the spec", 0, 1)
    document, lab = plan_lab(spec_file, prefix)
    check_device_names(lab)
    management = _rehearsal_management(spec_file, document, lab) if ssh else None
    require_root()
    files = LabFiles(state_dir)
    write_record(files, str(spec_file.resolve()), lab.namespaces, lab_devices(lab))
    if isinstance(lab, HybridLab):
        hybrid_up(lab, files, report)
        inventory = hybrid_ansible_inventory(lab, sys.executable)
    else:
        assert document is not None
        sshd_port = f"{management['ssh_port']}/tcp" if management else None
        if management is None:
            # `up` without --ssh after `up --ssh`: the stand-in takes the SSH port back from the sshds.
            stop_all(files, lab.namespaces)
        lab_up(lab, files, report, sshd_port)
        inventory = lab_ansible_inventory(document, lab)
        if management is not None:
            start_all(lab.hosts, management, files, report)
            rehearsal = SshFiles.of(files)
            write_ansible_inventory(ssh_inventory(document, rehearsal), rehearsal.inventory)
            rehearsal.playbook.write_text(lab_playbook(document), encoding="utf-8")
    report("writing the lab's inventory", 0, 1)
    write_ansible_inventory(inventory, files.inventory)
    return lab, files.inventory


def _rehearsal_management(
    spec_file: Path, document: dict[str, Any] | None, lab: LabTopology | HybridLab
) -> dict[str, Any]:
    """The management section the rehearsal's sshds follow; LabError when the spec cannot have one."""
    if isinstance(lab, HybridLab) or document is None:
        raise LabError(f"{spec_file} has sites: --ssh rehearses a single-site spec only (for now)")
    management: dict[str, Any] | None = document.get("management")
    if management is None:
        raise LabError(f"{spec_file} has no management section: --ssh needs its user and SSH port")
    return management


def ssh_inventory_path(spec_file: Path, state_dir: Path | None = None) -> Path:
    """Where `up --ssh` writes the inventory of the spec's hosts reached over SSH."""
    return SshFiles.of(LabFiles(state_dir or lab_state(spec_file))).inventory


def ready_inventory(
    spec_file: Path,
    state_dir: Path | None = None,
    prefix: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Path:
    """The inventory of the lab for ``spec_file``; LabError when that lab is not up."""
    state_dir, prefix = _names(spec_file, state_dir, prefix)
    report = progress or (lambda step, done, total: None)
    report("planning the lab from the spec", 0, 1)
    _, lab = plan_lab(spec_file, prefix)
    files = LabFiles(state_dir)
    report("checking that the lab is up", 0, 1)
    running = hybrid_is_up(lab, files) if isinstance(lab, HybridLab) else lab_is_up(lab, files)
    if not running or not files.inventory.exists():
        raise LabError(f"the lab for {spec_file} is not up: run 'kiban lab up {spec_file}' first")
    return files.inventory


def verify(
    spec_file: Path, state_dir: Path | None = None, pytest_args: list[str] | None = None, prefix: str | None = None
) -> int:
    return run_suite(ready_inventory(spec_file, state_dir, prefix), pytest_args)


def down(spec_file: Path, state_dir: Path | None = None, prefix: str | None = None) -> list[str]:
    """Remove what the spec's lab made, and nothing else; [] when no lab of the spec is up.

    The names are the lab's record (what any `up` of it made, the spec since edited or not) and the
    spec's plan under the lab's own prefix; another spec's lab has another prefix and folder.
    """
    state_dir, prefix = _names(spec_file, state_dir, prefix)
    _, lab = plan_lab(spec_file, prefix)
    files = LabFiles(state_dir)
    record = read_record(files)
    # The sshds first: a process left in a namespace would keep it alive after its name is gone.
    stopped = stop_all(files, dict.fromkeys((*lab.namespaces, *(record.namespaces if record else ()))))
    if isinstance(lab, HybridLab):
        return stopped + hybrid_down(lab, files)
    return stopped + lab_down(lab, files)
