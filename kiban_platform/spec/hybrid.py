"""Where things are in a hybrid city: the site of each business, service and flow end, its ceiling, its links.

Pure functions over a checked spec, shared by the hybrid checks and, later, by the per-site plans.
In a spec without ``sites`` every site answer is None: the spec is one implicit site.
"""

from __future__ import annotations

import functools
import ipaddress

from kiban_platform.spec.model import Business, Endpoint, Flow, MiddlewareRole, MiddlewareService, PlatformSpec
from kiban_platform.spec.privacy import DataClass
from kiban_platform.spec.sites import Link, Site, SiteKind, Target


def business_site(spec: PlatformSpec, business: Business) -> str | None:
    """The site a business runs at: its own ``site``, else the first site (None without sites)."""
    if business.site is not None:
        return business.site
    return spec.sites[0].id if spec.sites else None


def _sites_by_area(spec: PlatformSpec) -> dict[str, list[str]]:
    def build() -> dict[str, list[str]]:
        carrying: dict[str, list[str]] = {}
        for site in spec.sites:
            for area_id in site.areas:
                carrying.setdefault(area_id, []).append(site.id)
        return carrying

    return spec.memoized("sites by area", (spec.sites,), build)


def sites_carrying(spec: PlatformSpec, area_id: str) -> list[str]:
    return list(_sites_by_area(spec).get(area_id, ()))


def known_site(spec: PlatformSpec, site_id: str | None) -> Site | None:
    """The site with this id (the first, if two have it), or None for None or an unknown id."""
    if site_id is None:
        return None
    try:
        return spec.site(site_id)
    except KeyError:
        return None


def site_block(spec: PlatformSpec, site_id: str, area_id: str) -> ipaddress.IPv4Network | None:
    """The block of ``area_id`` at ``site_id``, or None where the site does not carry it (or is unknown)."""
    site = known_site(spec, site_id)
    return None if site is None else site.areas.get(area_id)


def service_sites(spec: PlatformSpec, service: MiddlewareService, area_id: str) -> list[str]:
    """The sites where a platform service has nodes in ``area_id``: those carrying it, narrowed by its ``sites``."""
    if area_id not in service.areas:
        return []
    carrying = sites_carrying(spec, area_id)
    if service.sites is None:
        return carrying
    narrowed = set(service.sites)
    return [site for site in carrying if site in narrowed]


def runs_at(spec: PlatformSpec, role: MiddlewareRole, area_id: str, site_id: str) -> bool:
    """Whether ``role`` has nodes in ``area_id`` at ``site_id``: a set look-up, asked once per site and area."""

    def build() -> dict[tuple[MiddlewareRole, str], frozenset[str]]:
        return {
            (service_role, area): frozenset(service_sites(spec, service, area))
            for service_role, service in spec.platform_services()
            for area in service.areas
        }

    return site_id in spec.memoized("sites of each service", _service_sources(spec), build).get(
        (role, area_id), frozenset()
    )


def _service_sources(spec: PlatformSpec) -> tuple[object, ...]:
    # The bastions are built from management and areas, the other services read from middleware.
    return (spec.sites, spec.middleware, spec.management, spec.areas)


def any_service_at(spec: PlatformSpec, area_id: str, site_id: str) -> bool:
    """Whether any platform service (middleware or bastion) has nodes in ``area_id`` at ``site_id``."""

    def build() -> frozenset[tuple[str, str]]:
        return frozenset(
            (area, site)
            for _, service in spec.platform_services()
            for area in service.areas
            for site in service_sites(spec, service, area)
        )

    return (area_id, site_id) in spec.memoized("places of any service", _service_sources(spec), build)


def endpoint_site_candidates(spec: PlatformSpec, endpoint: Endpoint) -> list[str]:
    """The sites a flow end may be at; exactly one when it is resolved (KeyError for an unknown reference)."""
    if endpoint.business is not None:
        site = business_site(spec, spec.business(endpoint.business))
        return [site] if site is not None else []
    if endpoint.public_service is not None:
        return [spec.public_service(endpoint.public_service).site]
    if endpoint.site is not None:
        return [endpoint.site]
    assert endpoint.area is not None  # guaranteed by Endpoint._one_kind
    if endpoint.middleware is not None:
        service = spec.platform_service(endpoint.middleware)
        return service_sites(spec, service, endpoint.area) if service is not None else []
    return sites_carrying(spec, endpoint.area)


def endpoint_site(spec: PlatformSpec, endpoint: Endpoint) -> str | None:
    """The site of a flow end, or None without sites or where it is ambiguous (reported by the checks)."""
    candidates = endpoint_site_candidates(spec, endpoint)
    return candidates[0] if len(candidates) == 1 else None


