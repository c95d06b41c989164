"""The operations planes as one stack's inventory states them, for KB-OPS-001 and KB-OPS-002.

Every stack's ``inventory`` lists its hosts (each with its host ``group`` and ``area``) and its
planned rules (``flows``: each end's ``group``, ``site`` at a site stack, the ``flow`` id). A site
stack of a spec with ``operations`` adds ``operations``: per plane its role, the manager's site and
areas, and each relay (site, area, host group, the id of its flow toward the manager), and
``cross_site_flows`` names both ends of those flows. Read tolerantly, like ``audit.hybrid``: what is
missing or malformed is left out, never guessed, and a rule then finds the host uncovered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiban.audit.model import StackView

MONITORING, JOB_MANAGEMENT, LOGS, TIME_NAME = "monitoring", "job_management", "logs", "time_name"
BATCH = "batch"


@dataclass(frozen=True)
class HostGroup:
    """Hosts sharing one host group: a business tier or a platform role in an area."""

    group: str
    area: str
    tier: str | None
    hosts: tuple[str, ...]

    @property
    def role(self) -> str | None:
        """The platform role of a middleware group ("monitoring@mynumber" -> "monitoring")."""
        return self.group.split("@", 1)[0] if "@" in self.group and "/" not in self.group else None


@dataclass(frozen=True)
class Relay:
    site: str
    area: str
    group: str
    flow: str


@dataclass(frozen=True)
class PlaneInfo:
    plane: str
    role: str
    manager_site: str
    manager_areas: tuple[str, ...]
    ports: tuple[str, ...]
    relays: tuple[Relay, ...]

    def relay_at(self, site: str, area: str) -> Relay | None:
        return next((relay for relay in self.relays if relay.site == site and relay.area == area), None)


@dataclass(frozen=True)
class OperationsView:
    """What one stack's inventory says about its hosts and the planes that should reach them."""

    site: str | None  # None: a single-site stack
    groups: tuple[HostGroup, ...]
    rules: tuple[Mapping[str, Any], ...]
    crossings: tuple[Mapping[str, Any], ...]
    planes: dict[str, PlaneInfo]  # empty: no ``operations`` declared

    def group_exists(self, group: str) -> bool:
        return any(known.group == group for known in self.groups)

    def reaches(self, source: str, destination: str, port: str | None = None) -> bool:
        """Whether a planned rule lets ``source`` open connections to ``destination`` (on ``port``)."""
        return any(
            _group(rule.get("from")) == source
            and _group(rule.get("to")) == destination
            and (port is None or rule.get("port") == port)
            for rule in self.rules
        )

    def relay_rule(self, flow: str, source: str | None = None, destination: str | None = None) -> bool:
        """Whether this stack installs a rule of ``flow`` (from ``source``, to ``destination`` when given)."""
        return any(
            rule.get("flow") == flow
            and (source is None or _group(rule.get("from")) == source)
            and (destination is None or _group(rule.get("to")) == destination)
            for rule in self.rules
        )

    def crossing(self, flow: str, source_site: str, destination_site: str, area: str) -> Mapping[str, Any] | None:
        """The city's cross-site flow ``flow`` from ``source_site`` to ``destination_site``, within ``area``."""
        for item in self.crossings:
            ends = item.get("from"), item.get("to")
            if item.get("flow") != flow or not all(isinstance(end, Mapping) for end in ends):
                continue
            source, destination = ends
            assert isinstance(source, Mapping) and isinstance(destination, Mapping)
            if (source.get("site"), destination.get("site")) == (source_site, destination_site) and (
                source.get("area") == destination.get("area") == area
            ):
                return item
        return None


def operations_of(view: StackView) -> OperationsView | None:
    """The hosts, rules and planes of a stack's inventory; None for a stack without an inventory."""
    inventory = view.stack_outputs.get("inventory")
    if not isinstance(inventory, Mapping):
        return None
    site = inventory.get("site")
    found: dict[tuple[str, str], list[str]] = {}
    tiers: dict[tuple[str, str], str | None] = {}
    for host in _records(inventory.get("hosts")):
        group, area = host.get("group"), host.get("area")
        if isinstance(group, str) and isinstance(area, str):
            found.setdefault((group, area), []).append(str(host.get("name")))
            tier = host.get("tier")
            tiers[(group, area)] = tier if isinstance(tier, str) else None
    groups = tuple(HostGroup(group, area, tiers[(group, area)], tuple(names)) for (group, area), names in found.items())
    return OperationsView(
        site if isinstance(site, str) and site else None,
        groups,
        tuple(_records(inventory.get("flows"))),
        tuple(_records(inventory.get("cross_site_flows"))),
        _planes(inventory.get("operations")),
    )


def _planes(value: Any) -> dict[str, PlaneInfo]:
    if not isinstance(value, Mapping):
        return {}
    planes: dict[str, PlaneInfo] = {}
    for plane, item in value.items():
        if not isinstance(item, Mapping):
            continue
        role, manager = item.get("role"), item.get("manager_site")
        if not isinstance(role, str) or not isinstance(manager, str):
            continue
        relays = tuple(
            Relay(str(relay.get("site")), str(relay.get("area")), str(relay.get("group")), str(relay.get("flow")))
            for relay in _records(item.get("relays"))
        )
        planes[str(plane)] = PlaneInfo(
            str(plane),
            role,
            manager,
            tuple(_texts(item.get("manager_areas"))),
            tuple(_texts(item.get("ports"))),
            relays,
        )
    return planes


def _group(end: Any) -> str | None:
    return end.get("group") if isinstance(end, Mapping) and isinstance(end.get("group"), str) else None


def _records(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _texts(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def plane_failures(ops: OperationsView, plane: PlaneInfo, group: HostGroup) -> list[str]:
    """Why ``group``'s hosts at this site are not joined to ``plane`` beyond its own site (none: they are).

    At a relay's site: its relay (the plane's role in the group's area) has a planned cross-site flow
    toward the manager (``cross_site_flows``) and this stack installs it. At the manager's site: the
    manager runs in the area. A single-site stack (no site) has nothing beyond itself to join.
    """
    site = ops.site
    if site is None:
        return []
    where = f"{plane.plane} plane (manager at {plane.manager_site})"
    if site == plane.manager_site:
        if group.area in plane.manager_areas:
            return []
        return [f"{group.group}: the {where} does not run in area {group.area}"]
    relay = plane.relay_at(site, group.area)
    if relay is None:
        return [f"{group.group}: no relay of the {where} in area {group.area} at site {site}"]
    failures = []
    if ops.crossing(relay.flow, site, plane.manager_site, group.area) is None:
        failures.append(
            f"{group.group}: the relay {relay.group} has no cross-site flow {relay.flow} toward {plane.manager_site}"
        )
    elif not ops.relay_rule(relay.flow, source=relay.group):
        failures.append(
            f"{group.group}: the relay {relay.group} does not install its flow {relay.flow} toward {plane.manager_site}"
        )
    return failures


def manager_failures(ops: OperationsView, plane: PlaneInfo) -> list[str]:
    """At the manager's site: the rule admitting each relay (in an area this site runs the role in) is installed."""
    if ops.site is None or ops.site != plane.manager_site:
        return []
    failures = []
    for relay in plane.relays:
        manager = f"{plane.role}@{relay.area}"
        if ops.group_exists(manager) and not ops.relay_rule(relay.flow, destination=manager):
            failures.append(f"{manager}: does not admit the relay at {relay.site} (flow {relay.flow})")
    return failures
