"""One site of a hybrid city on its own: the single-site spec its stack plans and builds, and its links.

A hybrid spec is planned one site at a time, because each site is its own stack, run by its own
vendor (HYBRID.md §6.3). ``site_view`` projects the spec onto one site: the areas the site carries,
each with the site's block as its supernet, the businesses and middleware that run there, and the
flows. A flow with both ends at the site stays as it is; a flow with one end elsewhere keeps its id
and its ports, and its far end becomes an outside network (``external``) with the far site's
planned addresses, so each side installs the same planned rule, seen from its side, with the very
machinery that admits eLTAX. ``plan_links`` says which links end at the site, which areas' blocks
each carries on either side, and which cross-site flows ride it.

Everything here is pure and deterministic: every site stack, the audit and the lab see the same plan.
"""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass, replace

from kiban_platform.network.flows import GroupKind, HostGroup, endpoint_groups
from kiban_platform.network.plan import NetworkPlan, plan_network
from kiban_platform.spec.chassis_sites import site_failure_domains
from kiban_platform.spec.hybrid import (
    business_site,
    endpoint_site,
    link_subnet_roles,
    links_carrying,
    openstack_end,
    runs_at,
)
from kiban_platform.spec.model import Endpoint, Flow, Middleware, MiddlewareRole, PlatformSpec
from kiban_platform.spec.privacy import DataClass
from kiban_platform.spec.sites import Encryption, Link, Site

# The external name of a far end: "<site>:<group>", e.g. "gc:integration_hub@mynumber".
REMOTE_SEPARATOR = ":"


class SiteViewError(ValueError):
    """The site is not one of the spec's, or the spec has no sites."""


@dataclass(frozen=True)
class CrossSiteFlow:
    """A declared flow with one end at this site and the other at ``remote_site``."""

    flow: Flow
    local: Endpoint  # the end at this site, as the spec declares it
    local_area: str
    remote: Endpoint
    remote_site: str
    remote_area: str
    remote_groups: tuple[HostGroup, ...]  # the far end as planned at its own site
    local_groups: tuple[HostGroup, ...]  # the near end as planned here (a public service: its block)
    outgoing: bool  # True when this site's end opens the connections (the flow's ``from``)
    link: Link | None  # the link it rides (None only in a spec the checks refuse)

    @property
    def data(self) -> DataClass | None:
        return self.flow.data


@dataclass(frozen=True)
class VpnPair:
    """One AWS VPN connection of an IPsec link: two tunnels, one security association each way.

    A link whose flows reach several platform subnets at its OpenStack end has one pair per subnet
    (Neutron offers one security association per local subnet, an AWS tunnel holds one); its traffic
    selectors are then that subnet at the OpenStack end and the area's block at the AWS end.
    """

    name: str  # "" for the pair holding the link's first tunnel (its resources keep the link's names)
    role: MiddlewareRole | None  # the OpenStack end's platform subnet; None: the two area blocks
    local: ipaddress.IPv4Network  # this side's traffic selector
    peer: ipaddress.IPv4Network  # the other side's
    tunnels: tuple[int, ...]  # indexes into ``link.tunnels``, in declared order

    def suffix(self, separator: str = "-") -> str:
        """What tells this pair's resources from the link's first pair's: "" or "-<role>"."""
        return f"{separator}{self.name}" if self.name else ""


@dataclass(frozen=True)
class PlannedLink:
    """One link seen from one of its two sites."""

    link: Link
    site: Site  # this side
    peer: Site  # the other side
    local_prefixes: tuple[tuple[str, ipaddress.IPv4Network], ...]  # (area, block) of the link's areas here
    peer_prefixes: tuple[tuple[str, ipaddress.IPv4Network], ...]  # the same at the peer
    dials: bool  # this side may open the tunnels (the other side only responds when False)
    flows: tuple[CrossSiteFlow, ...]  # the cross-site flows that ride it, seen from here
    vpn_pairs: tuple[VpnPair, ...] = ()  # an IPsec link's VPN connections, in the order of their first tunnels

    @property
    def peer_dials(self) -> bool:
        return self.link.initiated_by in (None, self.peer.id)


def site_of(spec: PlatformSpec, site_id: str) -> Site:
    if not spec.sites:
        raise SiteViewError("the spec has no sites: it is one implicit site, planned as a whole")
    with contextlib.suppress(KeyError):
        return spec.site(site_id)
    known = ", ".join(site.id for site in spec.sites)
    raise SiteViewError(f"unknown site {site_id!r}; the spec's sites: {known}")


def _local_endpoint(endpoint: Endpoint) -> Endpoint:
    return endpoint.model_copy(update={"site": None}) if endpoint.site is not None else endpoint


