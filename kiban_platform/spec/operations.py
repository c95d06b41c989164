"""One operations plane for the whole city (統合運用管理): monitoring, job management, logs, time and names.

A city spread over several sites still runs one monitoring plane, one job-management plane, one
log collector and one time/name authority (HYBRID.md §5). ``operations`` says at which site each
manager runs; at every other site the same middleware role stands as the plane's relay (a Zabbix
proxy in active mode, a job agent, a log forwarder, a forwarding resolver with a chrony server that
follows the authority). A relay is not a new host: it is that site's own instance of the role,
which already runs at every site carrying one of the role's areas.

The relays open their connections toward the manager, one way, as the products allow (active
Zabbix proxies and agents, job agents, syslog forwarders, NTP and DNS clients); kiban plans each
of those connections as a flow of the spec (``spec.operations_plan``), with its data class:

- monitoring: ``anonymized`` (metrics and events of hosts: nothing tied to a person, yet not
  published);
- job management: ``personal`` (job definitions, parameters and results of the businesses' batch
  work name residents);
- logs: ``personal`` (application and access logs name users and residents);
- time and names: ``public`` (NTP time and DNS answers).

A plane may raise its class with ``data`` (say, logs that may hold My Numbers: ``my_number``); the
flows are then held to every ceiling and link rule a declared flow of that class is held to.

Models only (shape and defaults); the rules that need the whole spec are ``spec.operations_checks``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from kiban_platform.spec.fields import Identifier, Port, PortSpec, StrictModel
from kiban_platform.spec.privacy import DataClass


class Plane(StrEnum):
    """The planes of ``operations``, in the order kiban plans them."""

    MONITORING = "monitoring"
    JOB_MANAGEMENT = "job_management"
    LOGS = "logs"
    TIME_NAME = "time_name"


class MonitoringRelay(StrEnum):
    # A Zabbix proxy in active mode opens the connection to the server's trapper port (10051/tcp),
    # buffers locally while the link is down, and needs nothing opened toward it.
    ZABBIX_PROXY_ACTIVE = "zabbix_proxy_active"


class JobRelay(StrEnum):
    # The job agent at the site connects to the job manager on the job_management service's ports.
    JOB_AGENT = "job_agent"


class LogRelay(StrEnum):
    # A syslog forwarder (rsyslog/fluentd class) ships the site's logs to the collector, one way.
    FORWARDER = "forwarder"


class TimeNameRelay(StrEnum):
    # A forwarding resolver for the city's zones and a chrony server that follows the authority.
    FORWARDING_RESOLVER_AND_CHRONY = "forwarding_resolver_and_chrony"


# Zabbix server's trapper port: where active proxies send (Zabbix manual, "Proxies").
MONITORING_PORTS = (Port(first=10051, last=10051),)
# syslog over TLS (RFC 5425): the forwarders' default toward the collector across a link.
LOG_PORT = Port(first=6514, last=6514)
# NTP (RFC 5905) and DNS (RFC 1035; TCP for large answers and zone data, RFC 7766).
TIME_NAME_PORTS = (
    Port.model_validate({"first": 123, "last": 123, "protocol": "udp"}),
    Port.model_validate({"first": 53, "last": 53, "protocol": "udp"}),
    Port(first=53, last=53),
)


class MonitoringPlane(StrictModel):
    """The city's one monitoring manager and the proxy at every other site."""

    manager_site: Identifier = Field(description="the site whose monitoring role is the manager (Zabbix server)")
    relay: MonitoringRelay = Field(
        default=MonitoringRelay.ZABBIX_PROXY_ACTIVE,
        description="what the monitoring role is at every other site: an active proxy, which opens the connection "
        "to the manager on 10051/tcp",
    )
    data: DataClass = Field(default=DataClass.ANONYMIZED, description="the class of what the relays send")


class JobManagementPlane(StrictModel):
    """The city's one job manager (統合運用管理 of batch work) and the agent at every other site."""

    manager_site: Identifier = Field(description="the site whose job_management role is the manager")
    relay: JobRelay = Field(
        default=JobRelay.JOB_AGENT,
        description="what the job_management role is at every other site: an agent connecting to the manager on "
        "the job_management service's ports",
    )
    data: DataClass = Field(default=DataClass.PERSONAL, description="the class of what the relays send")


class LogPlane(StrictModel):
    """The city's one log collector (the monitoring role at its site) and the forwarder at every other site."""

    collector_site: Identifier = Field(description="the site whose monitoring role collects the city's logs")
    relay: LogRelay = Field(
        default=LogRelay.FORWARDER,
        description="what the monitoring role is for logs at every other site: a forwarder to the collector",
    )
    protocol: PortSpec = Field(default=LOG_PORT, description="the port the forwarders ship on (syslog over TLS)")
    data: DataClass = Field(default=DataClass.PERSONAL, description="the class of what the forwarders ship")


class TimeNamePlane(StrictModel):
    """The city's one time and name authority and the following servers at every other site."""

    authority_site: Identifier = Field(description="the site whose time_name role is the authority")
    relay: TimeNameRelay = Field(
        default=TimeNameRelay.FORWARDING_RESOLVER_AND_CHRONY,
        description="what the time_name role is at every other site: a forwarding resolver and a chrony server "
        "that follow the authority (123/udp, 53/udp, 53/tcp)",
    )
    data: DataClass = Field(default=DataClass.PUBLIC, description="the class of what crosses (time, DNS answers)")


class Operations(StrictModel):
    """One plane of each kind for the whole city: where its manager runs, what stands at every other site."""

    monitoring: MonitoringPlane | None = None
    job_management: JobManagementPlane | None = None
    logs: LogPlane | None = None
    time_name: TimeNamePlane | None = None

    def planes(self) -> list[tuple[Plane, MonitoringPlane | JobManagementPlane | LogPlane | TimeNamePlane]]:
        present = ((plane, getattr(self, plane.value)) for plane in Plane)
        return [(plane, config) for plane, config in present if config is not None]


AnyPlane = MonitoringPlane | JobManagementPlane | LogPlane | TimeNamePlane


def manager_field(plane: Plane) -> str:
    """The field naming where the plane's manager runs: manager_site, collector_site or authority_site."""
    return {Plane.LOGS: "collector_site", Plane.TIME_NAME: "authority_site"}.get(plane, "manager_site")


def manager_site(config: AnyPlane) -> str:
    if isinstance(config, LogPlane):
        return config.collector_site
    if isinstance(config, TimeNamePlane):
        return config.authority_site
    return config.manager_site
