"""SecurityArea: one area of the three-layer separation (三層): its VLANs, its middleware and its businesses.

Nothing connects one area to another here: the only paths between areas are
the declared flows, which appear as rules in the groups at each end, and the
links ``SharedPlatform`` asks the backend for once every area exists (from the
``network`` and ``groups`` each area hands back).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from kiban_platform.backends import Backend
from kiban_platform.backends.handles import AreaNetwork, DeployedGroup, VendorAccess, Zones
from kiban_platform.components.business_tenant import BusinessTenant, BusinessTenantArgs
from kiban_platform.components.deployments import business_deployments, middleware_deployments
from kiban_platform.components.middleware_tier import MiddlewareTier, MiddlewareTierArgs
from kiban_platform.network.flows import FlowPlan
from kiban_platform.network.hosts import PlannedHost
from kiban_platform.network.plan import PLATFORM_SEGMENT, NetworkPlan
from kiban_platform.spec.model import Area, PlatformSpec
from kiban_platform.templates import AreaServices


@dataclass
class SecurityAreaArgs:
    spec: PlatformSpec
    area: Area
    network: NetworkPlan
    flows: FlowPlan
    hosts: Sequence[PlannedHost]  # the hosts of this area
    services: AreaServices
    backend: Backend
    zones: Zones  # the HardwarePool's zones
    access: VendorAccess  # the vendors' access, from ``Backend.vendor_access``
    database_password: pulumi.Input[str] | None = None


class SecurityArea(pulumi.ComponentResource):
    network: AreaNetwork  # the area's network as made
    groups: tuple[DeployedGroup, ...]  # its middleware and business tiers as made

    def __init__(self, name: str, args: SecurityAreaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kiban:network:SecurityArea", name, None, opts)
        area, network, flows = args.area, args.network, args.flows
        segments = network.in_area(area.id)
        platform_segment = next((s for s in segments if s.name == PLATFORM_SEGMENT), None)
        hosts_per_subnet = Counter(host.subnet.name for host in args.hosts)
        self.network = args.backend.security_area(
            self, area, platform_segment, hosts_per_subnet, args.services.time_name, args.zones
        )
        child = pulumi.ResourceOptions(parent=self)
        groups: list[DeployedGroup] = []

        described = middleware_deployments(
            args.spec, area.id, network, flows, args.hosts, args.services, args.database_password
        )
        for role, service, deployment in described:
            component = MiddlewareTier(
                deployment.name,
                MiddlewareTierArgs(role, service, deployment, args.backend, self.network, args.zones),
                child,
            )
            groups.append(component.deployed)

        for business in args.spec.businesses:
            if business.area != area.id:
                continue
            tiers = business_deployments(business, network, flows, args.hosts, args.services)
            tenant = BusinessTenant(
                business.id,
                BusinessTenantArgs(
                    business=business,
                    segment=network.segment(area.id, business.id),
                    tiers=tiers,
                    dns_servers=args.services.time_name,
                    backend=args.backend,
                    network=self.network,
                    zones=args.zones,
                    access=args.access,
                ),
                child,
            )
            groups.extend(tenant.groups)
        self.groups = tuple(groups)

        self.register_outputs(
            {
                "area": area.id,
                "level": area.level.value,
                "cidr": str(area.supernet),
                "vlans": [segment.vlan for segment in segments],
                **self.network.outputs,
            }
        )
