"""`kiban ssh-config`: one OpenSSH config for the city, read back by the real `ssh -G` (and used by a real sshd)."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from kiban.lab.session import platform_inventory
from kiban.verify.hostvars import expanded
from kiban.verify.inventory import ansible_inventory, ansible_inventory_text, merged_ansible_inventory
from tests.conftest import SAMPLE_SPEC
from tests.kiban.cli.test_inventory_sites import DOCUMENTS as SITE_DOCUMENTS

SSH = shutil.which("ssh")
SSHD = Path("/usr/sbin/sshd")
ANSIBLE = Path(sys.executable).parent / "ansible"
needs_ssh = pytest.mark.skipif(SSH is None, reason="no OpenSSH client on this machine")
runner = CliRunner()
DOCUMENT = platform_inventory(SAMPLE_SPEC)
WRITTEN = ansible_inventory(DOCUMENT)


def _write_inventory(folder: Path, document: dict[str, Any]) -> Path:
    path = folder / "inventory.yml"
    path.write_text(ansible_inventory_text(document), encoding="utf-8")
    return path


def _ssh_config(inventory: Path, *options: str) -> Path:
    out = inventory.parent / "ssh_config"
    result = runner.invoke(app, ["ssh-config", str(inventory), "--out", str(out), *options])
    assert result.exit_code == 0, result.stderr
    return out


def _resolved(config: Path, *target: str) -> dict[str, list[str]]:
    """What `ssh -G` makes of the config for ``target``: option -> values (IdentityFile can repeat)."""
    printed = subprocess.run(
        [str(SSH), "-G", "-F", str(config), *target], capture_output=True, text=True, check=True
    ).stdout
    found: dict[str, list[str]] = {}
    for line in printed.splitlines():
        key, _, value = line.partition(" ")
        found.setdefault(key, []).append(value)
    return found


@pytest.fixture(scope="module")
def sample_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sshconfig")
    return _ssh_config(_write_inventory(folder, WRITTEN), "--identity", str(folder / "ops_ed25519"))


@needs_ssh
def test_every_host_goes_through_its_own_areas_bastion_with_the_key_on_both_hops(sample_config: Path) -> None:
    key = str(sample_config.parent / "ops_ed25519")
    hosts = {h["name"]: h for h in DOCUMENT["hosts"]}
    bastion_names = {h["address"]: h["name"] for h in DOCUMENT["hosts"] if h["role"] == "bastion"}
    for name, host in hosts.items():
        resolved = _resolved(sample_config, name)
        assert resolved["hostname"] == [host["address"]], name
        assert (resolved["user"], resolved["port"]) == (["kiban-ops"], ["22"]), name
        assert resolved["identityfile"] == [key] and resolved["identitiesonly"] == ["yes"], name
        assert resolved["stricthostkeychecking"] == ["true"], f"{name}: the safe choice by default"
        if host["role"] == "bastion":
            assert "proxyjump" not in resolved, f"{name}: a bastion is reached directly"
        else:
            jump = bastion_names[host["bastion"]]
            assert resolved["proxyjump"] == [jump], name
            assert hosts[jump]["area"] == host["area"], f"{name} jumps through another area's bastion"
    blocks = [line for line in sample_config.read_text(encoding="utf-8").splitlines() if line.startswith("Host ")]
    assert len(blocks) == len(hosts), "one block per host, nothing else"


@needs_ssh
def test_ansibles_jump_by_address_gets_the_bastions_key(sample_config: Path) -> None:
    # Ansible connects to ansible_host with the inventory's -o ProxyJump=USER@ADDRESS:PORT; the jump is a second
    # ssh to the bastion's address, which must find the bastion's block (the key) by that address.
    facts = expanded(WRITTEN)["all"]["hosts"]["juki-app-2"]
    assert facts["ansible_ssh_common_args"] == "-o ProxyJump=kiban-ops@10.10.3.4:22"
    jump = _resolved(sample_config, "-l", "kiban-ops", "-p", "22", "10.10.3.4")
    assert jump["identityfile"] == [str(sample_config.parent / "ops_ed25519")]
    assert _resolved(sample_config, facts["ansible_host"])["proxyjump"] == ["bastion-mynumber-1"]


@needs_ssh
@pytest.mark.parametrize(("choice", "shown"), [("yes", "true"), ("accept-new", "accept-new"), ("no", "false")])
def test_host_key_checking_is_as_chosen(tmp_path: Path, choice: str, shown: str) -> None:
    known = tmp_path / "known_hosts"
    config = _ssh_config(
        _write_inventory(tmp_path, WRITTEN), "--strict-host-key-checking", choice, "--known-hosts", str(known)
    )
    for name in ("bastion-lgwan-1", "juki-app-2"):
        resolved = _resolved(config, name)
        assert resolved["stricthostkeychecking"] == [shown]
        assert resolved["userknownhostsfile"] == [str(known)]


@needs_ssh
def test_without_an_identity_the_agent_and_default_keys_decide(tmp_path: Path) -> None:
    config = _ssh_config(_write_inventory(tmp_path, WRITTEN))
    text = config.read_text(encoding="utf-8")
    assert "IdentityFile" not in text and "IdentitiesOnly" not in text
    assert _resolved(config, "juki-app-2")["proxyjump"] == ["bastion-mynumber-1"]


@needs_ssh
def test_a_city_of_several_sites_jumps_through_each_sites_own_bastion(tmp_path: Path) -> None:
    merged = merged_ansible_inventory(list(SITE_DOCUMENTS.values()))
    config = _ssh_config(_write_inventory(tmp_path, merged))
    for site in ("dc1", "gc"):
        hub = _resolved(config, f"integration-hub-mynumber-1.{site}")
        assert hub["proxyjump"] == [f"bastion-mynumber-1.{site}"]
        assert hub["hostname"] == [merged["all"]["hosts"][f"integration-hub-mynumber-1.{site}"]["ansible_host"]]
        bastion = _resolved(config, f"bastion-mynumber-1.{site}")
        assert bastion["hostname"] == [SITE_DOCUMENTS[site]["management"]["bastions"]["mynumber"][0]]


@needs_ssh
def test_an_identity_path_with_spaces_reaches_ssh_as_written(tmp_path: Path) -> None:
    # (ssh -G shows IdentityFile before expanding % tokens: the slow test below logs in with a key under "100%".)
    key = tmp_path / "keys of the ops team" / "id"
    config = _ssh_config(_write_inventory(tmp_path, WRITTEN), "--identity", str(key))
    assert _resolved(config, "bastion-mynumber-1")["identityfile"] == [str(key)]


def test_a_missing_inventory_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ssh-config", str(tmp_path / "none.yml"), "--out", str(tmp_path / "cfg")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'none.yml'}: (top level): file not found" in result.stderr
    assert not (tmp_path / "cfg").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["all"]["hosts"]["juki-app-2"].pop("ansible_host"), "all.hosts.juki-app-2.ansible_host: "),
        (
            lambda d: d["all"]["hosts"].__setitem__("juki app", d["all"]["hosts"].pop("juki-app-2")),
            "all.hosts.juki app: host name 'juki app' cannot be an ssh_config token",
        ),
        (
            lambda d: d["all"]["vars"].__setitem__("ansible_port", "22; rm"),
            "all.hosts.bastion-mynumber-1.ansible_port: port '22; rm' is not 1-65535",
        ),
        (
            lambda d: d["all"]["vars"].__setitem__("ansible_user", "ops\nHost *"),
            "all.hosts.bastion-mynumber-1.ansible_user: user 'ops\\nHost *' cannot be an ssh_config token",
        ),
    ],
    ids=["no address", "name with a space", "port not a number", "user with a new line"],
)
def test_a_broken_inventory_is_a_located_refusal(tmp_path: Path, change: Any, message: str) -> None:
    document = json.loads(json.dumps(WRITTEN))
    change(document)
    inventory = _write_inventory(tmp_path, document)
    result = runner.invoke(app, ["ssh-config", str(inventory), "--out", str(tmp_path / "cfg")])
    assert result.exit_code == 2, result.stdout
    assert f"{inventory}: {message}" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "cfg").exists(), "nothing half-written"


def test_an_identity_path_ssh_config_cannot_hold_is_refused(tmp_path: Path) -> None:
    inventory = _write_inventory(tmp_path, WRITTEN)
    result = runner.invoke(app, ["ssh-config", str(inventory), "--identity", 'a"b', "--out", str(tmp_path / "cfg")])
    assert result.exit_code == 2
    assert "--identity: a path with double quotes" in result.stderr
    assert not (tmp_path / "cfg").exists()


def test_without_out_the_config_goes_to_stdout(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ssh-config", str(_write_inventory(tmp_path, WRITTEN))])
    assert result.exit_code == 0, result.stderr
    assert "Host juki-app-2 10.10.5.5\n" in result.stdout


# A real sshd on two loopback addresses stands for a bastion and a host behind it, on a port free now
# (other engineers' test runs share this machine).
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


LOOPBACK_PORT = _free_port()
# A space and a % in the key's path: ssh_config needs the one quoted and the other written %%.
KEY = "keys of 100% ops/id_ed25519"


def _loopback_city() -> dict[str, Any]:
    """The sample's first bastion and one host of its area, at 127.0.0.1 and 127.0.0.2, reached as this user."""
    bastion = next(h for h in DOCUMENT["hosts"] if h["role"] == "bastion")
    host = next(h for h in DOCUMENT["hosts"] if h["area"] == bastion["area"] and h["role"] == "app")
    management = {**DOCUMENT["management"], "user": getpass.getuser(), "ssh_port": LOOPBACK_PORT}
    return {
        **DOCUMENT,
        "hosts": [
            {**bastion, "address": "127.0.0.1", "bastion": None},
            {**host, "address": "127.0.0.2", "bastion": "127.0.0.1"},
        ],
        "management": management,
    }


