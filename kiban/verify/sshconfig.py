"""An OpenSSH client configuration for a whole city, from the Ansible inventory `kiban inventory` writes.

Why a file rather than options: ``ssh -i KEY -J BASTION HOST`` (and Ansible's ``--private-key``, and
testinfra's ``--ssh-identity-file``) give the key to the last hop only; the jump to the bastion is a
second ssh that reads nothing but the configuration. So each host gets a ``Host`` block and each
bastion one of its own, every block with the user, the port, the key (``IdentityFile`` and
``IdentitiesOnly``) and the host-key policy, and each host behind a bastion ``ProxyJump``s to the
bastion's block by name: both hops use the key. A block answers to the host's inventory name and to
its address, because Ansible and testinfra connect to ``ansible_host`` and the inventory's own
``-o ProxyJump=USER@ADDRESS:PORT`` names the bastion by address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiban.verify.hostvars import expanded
from kiban_platform.spec.problems import Problem, SpecError

# What a host name or user may be in the file: anything else (spaces, quotes, the pattern characters
# * ? ! , of Host lines, % tokens, or @ and : which ProxyJump reads as user and port) changes its meaning.
_TOKEN = re.compile(r"^[A-Za-z0-9._-]+$")


class HostKeyChecking(StrEnum):
    """OpenSSH's StrictHostKeyChecking: refuse unknown keys, learn the first one, or accept any."""

    YES = "yes"
    ACCEPT_NEW = "accept-new"
    NO = "no"


@dataclass(frozen=True)
class SshOptions:
    identity: str | None = None
    host_key_checking: HostKeyChecking = HostKeyChecking.YES
    known_hosts: str | None = None


@dataclass(frozen=True)
class _Target:
    name: str
    address: str
    user: str | None
    port: int | None
    jump: str | None  # the bastion block's name, or None for a host reached directly
    patterns: tuple[str, ...]


def _path_value(value: str) -> str:
    """A path as an IdentityFile or UserKnownHostsFile value: quoted (spaces), % literal (ssh expands %d, %u)."""
    return '"' + value.replace("%", "%%") + '"'


def writable_path(value: str) -> bool:
    """Whether ssh_config can hold this path: double quotes and control characters cannot be quoted there."""
    return not re.search(r'["\x00-\x1f\x7f]', value)


def _token_problems(where: tuple[str | int, ...], value: Any, what: str) -> list[Problem]:
    if isinstance(value, str) and _TOKEN.match(value):
        return []
    return [Problem(where, f"{what} {value!r} cannot be an ssh_config token (letters, digits and . _ -)")]


def _targets(document: dict[str, Any], file: Path) -> list[_Target]:
    view = expanded(document)["all"]["hosts"]
    hosts = {name: facts for name, facts in view.items() if not facts.get("kiban_external")}
    problems: list[Problem] = []
    bastions: dict[tuple[str, str], str] = {}
    for name, facts in hosts.items():
        problems += _token_problems(("all", "hosts", name), name, "host name")
        user = facts.get("ansible_user")
        if user is not None:
            problems += _token_problems(("all", "hosts", name, "ansible_user"), user, "user")
        port = facts.get("ansible_port")
        if port is not None and (not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535):
            problems.append(Problem(("all", "hosts", name, "ansible_port"), f"port {port!r} is not 1-65535"))
        if facts.get("kiban_role") == "bastion":
            bastions.setdefault((str(facts.get("kiban_site")), str(facts["ansible_host"])), name)
    if problems:
        raise SpecError(file, problems)
    addresses: dict[str, int] = {}
    for facts in hosts.values():
        addresses[str(facts["ansible_host"])] = addresses.get(str(facts["ansible_host"]), 0) + 1
    targets: list[_Target] = []
    jumps_by_address: dict[str, _Target] = {}
    for name, facts in hosts.items():
        address = str(facts["ansible_host"])
        user, port = facts.get("ansible_user"), facts.get("ansible_port")
        bastion = facts.get("kiban_bastion")
        jump: str | None = None
        if bastion and facts.get("kiban_role") != "bastion":
            jump = bastions.get((str(facts.get("kiban_site")), str(bastion)))
            if jump is None:
                # The bastion is not in this inventory (a lab keeps one host per group): a block for its address.
                jump = str(bastion)
                jumps_by_address.setdefault(jump, _Target(jump, jump, user, port, None, (jump,)))
        # An address two hosts share (a lab's namespaces) would match the first block only: name-only then.
        patterns = (name, address) if addresses[address] == 1 else (name,)
        targets.append(_Target(name, address, user, port, jump, patterns))
    taken = {pattern for target in targets for pattern in target.patterns}
    return targets + [target for address, target in jumps_by_address.items() if address not in taken]


def _block(target: _Target, options: SshOptions) -> list[str]:
    lines = [f"Host {' '.join(target.patterns)}", f"  HostName {target.address}"]
    if target.user is not None:
        lines.append(f"  User {target.user}")
    if target.port is not None:
        lines.append(f"  Port {target.port}")
    if target.jump is not None:
        lines.append(f"  ProxyJump {target.jump}")
    if options.identity is not None:
        lines += [f"  IdentityFile {_path_value(options.identity)}", "  IdentitiesOnly yes"]
    lines.append(f"  StrictHostKeyChecking {options.host_key_checking.value}")
    if options.known_hosts is not None:
        lines.append(f"  UserKnownHostsFile {_path_value(options.known_hosts)}")
    return lines


def ssh_config_text(document: dict[str, Any], options: SshOptions, file: Path) -> str:
    """The ssh_config text for every host of the Ansible inventory read from ``file`` (already schema-checked).

    SpecError (FILE: all.hosts.NAME: ...) when a host's name, user or port cannot be written as an
    ssh_config token. Hosts reached directly (bastions) come first, then the others, each in inventory order.
    """
    targets = _targets(document, file)
    ordered = [t for t in targets if t.jump is None] + [t for t in targets if t.jump is not None]
    header = [
        f"# OpenSSH client configuration written by `kiban ssh-config` from {file.name}.",
        "# Each host is reached through its area's bastion (ProxyJump) with the same key on both hops.",
        "# Use: ssh -F THIS HOST; ANSIBLE_SSH_ARGS='-F THIS' ansible-playbook ...; kiban verify ... --ssh-config THIS",
    ]
    blocks: list[str] = []
    for target in ordered:
        blocks += ["", *_block(target, options)]
    return "\n".join([*header, *blocks]) + "\n"


def resolved_path(value: str | None) -> str | None:
    """A path as ssh should see it wherever it runs: absolute, except a ``~`` path that ssh expands itself."""
    if value is None or value.startswith("~"):
        return value
    return str(Path(value).absolute())
