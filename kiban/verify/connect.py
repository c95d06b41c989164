"""How the suite reaches each host, honouring testinfra's own options (pure: builds host specs, connects to nothing).

By default a host is reached the way `kiban inventory` describes it: through Ansible
(``ansible://NAME`` with the kiban inventory), which goes through the host's bastion as the
operations account and escalates with become; a lab host through its namespace. An
operator's own testinfra options take precedence and are never overridden:

- ``--hosts a,b``: only these inventory hosts or groups (``role_bastion``, ``area_lgwan``, ``all``);
  an entry with a scheme (``ssh://juki-app-2``) is used as that host's spec as written;
- kiban's ``--kiban-area ID`` (``kiban verify --area ID``): only the hosts of that area, the ones its
  operators' terminal reaches through its bastion; a host of another area asked for is refused;
- ``--ansible-inventory FILE``: Ansible reads this inventory instead of kiban's;
- ``--connection NAME``: that testinfra backend (``ssh``, ``paramiko``, ...) to the host's address,
  as the inventory's user and port; ``ssh`` and ``safe-ssh`` jump through the bastion unless
  ``--ssh-config`` or ``--ssh-extra-args`` says how to get there;
- ``--ssh-config``, ``--ssh-identity-file``, ``--ssh-extra-args``, ``--sudo``, ``--sudo-user``,
  ``--force-ansible``: passed to the backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SSH_COMMAND_BACKENDS = ("ssh", "safe-ssh")
ALL_HOSTS = "all"


class HostSelectionError(ValueError):
    """``--hosts`` names something the inventory does not have."""


@dataclass(frozen=True)
class ConnectionOptions:
    """testinfra's command-line options, as the operator gave them (None or False when not given)."""

    connection: str | None = None
    hosts: str | None = None
    ssh_config: str | None = None
    ssh_extra_args: str | None = None
    ssh_identity_file: str | None = None
    sudo: bool = False
    sudo_user: str | None = None
    ansible_inventory: str | None = None
    force_ansible: bool = False

    @classmethod
    def from_config(cls, config: pytest.Config) -> ConnectionOptions:
        option = config.option
        return cls(
            connection=getattr(option, "connection", None),
            hosts=getattr(option, "hosts", None),
            ssh_config=getattr(option, "ssh_config", None),
            ssh_extra_args=getattr(option, "ssh_extra_args", None),
            ssh_identity_file=getattr(option, "ssh_identity_file", None),
            sudo=bool(getattr(option, "sudo", False)),
            sudo_user=getattr(option, "sudo_user", None),
            ansible_inventory=getattr(option, "ansible_inventory", None),
            force_ansible=bool(getattr(option, "force_ansible", False)),
        )


def _name_of(entry: str) -> tuple[str, str | None]:
    """'ssh://ops@juki-app-2:22?sudo=true' -> ('juki-app-2', the entry); 'juki-app-2' -> ('juki-app-2', None)."""
    if "://" not in entry:
        return entry, None
    rest = entry.split("://", 1)[1].split("?", 1)[0]
    host = rest.rsplit("@", 1)[-1]
    if host.startswith("["):
        return host[1:].split("]", 1)[0], entry
    return host.split(":", 1)[0], entry


def inventory_areas(inventory: dict[str, Any]) -> list[str]:
    """The areas of the inventory's hosts, in the inventory's order."""
    return list(
        dict.fromkeys(
            str(facts["kiban_area"]) for facts in inventory["all"]["hosts"].values() if facts.get("kiban_area")
        )
    )


def select_hosts(inventory: dict[str, Any], hosts_option: str | None, area: str | None = None) -> dict[str, str | None]:
    """The inventory hosts the run covers, each with the spec the operator wrote for it (None: kiban decides).

    Without ``--hosts``: every host. Entries are host names or Ansible group names of the inventory.
    With ``area`` (``--area``, a run from that area's operators' terminal, which reaches only its own
    bastion): only that area's hosts; a group gives its members of the area, and a host of another
    area named on its own is refused, before anything tries to connect to it.
    """
    hosts: dict[str, Any] = inventory["all"]["hosts"]
    if area is not None and area not in inventory_areas(inventory):
        known = ", ".join(inventory_areas(inventory))
        raise HostSelectionError(f"--area: {area!r} is not an area of the inventory (its areas: {known})")

    def in_area(name: str) -> bool:
        return area is None or hosts[name].get("kiban_area") == area

    if not hosts_option:
        return {name: None for name in hosts if in_area(name)}
    groups: dict[str, Any] = inventory["all"].get("children") or {}
    selected: dict[str, str | None] = {}
    for entry in (part.strip() for part in hosts_option.split(",")):
        if not entry:
            continue
        name, written = _name_of(entry)
        if name in hosts:
            if not in_area(name):
                raise HostSelectionError(
                    f"--hosts: {name} is in area {hosts[name].get('kiban_area') or 'outside'}: not reachable from "
                    f"area {area}'s terminal (--area {area}); check it from that area's terminal"
                )
            selected[name] = written
        elif name in groups or name == ALL_HOSTS:
            members = hosts if name == ALL_HOSTS else (groups[name].get("hosts") or {})
            for member in members:
                if in_area(member):
                    selected.setdefault(member, None)
        else:
            raise HostSelectionError(f"--hosts: {name!r} is neither a host nor a group of the inventory")
    if area is not None and not selected:
        raise HostSelectionError(f"--hosts: {hosts_option!r} has no host in area {area} (--area {area})")
    return selected


def _backend_options(options: ConnectionOptions) -> dict[str, Any]:
    given = {
        "ssh_config": options.ssh_config,
        "ssh_identity_file": options.ssh_identity_file,
        "sudo_user": options.sudo_user,
    }
    found: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    if options.sudo:
        found["sudo"] = True
    return found


def host_spec(
    name: str, facts: dict[str, Any], kiban_inventory: Path, options: ConnectionOptions, written: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The testinfra host spec and keyword arguments that reach inventory host ``name``."""
    kwargs = _backend_options(options)
    if written is not None:
        if options.ansible_inventory and written.startswith("ansible://"):
            kwargs["ansible_inventory"] = options.ansible_inventory
        return written, kwargs
    namespace = facts.get("kiban_netns")
    if namespace and options.connection is None:
        return f"netns://{namespace}", {}
    connection = options.connection or "ansible"
    if connection == "ansible":
        kwargs["ansible_inventory"] = options.ansible_inventory or str(kiban_inventory)
        if options.force_ansible:
            kwargs["force_ansible"] = True
        return f"ansible://{name}", kwargs
    user, port = facts.get("ansible_user"), facts.get("ansible_port")
    target = f"{user}@{facts['ansible_host']}" if user else str(facts["ansible_host"])
    if port:
        target += f":{port}"
    if facts.get("ansible_become") and "sudo" not in kwargs:
        kwargs["sudo"] = True
    if connection in SSH_COMMAND_BACKENDS:
        if options.ssh_extra_args is not None:
            kwargs["ssh_extra_args"] = options.ssh_extra_args
        elif options.ssh_config is None and facts.get("ansible_ssh_common_args"):
            kwargs["ssh_extra_args"] = facts["ansible_ssh_common_args"]
    return f"{connection}://{target}", kwargs
