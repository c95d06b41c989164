"""The rehearsal (root): `lab up --ssh`, the day-two playbook applied over SSH through the bastion from the
area's operators' terminal namespace, `kiban verify --inventory` over SSH, a widened firewall caught, down.

The small city with its management section (SSH on port 2222) stands in for the sample: one area of the
sample (over 70 hosts) takes several minutes more over Ansible's SSH on the shared CI machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiban.lab import session
from kiban.lab.ssh import SshFiles, etc_view, lab_playbook
from kiban.lab.topology import LabTopology, namespace_name
from tests.conftest import REPO, SMALL_CITY, SMALL_MANAGEMENT

PREFIX = "kr"  # not the CLI's names nor the other lab tests'
AREA = "office"
TERMINALS = "operations:ops-office@office"
BIN = Path(sys.executable).parent  # ansible-playbook, ansible-inventory and kiban, as an operator's PATH has them

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0 or shutil.which("nft") is None or not Path("/usr/sbin/sshd").exists(),
        reason="the rehearsal needs root, nftables and openssh-server (scripts/setup.sh; CI runs as root)",
    ),
]


def _as_operator(terminals: str, *command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A command on the area's operators' terminal (its namespace), with the project's tools on PATH."""
    environment = f"PATH={BIN}:{os.environ['PATH']}"
    return subprocess.run(
        ["ip", "netns", "exec", terminals, "env", environment, f"PYTHONPATH={REPO}", *command],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=1200,
    )


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, LabTopology]]:
    folder = tmp_path_factory.mktemp("rehearsal")
    spec = folder / "city.yaml"
    spec.write_text(SMALL_CITY + SMALL_MANAGEMENT, encoding="utf-8")
    state = folder / "state"
    try:
        lab, _ = session.up_lab(spec, state, PREFIX, ssh=True)
        assert isinstance(lab, LabTopology)
        yield spec, state, lab
    finally:
        session.down(spec, state, PREFIX)
    assert not any(etc_view(namespace).exists() for namespace in lab.namespaces), "down removes the /etc views"
    assert not set(lab.namespaces) & set(os.listdir("/run/netns"))


def test_playbook_then_verify_over_ssh_through_the_bastion(
    rehearsal: tuple[Path, Path, LabTopology], tmp_path: Path
) -> None:
    spec, state, lab = rehearsal
    ssh = SshFiles(state / "ssh")
    terminals = namespace_name(TERMINALS, PREFIX)
    document = session.platform_inventory(spec)
    (tmp_path / "site.yml").write_text(lab_playbook(document), encoding="utf-8")
    inventory = str(ssh.inventory)

    # Before the playbook, each host has a booted image's accept-all firewall: verify says so.
    before = _as_operator(
        terminals, "kiban", "verify", "-i", inventory, "--hosts", "full-app-1", "-k", "host_firewall", cwd=tmp_path
    )
    assert before.returncode == 1, before.stdout + before.stderr
    # The exact host-firewall check (kiban/verify/hostfirewall.py): no playbook chain yet, or a policy that accepts.
    assert "full-app-1: " in before.stdout, before.stdout[-3000:]
    assert "no chain inet kiban input" in before.stdout or "policy accept" in before.stdout, before.stdout[-3000:]

    applied = _as_operator(
        terminals, "ansible-playbook", "-i", inventory, "--limit", f"area_{AREA}", "site.yml", cwd=tmp_path
    )
    assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr[-2000:]
    assert "unreachable=1" not in applied.stdout and "failed=1" not in applied.stdout

    # Time sync needs chronyd in each namespace, which the lab does not run (its namespaces share one clock).
    verified = _as_operator(
        terminals, "kiban", "verify", "-i", inventory, "--hosts", f"area_{AREA}", "-q", "-k", "not time_is_in_sync",
        cwd=tmp_path,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout[-5000:] + verified.stderr[-2000:]

    # Behind the playbook's back, one host's firewall widened: 8443 from anywhere.
    host = next(h for h in lab.hosts if h.host == "full-app-2")
    widen = ["ip", "netns", "exec", host.namespace, "nft", "insert", "rule", "inet", "kiban", "input", "tcp", "dport",
             "8443", "accept", "comment", "widened-by-hand"]  # fmt: skip
    subprocess.run(widen, check=True, capture_output=True)
    caught = _as_operator(
        terminals, "kiban", "verify", "-i", inventory, "--hosts", f"area_{AREA}", "-q", "-k", "host_firewall",
        cwd=tmp_path,
    )  # fmt: skip
    assert caught.returncode == 1, caught.stdout[-3000:]
    failures = [line for line in caught.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failures) == 1 and "[full-app-2]" in failures[0], failures
    # Named with the rule nft holds and the plan line it exceeds (or that no planned rule allows it).
    assert "full-app-2: " in caught.stdout and "8443" in caught.stdout, caught.stdout[-3000:]
    assert "no planned rule allows" in caught.stdout or "wider than the planned" in caught.stdout
