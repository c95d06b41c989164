"""A stack as the auditor reads it: resources by URN, where each sits in kiban's model, and the area map.

kiban's components give every provider resource a place: the ``SecurityArea``
above it is its area, the ``BusinessTenant`` its tenant, the ``MiddlewareTier``
its shared tier. The area map (``Topology``) says which addresses belong to
which area and which cross-area rules the spec declared; it is read from the
stack output ``inventory`` (kiban's contract), else from the ``SecurityArea``
components' outputs, and completed with the subnets found in each area. These
are the documented exceptions to "compare inputs, not outputs": they are
written by kiban itself, not computed by a provider.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from kiban.audit.facts import (
    EMPTY,
    EPHEMERAL,
    Direction,
    Facts,
    GroupRemote,
    Network,
    Permit,
    Remote,
    collapse,
    exclude,
    overlaps,
    parse_network,
    subnet_of,
)
from kiban.audit.interpreters import interpret, may_have
from kiban.audit.resource import Resource
from kiban.audit.state import STACK_TYPE, StackState
from kiban.audit.values import MIN_ID_LENGTH, is_opaque

AREA_TYPE = "kiban:network:SecurityArea"
TENANT_TYPE = "kiban:tenancy:BusinessTenant"
TIER_TYPE = "kiban:middleware:MiddlewareTier"
OUTSIDE = "(outside)"  # addresses in no area of the stack: the internet, LGWAN, a partner's network
HIGH, MIDDLE = "high", "middle"
PROTECTED_LEVELS = frozenset({HIGH, MIDDLE})
_PORT_TEXT = re.compile(r"^(\d+)(?:-(\d+))?/(\w+)$")


@dataclass(frozen=True)
class Location:
    """Where a resource sits in the model: its area, its business tenant, its shared middleware tier."""

    area: str | None
    tenant: str | None
    tier: str | None

    @property
    def owner(self) -> str:
        """The heading a change is listed under inside its area."""
        if self.tenant is not None:
            return self.tenant
        if self.tier is not None:
            return f"middleware {self.tier}"
        return "(area)" if self.area is not None else "(platform)"


@dataclass(frozen=True)
class AreaInfo:
    id: str
    level: str | None
    networks: tuple[Network, ...]
    vlans: tuple[int, ...] = ()


@dataclass(frozen=True)
class PlannedRule:
    """One rule of the stack's flow plan (inventory ``flows``): who may open connections to whom, on what."""

    source_area: str
    source_network: Network
    destination_area: str
    destination_network: Network
    protocol: str
    first: int
    last: int
    flow: str | None
    crosses_areas: bool
    source_group: str | None = None  # kiban's host-group ids of the two ends
    destination_group: str | None = None


