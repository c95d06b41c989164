"""BusinessTenant: one business system (業務) on the platform: its tenancy, its segment and its tiers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from kiban_platform.backends import Backend, HostGroupDeployment
from kiban_platform.backends.handles import AreaNetwork, DeployedGroup, VendorAccess, Zones
from kiban_platform.network.plan import Segment
from kiban_platform.spec.model import Business


@dataclass
class BusinessTenantArgs:
    business: Business
    segment: Segment
    tiers: Sequence[HostGroupDeployment]
    dns_servers: Sequence[str]
    backend: Backend
    network: AreaNetwork  # its area's network (the SecurityArea's ``network``)
    zones: Zones  # the HardwarePool's zones
    access: VendorAccess  # the vendors' access, from ``Backend.vendor_access``


class BusinessTenant(pulumi.ComponentResource):
    groups: tuple[DeployedGroup, ...]  # its tiers as made: what links to other areas attach to

    def __init__(self, name: str, args: BusinessTenantArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kiban:tenancy:BusinessTenant", name, None, opts)
        business = args.business
        deployed = args.backend.business_tenant(
            self, business, args.segment, args.tiers, args.dns_servers, args.network, args.zones, args.access
        )
        self.groups = deployed.groups
        self.register_outputs(
            {
                "business": business.id,
                "vendor": business.vendor,
                "area": business.area,
                "hosts": [host.name for tier in args.tiers for host in tier.hosts],
                **deployed.outputs,
            }
        )
