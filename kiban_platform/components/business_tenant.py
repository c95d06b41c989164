"""BusinessTenant: one business system (業務) on the platform: its tenancy, its segment and its tiers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from kiban_platform.backends import Backend, HostGroupDeployment
from kiban_platform.network.plan import Segment
from kiban_platform.spec.model import Business


@dataclass
class BusinessTenantArgs:
    business: Business
    segment: Segment
    tiers: Sequence[HostGroupDeployment]
    dns_servers: Sequence[str]
    backend: Backend


class BusinessTenant(pulumi.ComponentResource):
    def __init__(self, name: str, args: BusinessTenantArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kiban:tenancy:BusinessTenant", name, None, opts)
        business = args.business
        outputs = args.backend.business_tenant(self, business, args.segment, args.tiers, args.dns_servers)
        self.register_outputs(
            {
                "business": business.id,
                "vendor": business.vendor,
                "area": business.area,
                "hosts": [host.name for tier in args.tiers for host in tier.hosts],
                **outputs,
            }
        )