@dataclass
class Topology:
    areas: dict[str, AreaInfo] = field(default_factory=dict)
    planned: tuple[PlannedRule, ...] = ()
    source: str = "none"  # inventory, components, subnets or none: what the area map was read from
    _cache: dict[Network, frozenset[str]] = field(default_factory=dict, repr=False)

    def level(self, area: str | None) -> str | None:
        info = self.areas.get(area) if area is not None else None
        return info.level if info is not None else None

    def areas_of(self, network: Network) -> frozenset[str]:
        """The areas ``network`` reaches into, plus OUTSIDE when part of it lies in no area."""
        cached = self._cache.get(network)
        if cached is not None:
            return cached
        found: set[str] = set()
        inside: list[Network] = []
        for area in self.areas.values():
            for own in area.networks:
                if overlaps(own, network):
                    found.add(area.id)
                    inside.append(own)
        if not _covered(network, inside):
            found.add(OUTSIDE)
        result = frozenset(found)
        self._cache[network] = result
        return result

    def declared(
        self,
        direction: Direction,
        local_area: str,
        remote: Network,
        protocol: str,
        first: int,
        last: int,
        local_group: str | None = None,
        stateless: bool = False,
    ) -> tuple[PlannedRule, ...] | None:
        """The planned cross-area rules that together allow this much; None when the spec declared less.

        ``local_group``: the host group the rule's security group serves, when it says; then only a
        planned rule of that group counts (another group's flow does not make this one declared).
        ``stateless``: the rule is a network ACL entry, which also needs the replies of each declared
        flow let through on ephemeral ports; such an entry is declared by the flow it answers.
        Several planned rules may cover one entry together (an ACL collapses two /26 flows into a /25).
        """
        from kiban.audit.coverage import uncovered

        wanted = Permit(direction, protocol, first, last, remote)
        candidates: list[tuple[PlannedRule, Permit]] = []
        for rule in self.planned:
            if not rule.crosses_areas or not _protocol_within(protocol, rule.protocol):
                continue
            ends = (rule.destination_area, rule.source_network, rule.destination_group)
            starts = (rule.source_area, rule.destination_network, rule.source_group)
            here, there, group = ends if direction == Direction.INGRESS else starts
            if here == local_area and (local_group is None or group is None or group == local_group):
                candidates.append((rule, Permit(direction, rule.protocol, rule.first, rule.last, there)))
            if stateless and EPHEMERAL[0] <= first and last <= EPHEMERAL[1]:
                # The reply of a flow the other way: from its server's port back to the client's ephemeral ports.
                here, there, group = starts if direction == Direction.INGRESS else ends
                if here == local_area and (local_group is None or group is None or group == local_group):
                    candidates.append((rule, Permit(direction, rule.protocol, *EPHEMERAL, there)))
        if not candidates or uncovered(wanted, [permit for _, permit in candidates]):
            return None
        used = [rule for rule, permit in candidates if overlaps(permit.remote, remote)]  # type: ignore[arg-type]
        return tuple(dict.fromkeys(used))

    def declared_between(
        self, direction: Direction, local_area: str, other_area: str, protocol: str, first: int, last: int
    ) -> PlannedRule | None:
        """The planned cross-area rule between two areas (for a rule naming a security group, not addresses)."""
        for rule in self.planned:
            if not rule.crosses_areas or not _protocol_within(protocol, rule.protocol):
                continue
            if not (rule.first <= first and last <= rule.last):
                continue
            pair = (other_area, local_area) if direction == Direction.INGRESS else (local_area, other_area)
            if (rule.source_area, rule.destination_area) == pair:
                return rule
        return None


def _protocol_within(protocol: str, allowed: str) -> bool:
    return allowed == "any" or protocol == allowed


def _covered(network: Network, parts: list[Network]) -> bool:
    """Whether ``parts`` (networks overlapping ``network``) cover all of it."""
    remaining = [network]
    for part in parts:
        next_remaining: list[Network] = []
        for piece in remaining:
            if subnet_of(piece, part):
                continue
            if subnet_of(part, piece):
                next_remaining.extend(exclude(piece, part))
            else:
                next_remaining.append(piece)
        remaining = next_remaining
        if not remaining:
            return True
    return not remaining


