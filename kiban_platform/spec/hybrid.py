"""Where things are in a hybrid city: the site of each business, service and flow end, its ceiling, its links.

Pure functions over a checked spec, shared by the hybrid checks and, later, by the per-site plans.
In a spec without ``sites`` every site answer is None: the spec is one implicit site.
"""

from __future__ import annotations

import ipaddress

from kiban_platform.spec.model import Business, Endpoint, Flow, MiddlewareRole, MiddlewareService, PlatformSpec
from kiban_platform.spec.privacy import DataClass
from kiban_platform.spec.sites import Link, SiteKind, Target


def business_site(spec: PlatformSpec, business: Business) -> str | None:
    """The site a business runs at: its own ``site``, else the first site (None without sites)."""
    if business.site is not None:
        return business.site
    return spec.sites[0].id if spec.sites else None


def sites_carrying(spec: PlatformSpec, area_id: str) -> list[str]:
    return [site.id for site in spec.sites if area_id in site.areas]


def site_block(spec: PlatformSpec, site_id: str, area_id: str) -> ipaddress.IPv4Network | None:
    """The block of ``area_id`` at ``site_id``, or None where the site does not carry it (or is unknown)."""
    site = next((site for site in spec.sites if site.id == site_id), None)
    return None if site is None else site.areas.get(area_id)


def service_sites(spec: PlatformSpec, service: MiddlewareService, area_id: str) -> list[str]:
    """The sites where a platform service has nodes in ``area_id``: those carrying it, narrowed by its ``sites``."""
    if area_id not in service.areas:
        return []
    carrying = sites_carrying(spec, area_id)
    return carrying if service.sites is None else [site for site in carrying if site in service.sites]


def runs_at(spec: PlatformSpec, role: MiddlewareRole, area_id: str, site_id: str) -> bool:
    service = spec.platform_service(role)
    return service is not None and site_id in service_sites(spec, service, area_id)


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
    site = next((site for site in spec.sites if site.id == endpoint_site(spec, endpoint)), None)
    if site is not None:  # an unknown site is reported where it is named
        ceiling = min(ceiling, site.effective_ceiling, key=lambda data: data.rank)
    return ceiling


def is_public_cloud(spec: PlatformSpec, site_id: str | None) -> bool:
    return site_id is not None and any(site.id == site_id and site.kind == SiteKind.PUBLIC_CLOUD for site in spec.sites)


def links_carrying(spec: PlatformSpec, first: str, second: str, areas: set[str]) -> list[tuple[int, Link]]:
    """The links between two sites that carry every one of ``areas``: the paths a flow between them may take."""
    return [
        (index, link)
        for index, link in enumerate(spec.links)
        if set(link.between) == {first, second} and areas <= set(link.areas)
    ]


def link_flows(spec: PlatformSpec, link: Link) -> list[Flow]:
    """The declared flows that ride ``link``: one end at each of its sites, and it is the first link carrying
    both ends' areas (as ``network.sites.cross_site_flows`` picks it). Flows with an unresolved end are left
    to the flow checks."""
    riding: list[Flow] = []
    for flow in spec.flows:
        try:
            ends = (endpoint_site(spec, flow.source), endpoint_site(spec, flow.destination))
            areas = {spec.endpoint_area(flow.source), spec.endpoint_area(flow.destination)}
        except KeyError:
            continue
        if None in ends or ends[0] == ends[1] or set(ends) != set(link.between):
            continue
        carrying = links_carrying(spec, link.between[0], link.between[1], areas)
        if carrying and carrying[0][1] is link:
            riding.append(flow)
    return riding


def openstack_end(spec: PlatformSpec, link: Link) -> str | None:
    """The link's site on OpenStack, if it has one (a link joins an OpenStack site to an AWS site)."""
    return next((site.id for site in spec.sites if site.id in link.between and site.target == Target.OPENSTACK), None)


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
