"""The flows the city's operations planes need between sites, planned from ``operations``.

Each relay (a plane's role in area A at a site S other than the manager's) opens one flow toward
the same role in area A at the manager's site, one way, on the plane's ports, with the plane's data
class. The flows are added to the spec's ``flows`` when the spec is loaded (``spec.load``), after
every check has passed, so every planner downstream (``site_view``, ``cross_site_flows``, the links,
the inventory, the audit) sees them as any declared flow, with no special case. Their ids are stable:
``ops-<plane>-<site>-<area>``, e.g. ``ops-monitoring-gc-mynumber``.

Pure and deterministic: in plane order (monitoring, job management, logs, time/name), then site
order, then the order of the role's areas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiban_platform.spec.fields import IDENTIFIER_PATTERN
from kiban_platform.spec.hybrid import links_carrying, runs_at
from kiban_platform.spec.model import Flow, MiddlewareRole, PlatformSpec, Port
from kiban_platform.spec.operations import (
    MONITORING_PORTS,
    TIME_NAME_PORTS,
    AnyPlane,
    LogPlane,
    Plane,
    manager_site,
)

OPERATIONS_FLOW_PREFIX = "ops"
# The role that stands for each plane at every site; logs are collected by the monitoring role.
PLANE_ROLES: dict[Plane, MiddlewareRole] = {
    Plane.MONITORING: MiddlewareRole.MONITORING,
    Plane.JOB_MANAGEMENT: MiddlewareRole.JOB_MANAGEMENT,
    Plane.LOGS: MiddlewareRole.MONITORING,
    Plane.TIME_NAME: MiddlewareRole.TIME_NAME,
}
# The plane's word in its flows' ids (an id is at most 32 characters).
PLANE_TAGS: dict[Plane, str] = {
    Plane.MONITORING: "monitoring",
    Plane.JOB_MANAGEMENT: "jobs",
    Plane.LOGS: "logs",
    Plane.TIME_NAME: "time-name",
}
_PURPOSES: dict[Plane, str] = {
    Plane.MONITORING: "運用監視 - the monitoring relay ({relay}) at {site} reports area {area} to the manager "
    "at {manager}",
    Plane.JOB_MANAGEMENT: "ジョブ管理 - the job relay ({relay}) at {site} takes area {area}'s batch work from the "
    "job manager at {manager}",
    Plane.LOGS: "ログ収集 - the log relay ({relay}) at {site} ships area {area}'s logs to the collector at {manager}",
    Plane.TIME_NAME: "時刻・名前解決 - the time and name relay ({relay}) at {site} follows the authority at {manager} "
    "for area {area}",
}


@dataclass(frozen=True)
class RelayFlow:
    """One relay's flow toward its plane's manager."""

    plane: Plane
    role: MiddlewareRole
    site: str  # the relay's site
    area: str
    manager_site: str
    flow: Flow


def plane_role(plane: Plane) -> MiddlewareRole:
    return PLANE_ROLES[plane]


def operations_flow_id(plane: Plane, site_id: str, area_id: str) -> str:
    return f"{OPERATIONS_FLOW_PREFIX}-{PLANE_TAGS[plane]}-{site_id}-{area_id}"


def plane_ports(spec: PlatformSpec, plane: Plane, config: AnyPlane) -> tuple[Port, ...]:
    """The ports the relays open toward the manager: fixed by the product, or the service's own (job management)."""
    if plane == Plane.MONITORING:
        return MONITORING_PORTS
    if plane == Plane.TIME_NAME:
        return TIME_NAME_PORTS
    if isinstance(config, LogPlane):
        return (config.protocol,)
    service = spec.middleware.get(MiddlewareRole.JOB_MANAGEMENT)
    return tuple(service.ports) if service is not None else ()


def manager_areas(spec: PlatformSpec, plane: Plane, config: AnyPlane) -> list[str]:
    """The areas where the plane's role runs at its manager's site."""
    role, manager = plane_role(plane), manager_site(config)
    service = spec.middleware.get(role)
    return [area for area in (service.areas if service else []) if runs_at(spec, role, area, manager)]


def relay_places(spec: PlatformSpec, plane: Plane, config: AnyPlane) -> list[tuple[str, str]]:
    """(site, area) of every relay: the plane's role in an area at a site other than the manager's."""
    role, manager = plane_role(plane), manager_site(config)
    service = spec.middleware.get(role)
    if service is None:
        return []
    known = {area.id for area in spec.areas}
    return [
        (site.id, area)
        for site in spec.sites
        if site.id != manager
        for area in service.areas
        if area in known and runs_at(spec, role, area, site.id)
    ]


def _flow(spec: PlatformSpec, plane: Plane, config: AnyPlane, site_id: str, area_id: str) -> Flow:
    role, manager = plane_role(plane), manager_site(config)
    purpose = _PURPOSES[plane].format(relay=config.relay.value, site=site_id, area=area_id, manager=manager)
    return Flow.model_validate(
        {
            "id": operations_flow_id(plane, site_id, area_id),
            "from": {"middleware": role, "area": area_id, "site": site_id},
            "to": {"middleware": role, "area": area_id, "site": manager},
            "ports": list(plane_ports(spec, plane, config)),
            "one_way": True,
            "purpose": purpose,
            "data": config.data,
        }
    )


def valid_flow_id(flow_id: str) -> bool:
    return re.match(IDENTIFIER_PATTERN, flow_id) is not None


def planned_operations_flows(spec: PlatformSpec) -> list[RelayFlow]:
    """Every relay's flow toward its manager (none without ``operations``). A relay with no manager in its area,
    no link carrying it, or an id too long gets none: the checks report it (``spec.operations_checks``)."""
    if spec.operations is None or not spec.sites:
        return []
    planned: list[RelayFlow] = []
    for plane, config in spec.operations.planes():
        if not plane_ports(spec, plane, config):
            continue  # no job_management service: reported by the checks
        managed = manager_areas(spec, plane, config)
        for site_id, area_id in relay_places(spec, plane, config):
            reachable = area_id in managed and links_carrying(spec, site_id, manager_site(config), {area_id})
            if reachable and valid_flow_id(operations_flow_id(plane, site_id, area_id)):
                flow = _flow(spec, plane, config, site_id, area_id)
                planned.append(RelayFlow(plane, plane_role(plane), site_id, area_id, manager_site(config), flow))
    return planned


def operations_flow_ids(spec: PlatformSpec) -> list[str]:
    return [relay.flow.id for relay in planned_operations_flows(spec)]


def with_operations_flows(spec: PlatformSpec) -> PlatformSpec:
    """The spec with its operations flows after its declared ones (itself when there are none to add).

    Called on a checked spec; calling it again adds nothing (a flow already there is kept as it is).
    """
    present = {flow.id for flow in spec.flows}
    added = [relay.flow for relay in planned_operations_flows(spec) if relay.flow.id not in present]
    return spec.model_copy(update={"flows": [*spec.flows, *added]}) if added else spec