class StackView:
    """A stack's live resources, indexed, with their place in the model and their facts (computed on demand)."""

    def __init__(self, resources: Iterable[Mapping[str, Any]], source: str = "") -> None:
        self.source = source
        self.resources: dict[str, Resource] = {}
        self.ids: dict[str, str] = {}
        for raw in resources:
            resource = Resource.from_state(raw)
            self.resources[resource.urn] = resource
            if resource.id and len(resource.id) >= MIN_ID_LENGTH:
                self.ids[resource.id] = resource.urn
            # An AWS input may name another resource by its ARN rather than its id.
            arn = resource.outputs.get("arn")
            if isinstance(arn, str) and arn:
                self.ids.setdefault(arn, resource.urn)
        self._ancestors: dict[tuple[str, str], str | None] = {}
        self._facts: dict[str, Facts] = {}
        self.memo: dict[str, Any] = {}  # stack-wide values an interpreter computes once (e.g. EBS default encryption)

    @staticmethod
    def from_state(state: StackState) -> StackView:
        return StackView(state.resources, state.source)

    def __contains__(self, urn: object) -> bool:
        return urn in self.resources

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources.values())

    def __len__(self) -> int:
        return len(self.resources)

    # -- place in the model ---------------------------------------------------------------------------

    def ancestor(self, urn: str, type_: str) -> str | None:
        """The name of the nearest resource of ``type_`` on the parent chain of ``urn`` (itself included)."""
        key = (urn, type_)
        if key in self._ancestors:
            return self._ancestors[key]
        chain: list[str] = []
        current: str | None = urn
        found: str | None = None
        while current is not None:
            cached = (current, type_)
            if cached in self._ancestors:
                found = self._ancestors[cached]
                break
            chain.append(current)
            resource = self.resources.get(current)
            if resource is None:
                break
            if resource.type == type_:
                found = resource.name
                break
            current = resource.parent
        for visited in chain:
            self._ancestors[(visited, type_)] = found
        return found

    def area_of(self, urn: str) -> str | None:
        return self.ancestor(urn, AREA_TYPE)

    def tenant_of(self, urn: str) -> str | None:
        return self.ancestor(urn, TENANT_TYPE)

    def location(self, urn: str) -> Location:
        return Location(self.area_of(urn), self.tenant_of(urn), self.ancestor(urn, TIER_TYPE))

    # -- references -----------------------------------------------------------------------------------

    def ref(self, resource: Resource, key: str, value: Any = None) -> str | None:
        """The URN ``value`` (found under input ``key``) refers to; else the raw value; None when there is none.

        The id is tried first; a preview (CrossGuard) has no ids yet for new resources, so a single
        property dependency of ``key`` stands in for it.
        """
        if value is not None and not isinstance(value, str):
            return None
        if isinstance(value, str) and value in self.ids:
            return self.ids[value]
        depends = [urn for urn in resource.property_dependencies.get(key, []) if urn in self.resources]
        if len(depends) == 1:
            return depends[0]
        return value if isinstance(value, str) and value else None

    def scope_label(self, target: str | None) -> str | None:
        """A project/account reference as people say it: "project kiban-juki", or the raw value."""
        if target is None:
            return None
        resource = self.resources.get(target)
        if resource is None:
            return target
        name = resource.inputs.get("name")
        shown = name if isinstance(name, str) and not is_opaque(name) else resource.name
        kind = resource.type.rsplit(":", 1)[-1].lower()
        return f"{kind} {shown}"

    # -- facts ----------------------------------------------------------------------------------------

    def facts(self, urn: str) -> Facts:
        cached = self._facts.get(urn)
        if cached is None:
            resource = self.resources.get(urn)
            cached = interpret(resource, self) if resource is not None else EMPTY
            self._facts[urn] = cached
        return cached

    def having(self, kind: str) -> Iterator[Resource]:
        """The resources whose type can carry facts of ``kind`` (e.g. "permits"), by type alone."""
        for resource in self.resources.values():
            if may_have(resource.type, kind):
                yield resource

    def owner_scope(self, resource: Resource) -> tuple[str, str] | None:
        """(how, URN or raw value) of the project/account ``resource`` is placed in, if anything says so."""
        scope = self.facts(resource.urn).scope
        if scope is not None:
            return scope
        if resource.provider is not None and resource.provider in self.resources:
            provider_scope = self.facts(resource.provider).provider_scope
            if provider_scope is not None:
                return ("provider", provider_scope)
        return None

    def remote_areas(self, remote: Remote) -> frozenset[str]:
        if isinstance(remote, GroupRemote):
            area = self.area_of(remote.target) if remote.target in self.resources else None
            return frozenset({area}) if area is not None else frozenset()
        return self.topology.areas_of(remote)

    # -- the area map ---------------------------------------------------------------------------------

    @cached_property
    def topology(self) -> Topology:
        topology = _from_inventory(self) or _from_components(self) or Topology()
        subnets: dict[str, list[Network]] = {}
        for resource in self.having("subnets"):
            area = self.area_of(resource.urn)
            if area is not None:
                subnets.setdefault(area, []).extend(self.facts(resource.urn).subnets)
        for area, networks in subnets.items():
            known = topology.areas.get(area)
            if known is None:
                topology.areas[area] = AreaInfo(area, None, _collapse(networks))
                topology.source = topology.source if topology.source != "none" else "subnets"
            else:
                inside = known.networks
                missing = [network for network in networks if not any(subnet_of(network, own) for own in inside)]
                if missing:
                    topology.areas[area] = AreaInfo(
                        area, known.level, _collapse([*known.networks, *missing]), known.vlans
                    )
        return topology

    @cached_property
    def stack_outputs(self) -> Mapping[str, Any]:
        for resource in self.resources.values():
            if resource.type == STACK_TYPE:
                return resource.outputs
        return {}


