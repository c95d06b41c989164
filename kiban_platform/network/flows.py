"""The flow plan: default-deny, and exactly the rules the platform needs.

Each rule lets one host group open connections to another on one port.
Replies travel on the same connection (every target's firewalls are
stateful), so a one-way flow is one rule and a two-way flow is two.

What the plan allows, and why:
- tier to tier inside one business: web -> app, app -> db, batch -> app, batch -> db;
- a business's app and batch tiers -> the integration hub of its own area, when it exchanges data;
- a business's batch tier -> the job manager of its own area (one scheduler for every business);
- app and batch tiers of a business with no db tier -> the shared database of its area;
- the load balancer of an area -> the web tiers in that area;
- every host -> time and name service, and -> monitoring, in its own area;
- the integration hub and the job manager -> the shared database of their area;
- each declared flow of the spec (both ways only when it is not one-way);
- a load-balanced group (every middleware role, every web tier) -> itself on its balanced ports: the
  load balancer's health checks and, on providers that do not keep the client address, its traffic
  come from addresses the load balancer takes in the group's own subnet (Octavia's member-subnet
  port or OVN's health-monitor port; an NLB's node addresses in each zone's block), which no plan
  can know in advance, so the subnet is the narrowest source that admits them.
- with a management section: each operations network -> its area's bastion, and the bastion ->
  every other host group of its own area, on the SSH port; never across areas.
Nothing else, and never from anywhere (0.0.0.0/0).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from kiban_platform.network.plan import NetworkPlan
from kiban_platform.spec.model import Business, Endpoint, Flow, MiddlewareRole, PlatformSpec, Port, TierName, tier_ports


class RuleKind(StrEnum):
    TIER_TO_TIER = "tier-to-tier"
    TO_HUB = "to-integration-hub"
    TO_JOB_MANAGEMENT = "to-job-management"
    TO_SHARED_DATABASE = "to-shared-database"
    LOAD_BALANCER_TO_WEB = "load-balancer-to-web"
    TO_TIME_NAME = "to-time-name"
    TO_MONITORING = "to-monitoring"
    DECLARED = "declared-flow"
    LOAD_BALANCER_HEALTH = "load-balancer-health"
    OPERATIONS_TO_BASTION = "operations-to-bastion"
    BASTION_TO_HOST = "bastion-to-host"


# What a host's firewall admits from its first boot, before `kiban playbook` installs the whole plan:
# only rules fixed per area (the management path), so a host's boot user data never follows the city.
BOOT_RULE_KINDS: frozenset[RuleKind] = frozenset({RuleKind.OPERATIONS_TO_BASTION, RuleKind.BASTION_TO_HOST})


class GroupKind(StrEnum):
    BUSINESS_TIER = "business-tier"
    MIDDLEWARE = "middleware"
    EXTERNAL = "external"


@dataclass(frozen=True)
class HostGroup:
    """Hosts that share one set of rules: a business tier, a middleware role in an area, or an outside network."""

    id: str  # "juki/app", "integration_hub@mynumber", "external:eLTAX@lgwan"
    kind: GroupKind
    area: str
    cidr: ipaddress.IPv4Network
    business: str | None = None
    tier: TierName | None = None
    role: MiddlewareRole | None = None


@dataclass(frozen=True)
class Rule:
    source: HostGroup
    destination: HostGroup
    port: Port
    kind: RuleKind
    flow: str | None = None  # the declared flow's id

    @property
    def crosses_areas(self) -> bool:
        return self.source.area != self.destination.area or GroupKind.EXTERNAL in (
            self.source.kind,
            self.destination.kind,
        )


# Tier-to-tier calls inside one business: the caller first, then the tier it calls.
TIER_CALLS: tuple[tuple[TierName, TierName], ...] = (
    (TierName.WEB, TierName.APP),
    (TierName.APP, TierName.DB),
    (TierName.BATCH, TierName.APP),
    (TierName.BATCH, TierName.DB),
)
_INTEGRATING_TIERS = (TierName.APP, TierName.BATCH)


@dataclass(frozen=True)
class FlowPlan:
    rules: tuple[Rule, ...]

    def allowed(self, source: str, destination: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.source.id == source and rule.destination.id == destination]


class _Groups:
    """Host groups of a spec, built from the network plan's subnets."""

    def __init__(self, spec: PlatformSpec, network: NetworkPlan) -> None:
        self.spec = spec
        self.network = network

    def tier(self, business: Business, tier: TierName) -> HostGroup:
        return HostGroup(
            f"{business.id}/{tier.value}",
            GroupKind.BUSINESS_TIER,
            business.area,
            self.network.tier_subnet(business.id, tier).cidr,
            business=business.id,
            tier=tier,
        )

    def middleware(self, role: MiddlewareRole, area: str) -> HostGroup | None:
        if not self.spec.runs_in(role, area):
            return None
        cidr = self.network.role_subnet(area, role).cidr
        return HostGroup(f"{role.value}@{area}", GroupKind.MIDDLEWARE, area, cidr, role=role)

    def of_endpoint(self, endpoint: Endpoint) -> list[HostGroup]:
        if endpoint.business is not None:
            business = self.spec.business(endpoint.business)
            tiers = [endpoint.tier] if endpoint.tier else [name for name, _ in business.tiers.items()]
            return [self.tier(business, tier) for tier in tiers]
        assert endpoint.area is not None
        if endpoint.middleware is not None:
            group = self.middleware(endpoint.middleware, endpoint.area)
            return [group] if group else []
        assert endpoint.external is not None and endpoint.cidr is not None
        return [
            HostGroup(f"external:{endpoint.external}@{endpoint.area}", GroupKind.EXTERNAL, endpoint.area, endpoint.cidr)
        ]


