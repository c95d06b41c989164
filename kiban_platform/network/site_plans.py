"""The network plan of a hybrid city: its sites, its links, the flows between sites, and each site's own plan.

``kiban plan-network`` shows this for a spec with sites. Each site is planned on its own
``site_view``, as its stack plans it, so the segments and rules shown are the ones that site
builds. The documents of sites, links and cross-site flows have the shapes the contract gives the
inventory's ``sites``, ``links`` and ``cross_site_flows`` (a site also lists its areas' blocks,
a link its tunnels' inside addresses), so a plan and a deployed stack read alike.

Pure and deterministic, like every plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiban_platform.network.flows import FlowPlan, plan_flows
from kiban_platform.network.inventory import network_plan_json
from kiban_platform.network.plan import NetworkPlan, plan_network
from kiban_platform.network.sites import CrossSiteFlow, SiteViewError, cross_site_flows, site_of, site_view
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.sites import Link, Site


@dataclass(frozen=True)
class SiteNetworkPlan:
    """One site planned as its stack plans it: the single-site spec, its segments and its rules."""

    site: Site
    view: PlatformSpec
    network: NetworkPlan
    flows: FlowPlan


@dataclass(frozen=True)
class CityCrossing:
    """A cross-site flow of the city, once, seen from the site that opens its connections."""

    source_site: str
    destination_site: str
    crossing: CrossSiteFlow  # seen from ``source_site``: ``local`` is the flow's ``from``

    @property
    def source_area(self) -> str:
        return self.crossing.local_area

    @property
    def destination_area(self) -> str:
        return self.crossing.remote_area


def chosen_sites(spec: PlatformSpec, site_id: str | None = None) -> tuple[Site, ...]:
    """Every site of the spec, or only ``site_id`` (SiteViewError naming the known sites when it is not one)."""
    if site_id is None:
        if not spec.sites:
            raise SiteViewError("the spec has no sites: it is one implicit site, planned as a whole")
        return tuple(spec.sites)
    return (site_of(spec, site_id),)


def plan_site_network(spec: PlatformSpec, site_id: str) -> SiteNetworkPlan:
    view = site_view(spec, site_id)
    network = plan_network(view)
    return SiteNetworkPlan(site_of(spec, site_id), view, network, plan_flows(view, network))


def city_crossings(spec: PlatformSpec, site_id: str | None = None) -> tuple[CityCrossing, ...]:
    """Every cross-site flow of the city once, in spec order (with ``site_id``: those with an end there)."""
    found: dict[str, CityCrossing] = {}
    for site in spec.sites:
        for crossing in cross_site_flows(spec, site.id):
            if crossing.outgoing:
                found[crossing.flow.id] = CityCrossing(site.id, crossing.remote_site, crossing)
    ordered = [found[flow.id] for flow in spec.flows if flow.id in found]
    if site_id is None:
        return tuple(ordered)
    return tuple(c for c in ordered if site_id in (c.source_site, c.destination_site))


def site_links(spec: PlatformSpec, site_id: str | None = None) -> tuple[Link, ...]:
    """The city's links in spec order (with ``site_id``: those that end there)."""
    return tuple(link for link in spec.links if site_id is None or site_id in link.between)


def site_json(site: Site) -> dict[str, Any]:
    return {
        "id": site.id,
        "kind": site.kind.value,
        "target": site.target.value,
        "region": site.region,
        "ceiling": site.effective_ceiling.value,
        "areas": {area: str(block) for area, block in site.areas.items()},
    }


def link_json(link: Link) -> dict[str, Any]:
    return {
        "id": link.id,
        "between": list(link.between),
        "carrier": link.carrier.value,
        "transport": link.transport.value,
        "encryption": link.encryption.value,
        "areas": list(link.areas),
        "initiated_by": link.initiated_by,
        "tunnels": len(link.tunnels),
        "tunnel_inside_cidrs": [str(tunnel.inside_cidr) for tunnel in link.tunnels],
    }


def cross_site_flow_json(city: CityCrossing) -> dict[str, Any]:
    crossing, flow = city.crossing, city.crossing.flow
    return {
        "flow": flow.id,
        "from": {"site": city.source_site, "area": city.source_area, "end": flow.source.label()},
        "to": {"site": city.destination_site, "area": city.destination_area, "end": flow.destination.label()},
        "ports": [str(port) for port in flow.ports],
        "one_way": flow.one_way,
        "data": flow.data.value if flow.data is not None else None,
        "basis": flow.basis.value if flow.basis is not None else None,
        "link": crossing.link.id if crossing.link is not None else None,
    }


def hybrid_network_plan_json(spec: PlatformSpec, site_id: str | None = None) -> dict[str, Any]:
    """``kiban plan-network --format json`` for a spec with sites (with ``site_id``: that site only)."""
    sites = chosen_sites(spec, site_id)
    return {
        "sites": [site_json(site) for site in sites],
        "links": [link_json(link) for link in site_links(spec, site_id)],
        "cross_site_flows": [cross_site_flow_json(city) for city in city_crossings(spec, site_id)],
        "site_plans": {
            site.id: network_plan_json(planned.network, planned.flows)
            for site in sites
            for planned in (plan_site_network(spec, site.id),)
        },
    }
