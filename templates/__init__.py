"""Cloud-init user data per role, rendered from jinja2 templates in ``templates/cloud-init``.

Provider-neutral: every target boots the same images with the same user data.
Scalars go through ``tojson`` (JSON is YAML), so a name or a product with YAML
syntax in it cannot change the document's structure.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from inventory.hosts import PlannedHost
from network.flows import FlowPlan, Rule
from network.plan import NetworkPlan
from spec.model import MiddlewareRole, PlatformSpec, Port, TierName

TEMPLATE_DIR = Path(__file__).parent / "cloud-init"
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
class WebBackend:
    business: str
    address: str
    port: int


@dataclass(frozen=True)
class AreaServices:
    """What every host of one area points at: the time and name nodes, monitoring, the web tiers behind the LB."""

    area: str
    supernet: str
    time_name: tuple[str, ...]
    monitoring: str | None  # the monitoring service address (load-balanced), when the area has monitoring
    web_backends: tuple[WebBackend, ...]


def area_services(spec: PlatformSpec, network: NetworkPlan, hosts: Sequence[PlannedHost], area_id: str) -> AreaServices:
    area = spec.area(area_id)
    time_name = tuple(
        str(host.address)
        for host in hosts
        if host.vm.area == area_id and host.vm.middleware_role == MiddlewareRole.TIME_NAME
    )
    monitoring = None
    if spec.middleware.in_area(MiddlewareRole.MONITORING, area_id):
        monitoring = str(network.role_subnet(area_id, MiddlewareRole.MONITORING).service_address)
    backends = []
    for business in spec.businesses:
        web = business.tiers.web
        if business.area == area_id and web is not None:
            subnet = network.tier_subnet(business.id, TierName.WEB)
            ports = [port for port in (web.ports or [Port(first=443, last=443)]) if port.first == port.last]
            for port in ports:
                backends.append(WebBackend(business.id, str(subnet.service_address), port.first))
    return AreaServices(area_id, str(area.supernet), time_name, monitoring, tuple(backends))


def allowed_inbound(flows: FlowPlan, group: str) -> tuple[Allowed, ...]:
    """The flow plan's rules into ``group``, as the host firewall accepts them."""
    return tuple(_allowed(rule) for rule in flows.rules if rule.destination.id == group)


def _allowed(rule: Rule) -> Allowed:
    reason = f"{rule.source.id} -> {rule.destination.id} {rule.port} ({rule.kind.value}"
    reason += f", flow {rule.flow})" if rule.flow else ")"
    return Allowed(str(rule.source.cidr), rule.port, reason)


@functools.cache
def _environment() -> jinja2.Environment:
    # StrictUndefined: a missing context value is a bug, never an empty string in a config file.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
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
    inbound: Sequence[Allowed],
    database_password: str | None = None,
) -> str:
    """The ``#cloud-config`` document of one host."""
    if host.vm.middleware_role == MiddlewareRole.DATABASE and database_password is None:
        raise ValueError(f"{host.name}: a database node needs the database admin password")
    peers = tuple(address for address in services.time_name if address != str(host.address))
    template = _environment().get_template(template_name(host))
    return template.render(
        host=host,
        vm=host.vm,
        address=str(host.address),
        ports=[str(port) for port in host.vm.ports],
        services=services,
        ntp_servers=peers if host.vm.middleware_role == MiddlewareRole.TIME_NAME else services.time_name,
        inbound=inbound,
        inbound_cidrs=sorted({allowed.cidr for allowed in inbound}, key=ipaddress.IPv4Network),
        database_password=database_password,
        timezone=TIMEZONE,
    )