def endpoint_groups(spec: PlatformSpec, network: NetworkPlan, endpoint: Endpoint) -> list[HostGroup]:
    """The host groups a flow end stands for in a single-site spec's plan (a business: each tier)."""
    return _Groups(spec, network).of_endpoint(endpoint)


def _to(
    sources: list[HostGroup], destination: HostGroup | None, ports: tuple[Port, ...] | list[Port], kind: RuleKind
) -> Iterator[Rule]:
    if destination is None:
        return
    for source in sources:
        if source != destination:
            for port in ports:
                yield Rule(source, destination, port, kind)


def _middleware_ports(spec: PlatformSpec, role: MiddlewareRole) -> list[Port]:
    service = spec.middleware.get(role)
    return list(service.ports) if service else []


def _business_rules(spec: PlatformSpec, groups: _Groups, business: Business) -> Iterator[Rule]:
    area = business.area
    tiers = dict(business.tiers.items())
    group = {name: groups.tier(business, name) for name in tiers}
    for caller, callee in TIER_CALLS:
        if caller in tiers and callee in tiers:
            yield from _to([group[caller]], group[callee], tier_ports(callee, tiers[callee]), RuleKind.TIER_TO_TIER)
    integrating = [group[name] for name in _INTEGRATING_TIERS if name in tiers]
    if business.integrations.publishes or business.integrations.consumes:
        hub = groups.middleware(MiddlewareRole.INTEGRATION_HUB, area)
        yield from _to(integrating, hub, _middleware_ports(spec, MiddlewareRole.INTEGRATION_HUB), RuleKind.TO_HUB)
    if TierName.BATCH in tiers:
        manager = groups.middleware(MiddlewareRole.JOB_MANAGEMENT, area)
        ports = _middleware_ports(spec, MiddlewareRole.JOB_MANAGEMENT)
        yield from _to([group[TierName.BATCH]], manager, ports, RuleKind.TO_JOB_MANAGEMENT)
    if TierName.DB not in tiers:
        database = groups.middleware(MiddlewareRole.DATABASE, area)
        ports = _middleware_ports(spec, MiddlewareRole.DATABASE)
        yield from _to(integrating, database, ports, RuleKind.TO_SHARED_DATABASE)
    if TierName.WEB in tiers:
        balancer = groups.middleware(MiddlewareRole.LOAD_BALANCER, area)
        if balancer is not None:
            web = group[TierName.WEB]
            yield from _to(
                [balancer], web, tier_ports(TierName.WEB, tiers[TierName.WEB]), RuleKind.LOAD_BALANCER_TO_WEB
            )