@pytest.fixture
def loopback_sshd(tmp_path: Path) -> Iterator[Path]:
    """An sshd on 127.0.0.1 and 127.0.0.2 that admits only the key ``KEY`` under ``tmp_path``; stopped by its pid."""
    if os.geteuid() != 0 or not SSHD.exists() or SSH is None:
        pytest.skip("needs root, sshd and ssh")
    keygen = [str(Path(SSH).parent / "ssh-keygen"), "-q", "-t", "ed25519", "-N", ""]
    subprocess.run([*keygen, "-f", str(tmp_path / "host_key")], check=True)
    (tmp_path / KEY).parent.mkdir()
    subprocess.run([*keygen, "-f", str(tmp_path / KEY)], check=True)
    shutil.copy(tmp_path / f"{KEY}.pub", tmp_path / "authorized_keys")
    config = tmp_path / "sshd_config"
    config.write_text(
        f"ListenAddress 127.0.0.1:{LOOPBACK_PORT}\nListenAddress 127.0.0.2:{LOOPBACK_PORT}\n"
        f"HostKey {tmp_path / 'host_key'}\nAuthorizedKeysFile {tmp_path / 'authorized_keys'}\n"
        "StrictModes no\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nPidFile none\n",
        encoding="utf-8",
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
    server = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            probe = subprocess.run(["ss", "-Hltn", f"sport = :{LOOPBACK_PORT}"], capture_output=True, text=True)
            if probe.stdout.count("LISTEN") >= 2:
                break
            time.sleep(0.1)
        yield tmp_path
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


@pytest.mark.slow  # a real sshd and Ansible: about 15 s
def test_ssh_and_ansible_reach_a_host_behind_a_bastion_with_the_key_on_both_hops(loopback_sshd: Path) -> None:
    inventory = _write_inventory(loopback_sshd, ansible_inventory(_loopback_city()))
    config = _ssh_config(
        inventory,
        "--identity",
        str(loopback_sshd / KEY),
        "--strict-host-key-checking",
        "accept-new",
        "--known-hosts",
        str(loopback_sshd / "known_hosts"),
    )
    isolated = {**os.environ, "SSH_AUTH_SOCK": ""}  # no agent: the key in the config is the only one
    host = next(name for name in json.loads(inventory.read_text())["all"]["hosts"] if not name.startswith("bastion"))
    reached = subprocess.run(
        [str(SSH), "-F", str(config), "-o", "BatchMode=yes", host, "echo $SSH_CONNECTION"],
        capture_output=True,
        text=True,
        timeout=30,
        env=isolated,
    )
    assert reached.returncode == 0, reached.stderr
    assert reached.stdout.split()[2] == "127.0.0.2", "reached the host itself"
    assert reached.stdout.split()[0] == "127.0.0.1", "through the bastion"
    # The trap the config removes: a key given on the command line reaches the last hop only. The host keys
    # are known (learnt above) and the jump reads this config too, so it fails for want of the key alone.
    keyless = loopback_sshd / "keyless_config"
    keyless.write_text(
        f"Host *\n  UserKnownHostsFile {loopback_sshd / 'known_hosts'}\n  StrictHostKeyChecking yes\n"
        "  IdentitiesOnly yes\n",
        encoding="utf-8",
    )
    trapped = subprocess.run(
        [
            *(str(SSH), "-F", str(keyless), "-o", "BatchMode=yes", "-i", str(loopback_sshd / KEY).replace("%", "%%")),
            *("-J", f"{getpass.getuser()}@127.0.0.1:{LOOPBACK_PORT}", "-p", str(LOOPBACK_PORT), "127.0.0.2", "true"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env=isolated,
    )
    assert trapped.returncode == 255 and "Permission denied (publickey)" in trapped.stderr, trapped.stderr
    if ANSIBLE.exists():
        pinged = subprocess.run(
            [
                *(str(ANSIBLE), "-i", str(inventory), "all", "-m", "ping", "-e", "ansible_become=false"),
                *("-e", f"ansible_python_interpreter={sys.executable}"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**isolated, "ANSIBLE_SSH_ARGS": f"-F {config}", "ANSIBLE_LOCAL_TEMP": str(loopback_sshd / "ansible")},
        )
        assert pinged.returncode == 0, pinged.stdout + pinged.stderr
        assert pinged.stdout.count("SUCCESS") == 2
