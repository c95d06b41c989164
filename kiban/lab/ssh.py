"""The rehearsal (`kiban lab up --ssh`): a real sshd in every host namespace, reached as after a deploy.

Each host namespace gets an ``/etc`` view of its own: ``ip netns exec NS`` bind-mounts every entry of
``/etc/netns/NS/`` over ``/etc/``, so the sshd started there, and every command of an SSH session, read
that namespace's files. The view holds:

- ``passwd``: this machine's, plus the spec's management user (``management.user``) with uid 0, so that
  the account exists only inside the lab and ``become`` (sudo as root) needs no sudoers entry; a real
  host's account is an unprivileged one with sudo rights;
- ``ssh/``: ``sshd_config`` (the spec's SSH port, keys only), ``authorized_keys`` (the lab's key) and
  the lab's host key;
- ``nftables.conf``: until the playbook writes the host firewall there, a booted image's: everything
  accepted, connections tracked (loaded at `up`). Tracking from the start matters: the playbook's
  firewall accepts established connections, and a connection conntrack only picked up midway (its
  window scaling unseen) would be judged invalid and dropped, cutting Ansible's own session;
- ``sudoers``: this machine's, keeping ``ANSIBLE_UNSAFE_WRITES`` through ``become``.

A bind-mounted file cannot be replaced by a rename, which is how Ansible writes files: the sshd sets
``ANSIBLE_UNSAFE_WRITES=1`` for its sessions (and sudo keeps it), so Ansible falls back to writing
such files in place.

The lab's key pair and host key live in the lab's state folder (``ssh/``), with an OpenSSH client
configuration using them, and an Ansible inventory of the spec's hosts exactly as `kiban inventory`
writes it (the management user and port, ProxyJump through each area's bastion) plus that client
configuration. Everything here is named by the lab's own namespaces and state folder, and removed by
`down` with them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kiban.lab.build import LabError, LabFiles
from kiban.lab.topology import LabHost
from kiban.verify.inventory import ansible_inventory
from kiban_platform.templates.config import playbook

NETNS_ETC = Path(os.environ.get("KIBAN_LAB_NETNS_ETC", "/etc/netns"))
SSHD = "/usr/sbin/sshd"
# sshd's privilege separation folder; Debian's package leaves it to systemd, which the lab does not run.
PRIVSEP_DIR = Path("/run/sshd")
KEY_TYPE = "ed25519"
# A host's firewall before the playbook's (see the module): it fails verify's host-firewall check.
BOOT_FIREWALL = """#!/usr/sbin/nft -f
# kiban lab: a booted host before its day-two firewall: everything accepted, connections tracked.
flush ruleset
table inet kiban {
    chain input {
        type filter hook input priority filter; policy accept;
        ct state established,related accept
    }
}
"""


@dataclass(frozen=True)
class SshFiles:
    """The rehearsal's files in the lab's state folder."""

    directory: Path

    @classmethod
    def of(cls, files: LabFiles) -> SshFiles:
        return cls(files.directory / "ssh")

    @property
    def identity(self) -> Path:
        """The operators' private key; its ``.pub`` is every host's authorized key."""
        return self.directory / f"id_{KEY_TYPE}"

    @property
    def host_key(self) -> Path:
        return self.directory / f"ssh_host_{KEY_TYPE}_key"

    @property
    def authorized_keys(self) -> Path:
        return self.directory / "authorized_keys"

    @property
    def known_hosts(self) -> Path:
        return self.directory / "known_hosts"

    @property
    def client_config(self) -> Path:
        return self.directory / "config"

    @property
    def home(self) -> Path:
        """The management user's home inside the lab (Ansible keeps its temporary files there)."""
        return self.directory / "home"

    @property
    def pids(self) -> Path:
        return self.directory / "pids"

    @property
    def inventory(self) -> Path:
        """The spec's hosts as `kiban inventory` writes them, reached over SSH with the lab's key."""
        return self.directory / "inventory.yaml"

    @property
    def playbook(self) -> Path:
        """`kiban playbook`'s host-firewall task, for the lab (``lab_playbook``)."""
        return self.directory / "site.yml"

    def pid_file(self, namespace: str) -> Path:
        return self.pids / f"{namespace}.pid"


def etc_view(namespace: str) -> Path:
    return NETNS_ETC / namespace


def _keygen(path: Path, comment: str) -> None:
    if path.exists():
        return
    if shutil.which("ssh-keygen") is None:
        raise LabError("'ssh-keygen' is not installed (Debian package openssh-client)")
    command = ["ssh-keygen", "-q", "-t", KEY_TYPE, "-N", "", "-C", comment, "-f", str(path)]
    subprocess.run(command, check=True, capture_output=True)


