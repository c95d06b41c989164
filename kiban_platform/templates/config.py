"""The day-two configuration: what changes with the city, delivered by Ansible, never by boot user data.

A host's boot user data (``templates/cloud-init``) holds only what belongs to the host itself and its
area's fixed platform addresses, so adding, removing or reordering a business never changes it (a
changed user data makes both providers create a new server). Everything that follows the rest of
the city is rendered here, from the stack's ``inventory`` output alone, and applied in place by the
playbook ``kiban playbook`` writes:

- every host's nftables firewall: exactly the flow plan's rules into its group;
- every host's time sources: the individual time and name nodes of its area;
- the load balancers' haproxy configuration: one backend per web tier of the area;
- the time and name nodes' allow lists (chrony, unbound) and the shared database's ``pg_hba.conf``:
  the planned clients.

Pure: no Pulumi, no spec; the same inventory document always gives the same text.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from kiban_platform.spec.model import MiddlewareRole, Port
from kiban_platform.templates import Allowed, environment


@dataclass(frozen=True)
class ConfigHost:
    """One host of the inventory document, as the configuration templates see it."""

    name: str
    role: str
    area: str
    group: str
    address: str
    ports: tuple[str, ...]


@dataclass(frozen=True)
class WebBackend:
    business: str
    address: str
    port: int


@dataclass(frozen=True)
class HostFile:
    """One file the playbook writes on a host, and how it is checked and applied."""

    key: str  # the playbook's name for it
    content: str


def parse_port(text: str) -> Port:
    """A port as the inventory writes it ("443/tcp", "8000-8010/udp")."""
    span, _, protocol = text.partition("/")
    first, _, last = span.partition("-")
    return Port.model_validate({"first": int(first), "last": int(last or first), "protocol": protocol or "tcp"})


def allowed_from_document(
    flows: Sequence[Mapping[str, Any]], group: str, kinds: frozenset[str] | None = None
) -> tuple[Allowed, ...]:
    """The inventory's rules into ``group`` (of ``kinds`` only, when given), as the host firewall admits them."""
    allowed = []
    for rule in flows:
        if rule["to"]["group"] != group or (kinds is not None and rule["kind"] not in kinds):
            continue
        reason = f"{rule['from']['group']} -> {group} {rule['port']} ({rule['kind']}"
        reason += f", flow {rule['flow']})" if rule.get("flow") else ")"
        allowed.append(Allowed(str(rule["from"]["cidr"]), parse_port(str(rule["port"])), reason))
    return tuple(allowed)


def _sorted_cidrs(allowed: Sequence[Allowed]) -> list[str]:
    return sorted({entry.cidr for entry in allowed}, key=ipaddress.IPv4Network)


def _service_addresses(document: Mapping[str, Any]) -> dict[str, str]:
    """Subnet CIDR -> its service address (where its load balancer answers)."""
    return {
        subnet["cidr"]: subnet["service_address"]
        for area in document["areas"]
        for segment in area["segments"]
        for subnet in segment["subnets"]
    }


def web_backends(document: Mapping[str, Any], area: str) -> tuple[WebBackend, ...]:
    """The web tiers the area's load balancer forwards to, by business id then port (order-free)."""
    services = _service_addresses(document)
    backends = set()
    for rule in document["flows"]:
        if rule["kind"] != "load-balancer-to-web" or rule["to"]["area"] != area:
            continue
        port = parse_port(str(rule["port"]))
        if port.first != port.last:
            continue
        business = str(rule["to"]["group"]).split("/")[0]
        backends.add(WebBackend(business, services[rule["to"]["cidr"]], port.first))
    return tuple(sorted(backends, key=lambda backend: (backend.business, backend.port)))


def _hosts(document: Mapping[str, Any]) -> list[ConfigHost]:
    return [
        ConfigHost(
            str(h["name"]), str(h["role"]), str(h["area"]), str(h["group"]), str(h["address"]), tuple(h["ports"])
        )
        for h in document["hosts"]
    ]


def host_files(document: Mapping[str, Any], host: ConfigHost) -> list[HostFile]:
    """Every day-two file of ``host``, rendered from the inventory document."""
    env = environment()
    inbound = allowed_from_document(document["flows"], host.group)
    cidrs = _sorted_cidrs(inbound)
    time_nodes = sorted(
        (
            other.address
            for other in _hosts(document)
            if other.area == host.area and other.role == MiddlewareRole.TIME_NAME.value
        ),
        key=ipaddress.IPv4Address,
    )
    servers = [address for address in time_nodes if address != host.address]
    files = [
        HostFile(
            "nftables",
            env.get_template("nftables.conf.j2").render(
                vm=host, inbound=inbound, firewall_scope="exactly the flow plan's rules"
            ),
        ),
        HostFile("chrony_sources", env.get_template("chrony-sources.j2").render(host=host, servers=servers)),
    ]
    role = host.role
    if role == MiddlewareRole.LOAD_BALANCER.value:
        backends = web_backends(document, host.area)
        # One frontend per single port the load balancer serves; a web tier on another port has no frontend.
        served = [parse_port(port) for port in host.ports]
        frontends = sorted({port.first for port in served if port.first == port.last and port.protocol == "tcp"})
        files.append(
            HostFile(
                "haproxy",
                env.get_template("haproxy.cfg.j2").render(host=host, backends=backends, frontends=frontends),
            )
        )
    elif role == MiddlewareRole.TIME_NAME.value:
        files.append(HostFile("chrony_server", env.get_template("chrony-server.conf.j2").render(inbound_cidrs=cidrs)))
        files.append(HostFile("unbound", env.get_template("unbound.conf.j2").render(inbound_cidrs=cidrs)))
    elif role == MiddlewareRole.DATABASE.value:
        files.append(HostFile("pg_hba", env.get_template("pg_hba.conf.j2").render(inbound_cidrs=cidrs)))
    return files