def _area_service_rules(spec: PlatformSpec, groups: _Groups, area: str, hosts: list[HostGroup]) -> Iterator[Rule]:
    for role, kind in (
        (MiddlewareRole.TIME_NAME, RuleKind.TO_TIME_NAME),
        (MiddlewareRole.MONITORING, RuleKind.TO_MONITORING),
    ):
        yield from _to(hosts, groups.middleware(role, area), _middleware_ports(spec, role), kind)
    database = groups.middleware(MiddlewareRole.DATABASE, area)
    users = [groups.middleware(role, area) for role in (MiddlewareRole.INTEGRATION_HUB, MiddlewareRole.JOB_MANAGEMENT)]
    present = [user for user in users if user is not None]
    yield from _to(present, database, _middleware_ports(spec, MiddlewareRole.DATABASE), RuleKind.TO_SHARED_DATABASE)


def balanced_ports(ports: Sequence[Port]) -> tuple[Port, ...]:
    """The ports a load balancer serves: single ports; a range is called directly."""
    return tuple(port for port in ports if port.first == port.last)


def _health_rules(spec: PlatformSpec, groups: _Groups) -> Iterator[Rule]:
    """Each load-balanced group admits its own subnet on its balanced ports (health checks, proxied traffic)."""
    for area in spec.areas:
        for role, service in spec.middleware.items():
            group = groups.middleware(role, area.id)
            if group is not None:
                for port in balanced_ports(service.ports):
                    yield Rule(group, group, port, RuleKind.LOAD_BALANCER_HEALTH)
    for business in spec.businesses:
        web = business.tiers.web
        if web is not None:
            group = groups.tier(business, TierName.WEB)
            for port in balanced_ports(tier_ports(TierName.WEB, web)):
                yield Rule(group, group, port, RuleKind.LOAD_BALANCER_HEALTH)


def _declared_rules(groups: _Groups, flow: Flow) -> Iterator[Rule]:
    sources, destinations = groups.of_endpoint(flow.source), groups.of_endpoint(flow.destination)
    directions = [(sources, destinations)] if flow.one_way else [(sources, destinations), (destinations, sources)]
    for froms, tos in directions:
        for destination in tos:
            for rule in _to(froms, destination, flow.ports, RuleKind.DECLARED):
                yield Rule(rule.source, rule.destination, rule.port, rule.kind, flow.id)


def _management_rules(spec: PlatformSpec, groups: _Groups, area: str, hosts: list[HostGroup]) -> Iterator[Rule]:
    """Operators' terminals -> the area's bastion -> each host group of the same area, on the SSH port only."""
    bastion = groups.middleware(MiddlewareRole.BASTION, area)
    if spec.management is None or bastion is None:
        return
    port = [spec.management.port]
    operations = [
        HostGroup(f"operations:{network.id}@{area}", GroupKind.EXTERNAL, area, network.cidr)
        for network in spec.management.operations_networks
        if network.area == area
    ]
    yield from _to(operations, bastion, port, RuleKind.OPERATIONS_TO_BASTION)
    for host in hosts:
        if host.area == area:
            yield from _to([bastion], host, port, RuleKind.BASTION_TO_HOST)


def plan_flows(spec: PlatformSpec, network: NetworkPlan) -> FlowPlan:
    """Every allowed (source, destination, port), deduplicated and sorted so the plan reads the same each run."""
    groups = _Groups(spec, network)
    candidates: list[Rule] = []
    for business in spec.businesses:
        candidates += _business_rules(spec, groups, business)
    for area in spec.areas:
        hosts = [groups.tier(b, name) for b in spec.businesses if b.area == area.id for name, _ in b.tiers.items()]
        hosts += [g for role, _ in spec.platform_services() if (g := groups.middleware(role, area.id)) is not None]
        candidates += _area_service_rules(spec, groups, area.id, hosts)
        candidates += _management_rules(spec, groups, area.id, hosts)
    for flow in spec.flows:
        candidates += _declared_rules(groups, flow)
    candidates += _health_rules(spec, groups)
    # One permission is one rule: providers reject a security-group rule written twice, so a declared
    # flow that repeats a rule the platform already needs keeps the platform's reason.
    unique: dict[tuple[str, str, Port], Rule] = {}
    for rule in candidates:
        unique.setdefault((rule.source.id, rule.destination.id, rule.port), rule)
    return FlowPlan(tuple(sorted(unique.values(), key=_rule_order)))


def _rule_order(rule: Rule) -> tuple[str, str, str, int, str]:
    return (rule.destination.id, rule.source.id, rule.port.protocol.value, rule.port.first, rule.kind.value)