def prepare_keys(ssh: SshFiles) -> None:
    """The lab's key pair and host key (kept across `up`s), the authorized key and the client configuration."""
    ssh.directory.mkdir(parents=True, exist_ok=True)
    ssh.directory.chmod(0o700)
    _keygen(ssh.identity, "kiban-lab operator")
    _keygen(ssh.host_key, "kiban-lab host")
    ssh.authorized_keys.write_text(ssh.identity.with_suffix(".pub").read_text(encoding="utf-8"), encoding="utf-8")
    ssh.home.mkdir(exist_ok=True)
    ssh.pids.mkdir(exist_ok=True)
    # The hosts share the lab's host key and are new at every `up`: record them here, never in the
    # operator's own known_hosts. The jump through the bastion reads this file too (ssh passes -F on).
    ssh.client_config.write_text(
        "Host *\n"
        f"  IdentityFile {ssh.identity}\n"
        "  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {ssh.known_hosts}\n"
        "  StrictHostKeyChecking accept-new\n"
        "  ConnectTimeout 10\n",
        encoding="utf-8",
    )


def sshd_config(management: dict[str, Any], ssh: SshFiles, namespace: str) -> str:
    return (
        f"# kiban lab: the sshd of {namespace}, as the spec's management section says\n"
        f"Port {management['ssh_port']}\n"
        "ListenAddress 0.0.0.0\n"
        f"HostKey /etc/ssh/ssh_host_{KEY_TYPE}_key\n"
        f"PidFile {ssh.pid_file(namespace)}\n"
        # In the host's own /etc view: sshd's StrictModes refuses a key file below a world-writable
        # folder, as the state folder may be (a test's, under /tmp).
        "AuthorizedKeysFile /etc/ssh/authorized_keys\n"
        f"AllowUsers {management['user']}\n"
        "PermitRootLogin prohibit-password\n"  # the management user has uid 0 in the lab (see the module)
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "UsePAM no\n"
        "SetEnv ANSIBLE_UNSAFE_WRITES=1\n"  # /etc files here are bind mounts: written in place, not renamed
        "Subsystem sftp internal-sftp\n"
    )


def passwd_with(user: str, home: Path) -> str:
    """This machine's accounts and the management user (uid 0), for one namespace's ``/etc`` view."""
    accounts = Path("/etc/passwd").read_text(encoding="utf-8")
    kept = [line for line in accounts.splitlines() if line.split(":", 1)[0] != user]
    return "\n".join([*kept, f"{user}:*:0:0:kiban lab management:{home}:/bin/sh"]) + "\n"


def write_etc_view(namespace: str, management: dict[str, Any], ssh: SshFiles) -> None:
    view = etc_view(namespace)
    (view / "ssh").mkdir(parents=True, exist_ok=True)
    (view / "passwd").write_text(passwd_with(management["user"], ssh.home), encoding="utf-8")
    (view / "ssh" / "sshd_config").write_text(sshd_config(management, ssh, namespace), encoding="utf-8")
    host_key = view / "ssh" / f"ssh_host_{KEY_TYPE}_key"
    shutil.copyfile(ssh.host_key, host_key)
    host_key.chmod(0o600)
    shutil.copyfile(ssh.host_key.with_suffix(".pub"), host_key.with_suffix(".pub"))
    shutil.copyfile(ssh.authorized_keys, view / "ssh" / "authorized_keys")
    sudoers = view / "sudoers"
    sudoers.write_text(
        Path("/etc/sudoers").read_text(encoding="utf-8") + '\nDefaults env_keep += "ANSIBLE_UNSAFE_WRITES"\n',
        encoding="utf-8",
    )
    sudoers.chmod(0o440)
    firewall = view / "nftables.conf"
    if not firewall.exists() or not firewall.read_text(encoding="utf-8").strip():
        firewall.write_text(BOOT_FIREWALL, encoding="utf-8")
        firewall.chmod(0o600)