class _Unsafe(str):
    """Text Ansible must not template (nftables and haproxy use braces of their own)."""


def _unsafe_representer(dumper: yaml.SafeDumper, value: _Unsafe) -> yaml.Node:
    return dumper.represent_scalar("!unsafe", str(value), style="|")


class _PlaybookDumper(yaml.SafeDumper):
    """PyYAML's dumper with a list indented under its key (``tasks:`` then ``  - name:``), as ansible-lint's
    yamllint rules want; PyYAML writes block lists level with their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_PlaybookDumper.add_representer(_Unsafe, _unsafe_representer)

# Where each file goes, its mode, how Ansible checks it before replacing the old one, and what applies it.
FILE_TASKS: tuple[dict[str, str], ...] = (
    {
        "key": "nftables",
        "name": "Host firewall: exactly the flow plan's rules into the host's group",
        "dest": "/etc/nftables.conf",
        "mode": "0600",
        "validate": "nft -c -f %s",
        "notify": "Load the host firewall",
    },
    {
        "key": "chrony_sources",
        "name": "Time sources: the area's time and name nodes",
        "dest": "/etc/chrony/sources.d/kiban.sources",
        "mode": "0644",
        "notify": "Reload time sources",
    },
    {
        "key": "haproxy",
        "name": "Load balancer: one backend per web tier of the area",
        "dest": "/etc/haproxy/haproxy.cfg",
        "mode": "0644",
        "validate": "haproxy -c -f %s",
        "notify": "Reload haproxy",
    },
    {
        "key": "chrony_server",
        "name": "Time service: the planned clients",
        "dest": "/etc/chrony/conf.d/90-kiban-server.conf",
        "mode": "0644",
        "notify": "Restart chrony",
    },
    {
        "key": "unbound",
        "name": "Name service: the planned clients",
        "dest": "/etc/unbound/unbound.conf.d/90-kiban.conf",
        "mode": "0644",
        "notify": "Reload unbound",
    },
    {
        "key": "pg_hba",
        "name": "Shared database: the planned clients",
        "dest": "/etc/kiban/database/pg_hba.conf",
        "mode": "0644",
        "notify": "Install the database's client list",
    },
)

# A handler runs only when its file changed, so a command run by one has changed the host: `changed_when: true`
# says so (ansible-lint's no-changed-when) and keeps `--check` reports honest.
HANDLERS: tuple[dict[str, Any], ...] = (
    {"name": "Load the host firewall", "ansible.builtin.command": "nft -f /etc/nftables.conf", "changed_when": True},
    {"name": "Reload time sources", "ansible.builtin.command": "chronyc reload sources", "changed_when": True},
    {"name": "Restart chrony", "ansible.builtin.service": {"name": "chrony", "state": "restarted"}},
    {"name": "Reload haproxy", "ansible.builtin.service": {"name": "haproxy", "state": "reloaded", "enabled": True}},
    {"name": "Reload unbound", "ansible.builtin.service": {"name": "unbound", "state": "reloaded"}},
    {
        "name": "Install the database's client list",
        "ansible.builtin.shell": (
            "for main in /etc/postgresql/*/main; do "
            'install -m 0640 -g postgres /etc/kiban/database/pg_hba.conf "$main/pg_hba.conf"; done; '
            "systemctl reload postgresql.service"
        ),
        "changed_when": True,
    },
)


def playbook(document: Mapping[str, Any], source: str) -> str:
    """The Ansible playbook that applies every host's day-two files in place (one file, hosts by name)."""
    config = {
        host.name: {file.key: _Unsafe(file.content) for file in host_files(document, host)}
        for host in sorted(_hosts(document), key=lambda host: host.name)
    }
    tasks = []
    for task in FILE_TASKS:
        key = task["key"]
        copy: dict[str, Any] = {
            "dest": task["dest"],
            "content": f"{{{{ kiban_config[inventory_hostname].{key} }}}}",
            "owner": "root",
            "group": "root",
            "mode": task["mode"],
        }
        if "validate" in task:
            copy["validate"] = task["validate"]
        tasks.append(
            {
                "name": task["name"],
                "ansible.builtin.copy": copy,
                "when": f"kiban_config[inventory_hostname].{key} is defined",
                "notify": task["notify"],
            }
        )
    play = {
        "name": "Day-two configuration by kiban, applied in place (boot user data never changes)",
        # Hosts the stack does not know (an outside network in a lab inventory) are left alone.
        "hosts": "all",
        "become": True,
        "gather_facts": False,
        "vars": {"kiban_config": config},
        "tasks": [
            {
                "name": "Skip hosts the stack does not declare",
                "ansible.builtin.meta": "end_host",
                "when": "inventory_hostname not in kiban_config",
            },
            *tasks,
        ],
        "handlers": list(HANDLERS),
    }
    header = (
        f"# Generated by `kiban playbook` from {source}: run after every `pulumi up`, with the inventory of\n"
        "# `kiban inventory` (ansible-playbook -i inventory.yml site.yml). It rewrites only what changed.\n"
    )
    return header + yaml.dump([play], Dumper=_PlaybookDumper, allow_unicode=True, sort_keys=False, width=120)