def _remote_groups(spec: PlatformSpec, endpoint: Endpoint, site_id: str) -> tuple[HostGroup, ...]:
    """A flow end's host groups with the addresses its own site (``site_id``) plans for them."""
    area = spec.endpoint_area(endpoint)
    if endpoint.public_service is not None:
        service = spec.public_service(endpoint.public_service)
        block = service.cidr or spec.site(site_id).areas[area]
        return (HostGroup(f"public_service:{service.id}", GroupKind.EXTERNAL, area, block),)
    if endpoint.external is not None:
        assert endpoint.cidr is not None  # guaranteed by Endpoint._one_kind
        return (HostGroup(f"external:{endpoint.external}@{area}", GroupKind.EXTERNAL, area, endpoint.cidr),)
    hosts_only, plan = _hosts_only_plan(spec, site_id)
    return tuple(endpoint_groups(hosts_only, plan, _local_endpoint(endpoint)))


def _hosts_only_plan(spec: PlatformSpec, site_id: str) -> tuple[PlatformSpec, NetworkPlan]:
    """The far site's plan without its flows: addresses never depend on flows, and its flows need ours.

    Planned once per site, not once per flow: a site with thousands of cross-site flows would plan its
    whole network thousands of times.
    """

    def build() -> tuple[PlatformSpec, NetworkPlan]:
        hosts_only = _site_without_flows(spec, site_id)
        return hosts_only, plan_network(hosts_only)

    sources = (spec.sites, spec.areas, spec.businesses, spec.middleware, spec.management)
    return spec.memoized(f"plan without flows of site {site_id}", sources, build)


def cross_site_flows(spec: PlatformSpec, site_id: str) -> tuple[CrossSiteFlow, ...]:
    """The declared flows with exactly one end at ``site_id``, in spec order."""
    site_of(spec, site_id)
    found: list[CrossSiteFlow] = []
    for flow in spec.flows:
        source_site = endpoint_site(spec, flow.source)
        destination_site = endpoint_site(spec, flow.destination)
        if source_site == destination_site or site_id not in (source_site, destination_site):
            continue
        outgoing = source_site == site_id
        local, remote = (flow.source, flow.destination) if outgoing else (flow.destination, flow.source)
        remote_site = destination_site if outgoing else source_site
        assert remote_site is not None  # a checked spec resolves every end's site
        local_area, remote_area = spec.endpoint_area(local), spec.endpoint_area(remote)
        carrying = links_carrying(spec, site_id, remote_site, {local_area, remote_area})
        found.append(
            CrossSiteFlow(
                flow=flow,
                local=local,
                local_area=local_area,
                remote=remote,
                remote_site=remote_site,
                remote_area=remote_area,
                remote_groups=_remote_groups(spec, remote, remote_site),
                local_groups=_remote_groups(spec, local, site_id),
                outgoing=outgoing,
                link=carrying[0][1] if carrying else None,
            )
        )
    return tuple(found)


def _far_name(site_id: str, group_id: str) -> str:
    return f"{site_id}{REMOTE_SEPARATOR}{group_id}"


def far_group_id(site_id: str, group_id: str, area_id: str) -> str:
    """The host group a site view plans for a far end: ``external:<far site>:<far group>@<near area>``."""
    return f"external:{_far_name(site_id, group_id)}@{area_id}"


def _as_external(crossing: CrossSiteFlow, group: HostGroup) -> Endpoint:
    """The far end as an outside network entering the near end's area (its group: ``far_group_id``)."""
    return Endpoint(external=_far_name(crossing.remote_site, group.id), area=crossing.local_area, cidr=group.cidr)


def _view_flows(spec: PlatformSpec, site_id: str) -> list[Flow]:
    """In-site flows as declared; cross-site flows with their far end as an outside network."""
    crossing_by_id = {crossing.flow.id: crossing for crossing in cross_site_flows(spec, site_id)}
    flows: list[Flow] = []
    for flow in spec.flows:
        crossing = crossing_by_id.get(flow.id)
        if crossing is None:
            if site_id in (endpoint_site(spec, flow.source), endpoint_site(spec, flow.destination)):
                local = {"source": _local_endpoint(flow.source), "destination": _local_endpoint(flow.destination)}
                flows.append(flow.model_copy(update=local))
            continue
        if crossing.local.public_service is not None:
            continue  # a public service has no hosts kiban builds: its rules are the site's own group
        near = _local_endpoint(crossing.local)
        for group in crossing.remote_groups:
            far = _as_external(crossing, group)
            ends = {"source": near, "destination": far} if crossing.outgoing else {"source": far, "destination": near}
            flows.append(flow.model_copy(update=ends))
    return flows


