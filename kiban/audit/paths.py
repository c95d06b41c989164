"""Resolve a firewall permit to the security areas it connects, and to the declared flow that allows it.

The local end of a permit is the area of the rule (or of its security group);
the other end is every area its remote address range (or remote security
group) reaches into, or OUTSIDE for addresses in no area. Shared by the diff
("new path between areas") and by rule KB-NET-001 ("no path except declared
flows"), so both say the same thing about the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kiban.audit.facts import Direction, GroupRemote, Network, Permit, Remote, overlaps, subnet_of
from kiban.audit.model import OUTSIDE, PlannedRule, StackView
from kiban.audit.values import resource_name


@dataclass(frozen=True)
class Crossing:
    """Part of a permit that crosses from one area to another."""

    local: str
    other: str  # an area id, or OUTSIDE
    parts: tuple[Remote, ...]  # the remote as far as it lies in ``other``
    declared_by: tuple[PlannedRule, ...] | None  # the planned rules allowing every part; None when one is not

    @property
    def pair(self) -> tuple[str, str]:
        """(from, to) in the direction connections are opened."""
        return (self.other, self.local)

    def oriented(self, direction: Direction) -> tuple[str, str]:
        return (self.other, self.local) if direction == Direction.INGRESS else (self.local, self.other)

    @property
    def shown(self) -> str:
        text = ", ".join(remote_text(part) for part in self.parts)
        return f"{text} beyond the areas" if self.other == OUTSIDE else text

    @property
    def flows(self) -> list[str]:
        return sorted({rule.flow for rule in self.declared_by or () if rule.flow})


def remote_text(remote: Remote) -> str:
    return f"group {resource_name(remote.target)}" if isinstance(remote, GroupRemote) else str(remote)


def within(remote: Remote, networks: Iterable[Network]) -> list[Remote]:
    """The part of ``remote`` inside ``networks`` (address ranges are nested or disjoint)."""
    if isinstance(remote, GroupRemote):
        return [remote]
    inside: list[Remote] = []
    for own in networks:
        if overlaps(own, remote):
            inside.append(own if subnet_of(own, remote) else remote)
    return inside


def local_area(view: StackView, urn: str, permit: Permit) -> str | None:
    area = view.area_of(urn)
    if area is None and permit.scope is not None and permit.scope in view:
        area = view.area_of(permit.scope)
    return area


def crossings(view: StackView, urn: str, permit: Permit, reach: Iterable[Remote] | None = None) -> list[Crossing]:
    """Where ``permit`` (of resource ``urn``) crosses areas; ``reach``: only these parts of it (default: all)."""
    local = local_area(view, urn, permit)
    topology = view.topology
    if local is None or not topology.areas:
        return []
    reached: set[str] = set()
    for remote in reach if reach is not None else (permit.remote,):
        reached |= view.remote_areas(remote)
    serves = view.facts(permit.scope).serves if permit.scope is not None and permit.scope in view else None
    found = []
    for other in sorted(reached - {local}):
        if other == OUTSIDE:
            parts: list[Remote] = [permit.remote]
        elif isinstance(permit.remote, GroupRemote):
            parts = [permit.remote]
        else:
            parts = within(permit.remote, topology.areas[other].networks)
        rules: list[PlannedRule] = []
        every_part = bool(parts)
        for part in parts:
            if isinstance(part, GroupRemote):
                between = topology.declared_between(
                    permit.direction, local, other, permit.protocol, permit.first, permit.last
                )
                covering: tuple[PlannedRule, ...] | None = (between,) if between is not None else None
            else:
                covering = topology.declared(
                    permit.direction, local, part, permit.protocol, permit.first, permit.last, serves, permit.stateless
                )
            if covering is None:
                every_part = False
                break
            rules.extend(covering)
        declared = tuple(dict.fromkeys(rules)) if every_part else None
        found.append(Crossing(local, other, tuple(parts), declared))
    return found