def _load_firewall(namespace: str) -> None:
    """Load the namespace's /etc/nftables.conf, as a host does at boot: the playbook's once it ran."""
    command = ["ip", "netns", "exec", namespace, "nft", "-f", "/etc/nftables.conf"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise LabError(f"nft refused {etc_view(namespace) / 'nftables.conf'}: {result.stderr.strip()}")


def sshd_running(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    # OpenSSH 9 retitles its listener ("sshd: /usr/sbin/sshd -f ... [listener] ..."): look for the path anywhere.
    return pid if SSHD.encode() in cmdline else None


def start_sshd(namespace: str, ssh: SshFiles) -> None:
    """Start the namespace's sshd, stopping one that runs: the ``/etc`` view is bound when it starts,
    so a file the view gained since would stay hidden from a reloaded one."""
    pid = sshd_running(ssh.pid_file(namespace))
    if pid is not None:
        _kill_tree(pid)
        deadline = time.monotonic() + 5
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    result = subprocess.run(
        ["ip", "netns", "exec", namespace, SSHD, "-f", "/etc/ssh/sshd_config"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise LabError(f"sshd did not start in {namespace}: {result.stderr.strip()}")


def start_all(
    hosts: Iterable[LabHost], management: dict[str, Any], files: LabFiles, report: Callable[[str, int, int], None]
) -> list[str]:
    """An sshd in every host namespace (outside networks get none); returns the namespaces."""
    if not Path(SSHD).exists():
        raise LabError(f"{SSHD} is not installed (Debian package openssh-server; scripts/setup.sh installs it)")
    if not Path("/etc/sudoers").exists():
        raise LabError("sudo is not installed (Debian package sudo; scripts/setup.sh installs it): become needs it")
    ssh = SshFiles.of(files)
    prepare_keys(ssh)
    PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
    namespaces = [host.namespace for host in hosts if not host.external]
    for done, namespace in enumerate(namespaces):
        report("starting sshd in every host", done, len(namespaces))
        write_etc_view(namespace, management, ssh)
        _load_firewall(namespace)
        start_sshd(namespace, ssh)
    return namespaces


def stop_all(files: LabFiles, namespaces: Iterable[str]) -> list[str]:
    """Stop the lab's sshds (and their sessions) and remove the namespaces' ``/etc`` views; return what was."""
    ssh = SshFiles.of(files)
    stopped: list[str] = []
    running = {}
    for namespace in namespaces:
        pid = sshd_running(ssh.pid_file(namespace))
        if pid is not None:
            running[namespace] = pid
    for namespace, pid in running.items():
        # Its sessions are its descendants: they go with it, or they would keep the namespace alive.
        _kill_tree(pid)
        stopped.append(f"sshd {namespace}")
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{pid}").exists() for pid in running.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    for namespace in namespaces:
        view = etc_view(namespace)
        if view.is_dir() and (view / "ssh" / "sshd_config").exists():
            shutil.rmtree(view)
            stopped.append(f"etc view {namespace}")
    if ssh.directory.exists():
        shutil.rmtree(ssh.directory)
    return stopped


def _kill_tree(pid: int) -> None:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        descendants = [int(child) for child in children.read_text().split()]
    except OSError:
        descendants = []
    for child in descendants:
        _kill_tree(child)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


class _Unsafe(str):
    """A value the playbook marks !unsafe (kept so through the filtering below)."""


class _Loader(yaml.SafeLoader):
    pass


class _Dumper(yaml.SafeDumper):
    pass


_Loader.add_constructor("!unsafe", lambda loader, node: _Unsafe(loader.construct_scalar(node)))  # type: ignore[arg-type]
_Dumper.add_representer(_Unsafe, lambda dumper, data: dumper.represent_scalar("!unsafe", str(data), style="|"))


def _writes_firewall_or_is_no_file(task: dict[str, Any]) -> bool:
    copy = task.get("ansible.builtin.copy")
    return copy is None or copy["dest"] == "/etc/nftables.conf"


def lab_playbook(document: dict[str, Any]) -> str:
    """`kiban playbook`'s play with its host-firewall task only: the lab runs no chrony, haproxy, unbound or
    PostgreSQL for the other tasks' handlers to reload (and this machine has no /etc/chrony to write into)."""
    play = yaml.load(playbook(document, "the lab"), Loader=_Loader)  # a SafeLoader that keeps !unsafe
    tasks = play[0]["tasks"]
    play[0]["tasks"] = [task for task in tasks if _writes_firewall_or_is_no_file(task)]
    play[0]["handlers"] = [h for h in play[0]["handlers"] if h["name"] == "Load the host firewall"]
    if len(play[0]["tasks"]) != 2:
        raise LabError("kiban playbook has no task writing /etc/nftables.conf any more: the lab cannot apply it")
    text: str = yaml.dump(play, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    return text


def ssh_inventory(document: dict[str, Any], ssh: SshFiles) -> dict[str, Any]:
    """The spec's hosts exactly as `kiban inventory` writes them, with the lab's client configuration."""
    result = ansible_inventory(document)
    # Passed to every ssh Ansible starts; OpenSSH passes -F on to the ProxyJump through the bastion.
    result["all"]["vars"]["ansible_ssh_extra_args"] = f"-F {ssh.client_config}"
    return result