def _collapse(networks: Iterable[Network]) -> tuple[Network, ...]:
    return tuple(collapse(networks))


def parse_port_text(text: Any) -> tuple[str, int, int] | None:
    """ "443/tcp" or "8000-8010/udp" (kiban's port notation) -> (protocol, first, last)."""
    match = _PORT_TEXT.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    first = int(match.group(1))
    return match.group(3), first, int(match.group(2) or first)


def _from_inventory(view: StackView) -> Topology | None:
    inventory = view.stack_outputs.get("inventory")
    if not isinstance(inventory, Mapping) or not isinstance(inventory.get("areas"), list):
        return None
    areas: dict[str, AreaInfo] = {}
    for area in inventory["areas"]:
        if not isinstance(area, Mapping) or not isinstance(area.get("id"), str):
            continue
        networks = [parse_network(area.get("cidr"))]
        networks += [
            parse_network(segment.get("cidr"))
            for segment in _listed(area.get("segments"))
            if isinstance(segment, Mapping)
        ]
        vlans = tuple(vlan for vlan in _listed(area.get("vlans")) if isinstance(vlan, int))
        level = area.get("level")
        areas[area["id"]] = AreaInfo(
            area["id"],
            level if isinstance(level, str) else None,
            _collapse(network for network in networks if network is not None),
            vlans,
        )
    planned = []
    for flow in _listed(inventory.get("flows")):
        rule = _planned_rule(flow)
        if rule is not None:
            planned.append(rule)
    return Topology(areas, tuple(planned), "inventory")


def _listed(value: Any) -> list[Any]:
    """A list the inventory should hold; anything else (a broken state) holds nothing."""
    return value if isinstance(value, list) else []


def _planned_rule(flow: Any) -> PlannedRule | None:
    if not isinstance(flow, Mapping):
        return None
    source, destination, port = flow.get("from"), flow.get("to"), parse_port_text(flow.get("port"))
    if not isinstance(source, Mapping) or not isinstance(destination, Mapping) or port is None:
        return None
    source_network, destination_network = parse_network(source.get("cidr")), parse_network(destination.get("cidr"))
    if source_network is None or destination_network is None:
        return None
    protocol, first, last = port
    return PlannedRule(
        str(source.get("area")),
        source_network,
        str(destination.get("area")),
        destination_network,
        protocol,
        first,
        last,
        flow.get("flow") if isinstance(flow.get("flow"), str) else None,
        bool(flow.get("crosses_areas")),
        source.get("group") if isinstance(source.get("group"), str) else None,
        destination.get("group") if isinstance(destination.get("group"), str) else None,
    )


def _from_components(view: StackView) -> Topology | None:
    areas: dict[str, AreaInfo] = {}
    for resource in view.resources.values():
        if resource.type != AREA_TYPE:
            continue
        outputs = resource.outputs
        network = parse_network(outputs.get("cidr"))
        level = outputs.get("level")
        vlans = tuple(vlan for vlan in outputs.get("vlans") or [] if isinstance(vlan, int))
        areas[resource.name] = AreaInfo(
            resource.name, level if isinstance(level, str) else None, (network,) if network else (), vlans
        )
    return Topology(areas, (), "components") if areas else None
