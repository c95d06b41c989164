"""Cloud-init user data per role, rendered from jinja2 templates in ``templates/cloud-init``.

Provider-neutral: every target boots the same images with the same user data.
Scalars go through ``tojson`` (JSON is YAML), so a name or a product with YAML
syntax in it cannot change the document's structure.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from kiban_platform.network.flows import BOOT_RULE_KINDS, FlowPlan, Rule, RuleKind
from kiban_platform.network.hosts import PlannedHost
from kiban_platform.network.plan import NetworkPlan
from kiban_platform.spec.model import MiddlewareRole, PlatformSpec, Port

TEMPLATE_DIR = Path(__file__).parent / "cloud-init"
CONFIG_TEMPLATE_DIR = Path(__file__).parent / "config"
TIMEZONE = "Asia/Tokyo"


@dataclass(frozen=True)
class Allowed:
    """One accepted inbound connection: from ``cidr`` to ``port``, and the plan's reason."""

    cidr: str
    port: Port
    reason: str

    @property
    def nft_match(self) -> str:
        span = str(self.port.first) if self.port.first == self.port.last else f"{self.port.first}-{self.port.last}"
        return f"ip saddr {self.cidr} {self.port.protocol.value} dport {span}"


@dataclass(frozen=True)
class AreaServices:
    """The fixed platform addresses every host of one area points at from its first boot.

    Only what stays put when businesses come and go: the area's time and name nodes (DNS for the
    subnets), the time and name service address, and the monitoring service address. What follows
    the rest of the city (firewall rules, load-balancer backends, client lists) is day-two
    configuration (``templates.config``), applied in place by Ansible.
    """

    area: str
    supernet: str
    time_name: tuple[str, ...]  # the time and name nodes' own addresses
    time_name_service: str | None  # the time and name service address (load-balanced), when the area has it
    monitoring: str | None  # the monitoring service address (load-balanced), when the area has monitoring


def area_services(spec: PlatformSpec, network: NetworkPlan, hosts: Sequence[PlannedHost], area_id: str) -> AreaServices:
    area = spec.area(area_id)
    time_name = tuple(
        str(host.address)
        for host in hosts
        if host.vm.area == area_id and host.vm.middleware_role == MiddlewareRole.TIME_NAME
    )

    def service(role: MiddlewareRole) -> str | None:
        if not spec.middleware.in_area(role, area_id):
            return None
        return str(network.role_subnet(area_id, role).service_address)

    return AreaServices(
        area_id, str(area.supernet), time_name, service(MiddlewareRole.TIME_NAME), service(MiddlewareRole.MONITORING)
    )


def allowed_inbound(flows: FlowPlan, group: str, kinds: frozenset[RuleKind] | None = None) -> tuple[Allowed, ...]:
    """The flow plan's rules into ``group`` (of ``kinds`` only, when given), as the host firewall accepts them."""
    return tuple(
        _allowed(rule) for rule in flows.rules if rule.destination.id == group and (kinds is None or rule.kind in kinds)
    )


def _allowed(rule: Rule) -> Allowed:
    reason = f"{rule.source.id} -> {rule.destination.id} {rule.port} ({rule.kind.value}"
    reason += f", flow {rule.flow})" if rule.flow else ")"
    return Allowed(str(rule.source.cidr), rule.port, reason)


@functools.cache
def environment() -> jinja2.Environment:
    """Both template folders: boot documents (cloud-init) and day-two files (config)."""
    # StrictUndefined: a missing context value is a bug, never an empty string in a config file.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([TEMPLATE_DIR, CONFIG_TEMPLATE_DIR]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # YAML, not HTML
    )


def template_name(host: PlannedHost) -> str:
    """Middleware nodes have a template per role; business VMs share one per tier."""
    role = host.vm.middleware_role
    return f"{role.value}.yaml.j2" if role is not None else "business.yaml.j2"


def render_user_data(
    host: PlannedHost,
    services: AreaServices,
    flows: FlowPlan,
    database_password: str | None = None,
) -> str:
    """The ``#cloud-config`` document of one host: the same whatever else the city adds, removes or reorders.

    Its firewall admits the management path only (``BOOT_RULE_KINDS``); `kiban playbook` installs the
    flow plan's rules, the time sources and the role's client lists in place after `pulumi up`.
    """
    if host.vm.middleware_role == MiddlewareRole.DATABASE and database_password is None:
        raise ValueError(f"{host.name}: a database node needs the database admin password")
    inbound = allowed_inbound(flows, host.group, BOOT_RULE_KINDS)
    # sshd listens where the management path arrives (the spec's management.ssh_port); none: its default.
    ssh_ports = sorted({allowed.port.first for allowed in inbound})
    is_time_node = host.vm.middleware_role == MiddlewareRole.TIME_NAME
    # Until the playbook lists the nodes one by one, every host follows the area's time service address;
    # a time node itself waits for its peers (the playbook's) and serves its local clock meanwhile.
    boot_ntp = [] if is_time_node or services.time_name_service is None else [services.time_name_service]
    template = environment().get_template(template_name(host))
    return template.render(
        host=host,
        vm=host.vm,
        address=str(host.address),
        ports=[str(port) for port in host.vm.ports],
        services=services,
        ntp_servers=boot_ntp,
        inbound=inbound,
        ssh_port=ssh_ports[0] if ssh_ports else None,
        firewall_scope="at boot the management path only; `kiban playbook` installs the flow plan's rules",
        database_password=database_password,
        timezone=TIMEZONE,
    )
