"""The network plan: a VLAN and an address block per (area, segment), a subnet per tier or role.

Pure and deterministic: it reads a checked spec and computes, so the Pulumi
program, the audit and the lab all see the same numbers.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from kiban_platform.spec.model import MiddlewareRole, PlatformSpec, TierName
from kiban_platform.spec.numbering import (
    PLATFORM_SLOT,
    ROLE_INDEX,
    TIER_INDEX,
    host_address,
    role_prefix,
    segment_cidr,
    service_address,
    sub_block,
    vlan_for_slot,
)

PLATFORM_SEGMENT = "platform"


@dataclass(frozen=True)
class Subnet:
    """Addresses of one business tier or one middleware role inside a segment."""

    name: str  # e.g. "juki-app", "platform-integration_hub"
    cidr: ipaddress.IPv4Network
    tier: TierName | None = None
    role: MiddlewareRole | None = None

    @property
    def gateway(self) -> ipaddress.IPv4Address:
        return self.cidr.network_address + 1

    def host(self, index: int) -> ipaddress.IPv4Address:
        return host_address(self.cidr, index)

    @property
    def service_address(self) -> ipaddress.IPv4Address:
        return service_address(self.cidr)


@dataclass(frozen=True)
class Segment:
    """One VLAN of one area: the platform's own segment or one business's."""

    area: str
    name: str  # PLATFORM_SEGMENT or the business id
    slot: int
    vlan: int
    cidr: ipaddress.IPv4Network
    subnets: tuple[Subnet, ...]

    @property
    def business(self) -> str | None:
        return None if self.name == PLATFORM_SEGMENT else self.name


@dataclass(frozen=True)
class NetworkPlan:
    segments: tuple[Segment, ...]

    def segment(self, area: str, name: str) -> Segment:
        for segment in self.segments:
            if segment.area == area and segment.name == name:
                return segment
        raise KeyError((area, name))

    def tier_subnet(self, business: str, tier: TierName) -> Subnet:
        for segment in self.segments:
            if segment.name == business:
                for subnet in segment.subnets:
                    if subnet.tier == tier:
                        return subnet
        raise KeyError((business, tier))

    def role_subnet(self, area: str, role: MiddlewareRole) -> Subnet:
        for subnet in self.segment(area, PLATFORM_SEGMENT).subnets:
            if subnet.role == role:
                return subnet
        raise KeyError((area, role))

    def in_area(self, area: str) -> tuple[Segment, ...]:
        return tuple(segment for segment in self.segments if segment.area == area)


def plan_network(spec: PlatformSpec) -> NetworkPlan:
    """Lay out every segment; a checked spec guarantees that each one fits its area."""
    segments: list[Segment] = []
    for area in spec.areas:
        roles = [role for role, service in spec.platform_services() if area.id in service.areas]
        if roles:
            cidr = segment_cidr(area, PLATFORM_SLOT)
            subnets = tuple(
                Subnet(
                    f"{PLATFORM_SEGMENT}-{role.value}", sub_block(cidr, role_prefix(area), ROLE_INDEX[role]), role=role
                )
                for role in roles
            )
            segments.append(
                Segment(area.id, PLATFORM_SEGMENT, PLATFORM_SLOT, vlan_for_slot(area, PLATFORM_SLOT), cidr, subnets)
            )
        businesses = sorted((b for b in spec.businesses if b.area == area.id), key=lambda b: b.network_slot)
        for business in businesses:
            cidr = segment_cidr(area, business.network_slot)
            subnets = tuple(
                Subnet(f"{business.id}-{name.value}", sub_block(cidr, area.tier_prefix, TIER_INDEX[name]), tier=name)
                for name, _ in business.tiers.items()
            )
            segments.append(
                Segment(
                    area.id,
                    business.id,
                    business.network_slot,
                    vlan_for_slot(area, business.network_slot),
                    cidr,
                    subnets,
                )
            )
    return NetworkPlan(tuple(segments))
