"""The network plan of a hybrid city: its sites, its links, the flows between sites, and each site's own plan.

``kiban plan-network`` shows this for a spec with sites. Each site is planned on its own
``site_view``, as its stack plans it, so the segments and rules shown are the ones that site
builds. Sites, links and cross-site flows are the documents a site stack's inventory carries
(``network.site_inventory``), so a plan and a deployed stack read alike.

Pure and deterministic, like every plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiban_platform.network.flows import FlowPlan, plan_flows
from kiban_platform.network.inventory import network_plan_json
from kiban_platform.network.plan import NetworkPlan, plan_network
from kiban_platform.network.site_inventory import city_cross_site_flows, links_json, sites_json
from kiban_platform.network.sites import SiteViewError, site_of, site_view
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.sites import Link, Site


@dataclass(frozen=True)
class SiteNetworkPlan:
    """One site planned as its stack plans it: the single-site spec, its segments and its rules."""

    site: Site
    view: PlatformSpec
    network: NetworkPlan
    flows: FlowPlan


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


def site_links(spec: PlatformSpec, site_id: str | None = None) -> tuple[Link, ...]:
    """The city's links in spec order (with ``site_id``: those that end there)."""
    return tuple(link for link in spec.links if site_id is None or site_id in link.between)


def cross_site_flows_at(spec: PlatformSpec, site_id: str | None = None) -> list[dict[str, Any]]:
    """The city's cross-site flows, as the inventory has them (with ``site_id``: those with an end there)."""
    return [
        flow
        for flow in city_cross_site_flows(spec)
        if site_id is None or site_id in (flow["from"]["site"], flow["to"]["site"])
    ]


def hybrid_network_plan_json(spec: PlatformSpec, site_id: str | None = None) -> dict[str, Any]:
    """``kiban plan-network --format json`` for a spec with sites (with ``site_id``: that site only)."""
    shown = [site.id for site in chosen_sites(spec, site_id)]
    linked = {link.id for link in site_links(spec, site_id)}
    plans = {site: plan_site_network(spec, site) for site in shown}
    return {
        "sites": [site for site in sites_json(spec) if site["id"] in shown],
        "links": [link for link in links_json(spec) if link["id"] in linked],
        "cross_site_flows": cross_site_flows_at(spec, site_id),
        "site_plans": {site: network_plan_json(plan.network, plan.flows) for site, plan in plans.items()},
    }
