"""The numbering plan every area follows; its constants are shared by the spec checks and the plans.

A segment is one VLAN and one block of the area's supernet. Slot 0 is the
platform's own segment (the middleware of that area); slot N (N >= 1) is the
business whose ``network_slot`` is N. Because a slot is a property of the
business alone, adding, removing or reordering other businesses never moves
its VLAN or its subnets.
"""

from __future__ import annotations

import ipaddress
from typing import Final

from kiban_platform.spec.model import Area, MiddlewareRole, TierName

PLATFORM_SLOT: Final = 0

# A business segment is cut into four tier subnets, always in this order, so that a tier
# added later lands where it was always going to be.
TIER_INDEX: Final = {TierName.WEB: 0, TierName.APP: 1, TierName.DB: 2, TierName.BATCH: 3}
TIER_SUBNET_BITS: Final = 2

# The platform segment is cut into eight role subnets: the six middleware roles, then the bastion
# (appended in 2026 in what was a spare block, so no existing role subnet moved), one spare.
ROLE_INDEX: Final = {role: index for index, role in enumerate(MiddlewareRole)}
ROLE_SUBNET_BITS: Final = 3

# Addresses a subnet cannot give to hosts on every target: AWS keeps the first four and the
# last one; OpenStack keeps the network, gateway and broadcast and takes DHCP ports.
RESERVED_LOW: Final = 4
RESERVED_HIGH: Final = 1


def usable_hosts(prefix: int) -> int:
    size: int = 2 ** (32 - prefix)
    return size - RESERVED_LOW - RESERVED_HIGH


def segment_count(area: Area) -> int:
    return 2 ** (area.segment_prefix - area.supernet.prefixlen) if area.segment_prefix >= area.supernet.prefixlen else 0


def role_prefix(area: Area) -> int:
    return area.segment_prefix + ROLE_SUBNET_BITS


def vlan_for_slot(area: Area, slot: int) -> int:
    return area.vlans.first + slot


def segment_cidr(area: Area, slot: int) -> ipaddress.IPv4Network:
    size = 2 ** (32 - area.segment_prefix)
    return ipaddress.IPv4Network((int(area.supernet.network_address) + slot * size, area.segment_prefix))


def sub_block(segment: ipaddress.IPv4Network, prefix: int, index: int) -> ipaddress.IPv4Network:
    size = 2 ** (32 - prefix)
    return ipaddress.IPv4Network((int(segment.network_address) + index * size, prefix))


def host_address(subnet: ipaddress.IPv4Network, index: int) -> ipaddress.IPv4Address:
    """The index-th host address of a subnet, after the addresses no target lets a host use."""
    return subnet.network_address + RESERVED_LOW + index


def service_address(subnet: ipaddress.IPv4Network) -> ipaddress.IPv4Address:
    """The address a load balancer's virtual IP takes: the last usable one, far from the hosts."""
    return subnet.broadcast_address - RESERVED_HIGH


def zone_bits(zones: int) -> int:
    """How many prefix bits split a subnet into one block per availability zone (0 for a single zone)."""
    return max(zones - 1, 0).bit_length()


def zone_block(subnet: ipaddress.IPv4Network, zone: int, zones: int) -> ipaddress.IPv4Network:
    """The block of ``subnet`` that zone ``zone`` of ``zones`` gets where a subnet lives in one zone (AWS).

    The subnet is cut into 2**zone_bits equal blocks; zone k < zones-1 takes block k and the
    last zone takes the last block, so the service address (near the top of the subnet) is
    always inside the last zone's block and a single zone gets the whole subnet.
    """
    if not 0 <= zone < zones:
        raise ValueError(f"zone {zone} is not one of {zones} zones")
    bits = zone_bits(zones)
    index = zone if zone < zones - 1 else 2**bits - 1
    return sub_block(subnet, subnet.prefixlen + bits, index)
