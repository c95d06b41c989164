"""The inventory of one site stack of a hybrid city: today's inventory plus where everything is.

A spec without sites keeps exactly today's inventory; a site stack's inventory adds the site of
every host and flow end, the data class of every declared flow, and the city-wide facts (all sites,
all links, where every business runs, every cross-site flow, the operations planes) so that an audit
or a diff of any one site's state sees a business move, a data class rise or a link weakened (HYBRID.md §6.4).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from kiban_platform.network.sites import cross_site_flows, far_group_id, site_of
from kiban_platform.spec.hybrid import business_site, endpoint_site, links_carrying
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.operations import manager_site
from kiban_platform.spec.operations_plan import (
    manager_areas,
    plane_ports,
    plane_role,
    planned_operations_flows,
)


def sites_json(spec: PlatformSpec) -> list[dict[str, Any]]:
    return [
        {
            "id": site.id,
            "kind": site.kind.value,
            "target": site.target.value,
            "region": site.region,
            "ceiling": site.effective_ceiling.value,
            "areas": {area: str(block) for area, block in site.areas.items()},
        }
        for site in spec.sites
    ]


def links_json(spec: PlatformSpec) -> list[dict[str, Any]]:
    return [
        {
            "id": link.id,
            "between": list(link.between),
            "carrier": link.carrier.value,
            "transport": link.transport.value,
            "encryption": link.encryption.value,
            "areas": list(link.areas),
            "initiated_by": link.initiated_by,
            "tunnels": len(link.tunnels),
            "outside_cidr": (
                str(link.direct_connect.outside_cidr)
                if link.direct_connect is not None and link.direct_connect.outside_cidr is not None
                else None
            ),
        }
        for link in spec.links
    ]


def city_cross_site_flows(spec: PlatformSpec) -> list[dict[str, Any]]:
    """Every declared flow whose ends are at two sites, in spec order, with the link it rides."""
    found: list[dict[str, Any]] = []
    for flow in spec.flows:
        ends = {"from": flow.source, "to": flow.destination}
        sites = {name: endpoint_site(spec, end) for name, end in ends.items()}
        if sites["from"] == sites["to"] or None in sites.values():
            continue
        areas = {name: spec.endpoint_area(end) for name, end in ends.items()}
        carrying = links_carrying(spec, sites["from"] or "", sites["to"] or "", set(areas.values()))
        found.append(
            {
                "flow": flow.id,
                **{name: {"site": sites[name], "area": areas[name], "end": end.label()} for name, end in ends.items()},
                "ports": [str(port) for port in flow.ports],
                "one_way": flow.one_way,
                "data": flow.data.value if flow.data is not None else None,
                "basis": flow.basis.value if flow.basis is not None else None,
                "link": carrying[0][1].id if carrying else None,
            }
        )
    return found


def operations_json(spec: PlatformSpec) -> dict[str, Any] | None:
    """The city's operations planes: per plane its role, manager's site and areas, relay kind, ports, data
    class, and each relay (site, area, host group, the id of its flow toward the manager); None when the
    spec declares no ``operations``."""
    if spec.operations is None:
        return None
    relays = planned_operations_flows(spec)
    return {
        plane.value: {
            "role": plane_role(plane).value,
            "manager_site": manager_site(config),
            "manager_areas": manager_areas(spec, plane, config),
            "relay": config.relay.value,
            "ports": [str(port) for port in plane_ports(spec, plane, config)],
            "data": config.data.value,
            "relays": [
                {
                    "site": relay.site,
                    "area": relay.area,
                    "group": f"{relay.role.value}@{relay.area}",
                    "flow": relay.flow.id,
                }
                for relay in relays
                if relay.plane == plane
            ],
        }
        for plane, config in spec.operations.planes()
    }


def spec_digest(spec: PlatformSpec) -> str:
    """What identifies the version of a city's spec: the SHA-256 of its validated model as canonical JSON.

    Every site stack of one spec publishes the same digest, and any change to what the spec plans changes
    it, so `kiban inventory` can refuse states of two versions of a spec (comments and layout are no part
    of the model and do not count).
    """
    canonical = json.dumps(spec.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def hybrid_inventory(spec: PlatformSpec, site_id: str, inventory: dict[str, Any]) -> dict[str, Any]:
    """``inventory`` (built on ``site_view(spec, site_id)``) with the hybrid keys; a new dict."""
    site_of(spec, site_id)
    # The far end of a cross-site flow is an outside network named "<far site>:<group>" in this view.
    far_sites = {
        far_group_id(crossing.remote_site, group.id, crossing.local_area): crossing.remote_site
        for crossing in cross_site_flows(spec, site_id)
        for group in crossing.remote_groups
    }
    data = {flow.id: flow.data.value if flow.data is not None else None for flow in spec.flows}

    def end(value: dict[str, Any]) -> dict[str, Any]:
        return value | {"site": far_sites.get(value["group"], site_id)}

    flows = [
        rule | {"from": end(rule["from"]), "to": end(rule["to"]), "data": data.get(rule["flow"])}
        for rule in inventory["flows"]
    ]
    return {
        **inventory,
        "site": site_id,
        "hosts": [host | {"site": site_id} for host in inventory["hosts"]],
        "flows": flows,
        "sites": sites_json(spec),
        "links": links_json(spec),
        "business_sites": {business.id: business_site(spec, business) for business in spec.businesses},
        "api_gateways": [business.id for business in spec.businesses if business.api_gateway],
        "area_levels": {area.id: area.level.value for area in spec.areas},
        "cross_site_flows": city_cross_site_flows(spec),
        "operations": operations_json(spec),
        "spec_digest": spec_digest(spec),
    }
