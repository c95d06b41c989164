"""Where things are in a hybrid city: the site of each business, service and flow end, its ceiling, its links.

Pure functions over a checked spec, shared by the hybrid checks and, later, by the per-site plans.
In a spec without ``sites`` every site answer is None: the spec is one implicit site.
"""

from __future__ import annotations

import ipaddress

from kiban_platform.spec.model import Business, Endpoint, MiddlewareRole, MiddlewareService, PlatformSpec
from kiban_platform.spec.privacy import DataClass
from kiban_platform.spec.sites import Link, SiteKind


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