def _view_middleware(spec: PlatformSpec, site_id: str) -> Middleware:
    kept: dict[str, object] = {}
    for role, service in spec.middleware.items():
        here = [area for area in service.areas if runs_at(spec, role, area, site_id)]
        kept[role.value] = service.model_copy(update={"areas": here, "sites": None}) if here else None
    return spec.middleware.model_copy(update=kept)


def site_view(spec: PlatformSpec, site_id: str) -> PlatformSpec:
    """The single-site spec of one site: what its stack plans, places and builds."""
    return _site_without_flows(spec, site_id).model_copy(update={"flows": _view_flows(spec, site_id)})


def _site_without_flows(spec: PlatformSpec, site_id: str) -> PlatformSpec:
    site = site_of(spec, site_id)
    areas = [area.model_copy(update={"supernet": site.areas[area.id]}) for area in spec.areas if area.id in site.areas]
    businesses = [
        business.model_copy(update={"site": None})
        for business in spec.businesses
        if business_site(spec, business) == site_id
    ]
    management = spec.management
    if management is not None:
        networks = [network for network in management.operations_networks if network.area in site.areas]
        management = management.model_copy(update={"operations_networks": networks}) if networks else None
    return spec.model_copy(
        update={
            "failure_domains": site_failure_domains(spec, site),
            "areas": areas,
            "businesses": businesses,
            "middleware": _view_middleware(spec, site_id),
            "flows": [],
            "management": management,
            "sites": [],
            "links": [],
            "public_services": [],
            "operations": None,  # its flows are in the view's flows already; a view is one implicit site
        }
    )


def plan_links(spec: PlatformSpec, site_id: str) -> tuple[PlannedLink, ...]:
    """The links that end at ``site_id``, in spec order, each with the cross-site flows it carries."""
    site = site_of(spec, site_id)
    riding: dict[int, list[CrossSiteFlow]] = {}
    for crossing in cross_site_flows(spec, site_id):
        riding.setdefault(id(crossing.link), []).append(crossing)  # by identity: the very link it rides
    planned: list[PlannedLink] = []
    for link in spec.links:
        if site_id not in link.between:
            continue
        peer = spec.site(next(end for end in link.between if end != site_id))
        planned.append(
            PlannedLink(
                link=link,
                site=site,
                peer=peer,
                local_prefixes=tuple((area, site.areas[area]) for area in link.areas if area in site.areas),
                peer_prefixes=tuple((area, peer.areas[area]) for area in link.areas if area in peer.areas),
                dials=link.initiated_by in (None, site_id),
                flows=tuple(riding.get(id(link), ())),
            )
        )
    return tuple(replace(link, vpn_pairs=_vpn_pairs(spec, link)) for link in planned)


def _subnet(link: PlannedLink, role: MiddlewareRole, openstack_site: str) -> ipaddress.IPv4Network | None:
    """The platform subnet of ``role`` at the link's OpenStack end, as the flows riding the link plan it."""
    for crossing in link.flows:
        groups = crossing.local_groups if link.site.id == openstack_site else crossing.remote_groups
        for group in groups:
            if group.role == role:
                return group.cidr
    return None


def _vpn_pairs(spec: PlatformSpec, planned: PlannedLink) -> tuple[VpnPair, ...]:
    link = planned.link
    if link.encryption != Encryption.IPSEC or not planned.local_prefixes or not planned.peer_prefixes:
        return ()
    (_, local_block), (_, peer_block) = planned.local_prefixes[0], planned.peer_prefixes[0]
    groups: dict[MiddlewareRole | None, list[int]] = {}
    if any(tunnel.subnet is not None for tunnel in link.tunnels):
        for index, tunnel in enumerate(link.tunnels):
            groups.setdefault(tunnel.subnet, []).append(index)
    else:
        roles = link_subnet_roles(spec, link)
        groups[roles[0] if len(roles) == 1 else None] = list(range(len(link.tunnels)))
    openstack_site = openstack_end(spec, link)
    pairs: list[VpnPair] = []
    for role, indexes in groups.items():
        local, peer = local_block, peer_block
        subnet = None if role is None or openstack_site is None else _subnet(planned, role, openstack_site)
        if subnet is not None:
            local, peer = (subnet, peer_block) if planned.site.id == openstack_site else (local_block, subnet)
        name = "" if indexes[0] == 0 else str(role.value if role is not None else indexes[0])
        pairs.append(VpnPair(name, role, local, peer, tuple(indexes)))
    return tuple(pairs)