def endpoint_ceiling(spec: PlatformSpec, endpoint: Endpoint) -> DataClass | None:
    """The highest data class a flow end may hold: its area's ceiling, lowered by its site's.

    None for an external network: the counterpart is outside the city, and what it sends passes
    through the area it enters (eLTAX's 特定通信 crosses the LGWAN line) without being held there.
    """
    if endpoint.external is not None:
        return None
    ceiling = spec.area(spec.endpoint_area(endpoint)).effective_ceiling
    site = known_site(spec, endpoint_site(spec, endpoint))
    if site is not None:  # an unknown site is reported where it is named
        ceiling = min(ceiling, site.effective_ceiling, key=lambda data: data.rank)
    return ceiling


def is_public_cloud(spec: PlatformSpec, site_id: str | None) -> bool:
    site = known_site(spec, site_id)
    return site is not None and site.kind == SiteKind.PUBLIC_CLOUD


LinkAreas = tuple[frozenset[str], frozenset[str]]  # the two sites a link joins, and the areas it carries


def _links_by_ends(spec: PlatformSpec) -> dict[frozenset[str], list[tuple[int, Link]]]:
    def build() -> dict[frozenset[str], list[tuple[int, Link]]]:
        by_ends: dict[frozenset[str], list[tuple[int, Link]]] = {}
        for index, link in enumerate(spec.links):
            by_ends.setdefault(frozenset(link.between), []).append((index, link))
        return by_ends

    return spec.memoized("links by ends", (spec.links,), build)


def links_carrying(spec: PlatformSpec, first: str, second: str, areas: set[str]) -> list[tuple[int, Link]]:
    """The links between two sites that carry every one of ``areas``: the paths a flow between them may take.

    Flows between the same two sites in the same areas share one answer, so thousands of flows over
    thousands of links cost one pass over the links per distinct question, not one per flow.
    """
    key = (frozenset((first, second)), frozenset(areas))
    answers: dict[LinkAreas, list[tuple[int, Link]]] = spec.memoized("links carrying", (spec.links,), dict)
    if key not in answers:
        answers[key] = [
            (index, link) for index, link in _links_by_ends(spec).get(key[0], []) if key[1] <= set(link.areas)
        ]
    return list(answers[key])


def _flows_by_link(spec: PlatformSpec) -> dict[int, list[Flow]]:
    """Each link's index to the declared flows riding it (see ``link_flows``), found in one pass over the flows."""

    def build() -> dict[int, list[Flow]]:
        riding: dict[int, list[Flow]] = {}
        for flow in spec.flows:
            try:
                ends = (endpoint_site(spec, flow.source), endpoint_site(spec, flow.destination))
                areas = {spec.endpoint_area(flow.source), spec.endpoint_area(flow.destination)}
            except KeyError:
                continue
            if ends[0] is None or ends[1] is None or ends[0] == ends[1]:
                continue
            carrying = links_carrying(spec, ends[0], ends[1], areas)
            if carrying:
                riding.setdefault(carrying[0][0], []).append(flow)
        return riding

    sources = (spec.flows, spec.links, spec.sites, spec.businesses, spec.public_services, spec.middleware)
    return spec.memoized("flows by link", sources, build)


def link_flows(spec: PlatformSpec, link: Link) -> list[Flow]:
    """The declared flows that ride ``link``: one end at each of its sites, and it is the first link carrying
    both ends' areas (as ``network.sites.cross_site_flows`` picks it). Flows with an unresolved end are left
    to the flow checks."""
    # By identity: a link equal to another (two links written alike) rides only its own flows.
    positions = spec.memoized(
        "link positions", (spec.links,), lambda: {id(item): i for i, item in enumerate(spec.links)}
    )
    index = positions.get(id(link))
    return list(_flows_by_link(spec).get(index, [])) if index is not None else []


def openstack_end(spec: PlatformSpec, link: Link) -> str | None:
    """The link's site on OpenStack, if it has one (a link joins an OpenStack site to an AWS site)."""
    positions = spec.memoized(
        "site positions", (spec.sites,), lambda: {site.id: i for i, site in reversed(list(enumerate(spec.sites)))}
    )
    ends = [site for site in map(functools.partial(known_site, spec), link.between) if site is not None]
    # The first in the spec's order of sites, when both ends are on OpenStack.
    on_openstack = sorted((positions[site.id], site.id) for site in ends if site.target == Target.OPENSTACK)
    return on_openstack[0][1] if on_openstack else None


def link_subnet_roles(spec: PlatformSpec, link: Link) -> list[MiddlewareRole]:
    """The middleware roles whose platform subnets the link's flows reach at its OpenStack end, in flow order.

    Neutron's VPN service offers one security association per local subnet and an AWS tunnel holds one,
    so each of these subnets needs its own VPN connection (two tunnels) on the AWS side.
    """
    site_id = openstack_end(spec, link)
    roles: list[MiddlewareRole] = []
    if site_id is None:
        return roles
    for flow in link_flows(spec, link):
        end = flow.source if endpoint_site(spec, flow.source) == site_id else flow.destination
        if end.middleware is not None and end.middleware not in roles:
            roles.append(end.middleware)
    return roles
