"""SharedPlatform: the city's shared platform (共通基盤), the root of every kiban stack.

It wires the components with explicit data: the program's plans go to every component and to the
backend's ``check``; the HardwarePool's ``zones`` and the backend's ``VendorAccess`` go to each
SecurityArea, which hands its ``network`` to its MiddlewareTiers and BusinessTenants and gets back
their ``groups``; once every area exists, the areas' networks and groups go to ``area_links``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from kiban_platform.backends import Backend
from kiban_platform.backends.handles import AreaNetwork, DeployedGroup
from kiban_platform.components.hardware_pool import HardwarePool, HardwarePoolArgs
from kiban_platform.components.security_area import SecurityArea, SecurityAreaArgs
from kiban_platform.network.flows import FlowPlan
from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.inventory import build_inventory
from kiban_platform.network.plan import NetworkPlan
from kiban_platform.placement.fleet import PlacedFleet
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.templates import area_services


@dataclass
class SharedPlatformArgs:
    spec: PlatformSpec
    network: NetworkPlan
    flows: FlowPlan
    backend: Backend
    database_password: pulumi.Input[str] | None = None
    # The planner's blade and chassis per VM (`kiban plan`); without it replicas round-robin over chassis.
    placement: PlacedFleet | None = None


class SharedPlatform(pulumi.ComponentResource):
    inventory: dict[str, Any]
    area_networks: dict[str, AreaNetwork]  # each area's network as made, for the links to other sites
    groups: tuple[DeployedGroup, ...]  # every host group as made, for the routes toward other sites

    def __init__(self, name: str, args: SharedPlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kiban:platform:SharedPlatform", name, None, opts)
        spec, network, flows, backend = args.spec, args.network, args.flows, args.backend
        # The target was checked on these plans by the program's prepare(), before anything was declared.
        placed = args.placement
        where = placed.where if placed is not None else None
        hosts = plan_hosts(spec, network, zonal_subnets=backend.zonal_subnets, placement=where)
        child = pulumi.ResourceOptions(parent=self)

        pool = HardwarePool("hardware", HardwarePoolArgs(spec.failure_domains, backend, placed), child)
        vendors = list(dict.fromkeys(business.vendor for business in spec.businesses))
        access = backend.vendor_access(self, vendors)
        areas: dict[str, SecurityArea] = {}
        for area in spec.areas:
            areas[area.id] = SecurityArea(
                area.id,
                SecurityAreaArgs(
                    spec=spec,
                    area=area,
                    network=network,
                    flows=flows,
                    hosts=[host for host in hosts if host.vm.area == area.id],
                    services=area_services(spec, network, hosts, area.id),
                    backend=backend,
                    zones=pool.zones,
                    access=access,
                    database_password=args.database_password,
                ),
                child,
            )
        # Only now does every area's network and group exist: the links between areas are made in one call.
        self.area_networks = {area_id: component.network for area_id, component in areas.items()}
        self.groups = tuple(group for component in areas.values() for group in component.groups)
        backend.area_links(
            self,
            self.area_networks,
            self.groups,
            flows,
        )

        self.inventory = build_inventory(spec, network, flows, hosts, backend.target)
        self.register_outputs(
            {
                "municipality": spec.municipality.code,
                "target": backend.target,
                "areas": [area.id for area in spec.areas],
                "hosts": len(hosts),
                **access.outputs,
            }
        )
