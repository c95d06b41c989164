"""Pure planning of the AWS target: zones, per-zone subnets, instance types, network ACLs, peerings.

No Pulumi import: the backend and the tests both call these, and every refusal here is a
TargetError that names the setting or the spec entry to fix before anything is declared.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from backends import TargetError
from backends.aws.settings import HDD_MINIMUM_GB, HDD_VOLUME_TYPES, AwsSettings
from network.flows import FlowPlan, GroupKind, Rule
from network.numbering import (
    PLATFORM_SLOT,
    ROLE_SUBNET_BITS,
    role_prefix,
    segment_cidr,
    sub_block,
    usable_hosts,
    zone_bits,
    zone_block,
)
from network.plan import NetworkPlan
from spec.instances import VirtualMachine
from spec.model import Area, AreaLevel, PlatformSpec, Port, Protocol

# The smallest and largest subnet AWS accepts.
AWS_MIN_PREFIX = 16
AWS_MAX_PREFIX = 28
# Replies of a stateless network ACL go back to the client's ephemeral port.
EPHEMERAL = Port(first=1024, last=65535, protocol=Protocol.TCP)
EPHEMERAL_UDP = Port(first=1024, last=65535, protocol=Protocol.UDP)
# Network ACL protocol numbers.
PROTOCOL_NUMBERS = {Protocol.TCP: "6", Protocol.UDP: "17"}
# The platform segment has eight role slots and six roles: the last slot holds a high area's endpoints.
ENDPOINT_SLOT = 2**ROLE_SUBNET_BITS - 1
# Instance families by GiB of memory per vCPU, and the sizes every 7th-generation Intel family has.
FAMILIES = ((2, "c7i"), (4, "m7i"), (8, "r7i"))
SIZES = (
    (2, "large"),
    (4, "xlarge"),
    (8, "2xlarge"),
    (16, "4xlarge"),
    (32, "8xlarge"),
    (48, "12xlarge"),
    (64, "16xlarge"),
    (96, "24xlarge"),
    (192, "48xlarge"),
)


def check_region(settings: AwsSettings) -> None:
    if settings.region not in settings.allowed_regions:
        allowed = ", ".join(settings.allowed_regions)
        raise TargetError(
            f"kiban:aws.region {settings.region!r} is not an allowed region ({allowed}): the Government Cloud "
            "keeps a city's data in Tokyo (ap-northeast-1) and Osaka (ap-northeast-3); to deploy elsewhere "
            "anyway, add the region to kiban:aws.allowedRegions"
        )


def zones_of(spec: PlatformSpec, settings: AwsSettings) -> dict[str, str]:
    """Chassis id -> availability zone; one distinct zone per chassis, all in the stack's region."""
    zones: dict[str, str] = {}
    for chassis in spec.failure_domains.chassis:
        zone = settings.zones.get(chassis.id) or chassis.cloud_zone
        if zone is None:
            raise TargetError(
                f"chassis {chassis.id} has no availability zone: set its cloud_zone in the spec "
                f"or kiban:aws.zones.{chassis.id} (e.g. {settings.region}a)"
            )
        if not zone.startswith(settings.region) or len(zone) <= len(settings.region):
            raise TargetError(f"chassis {chassis.id}: zone {zone!r} is not in region {settings.region}")
        zones[chassis.id] = zone
    unknown = sorted(set(settings.zones) - set(zones))
    if unknown:
        raise TargetError(f"kiban:aws.zones names chassis the spec does not have: {', '.join(unknown)}")
    shared = sorted({zone for zone in zones.values() if list(zones.values()).count(zone) > 1})
    if shared:
        # Replicas spread by chassis; two chassis in one zone would put two replicas in one zone.
        raise TargetError(f"two chassis map to the same availability zone {', '.join(shared)}: give each its own")
    return zones


def zonal_subnets(
    subnet: ipaddress.IPv4Network, chassis_ids: Sequence[str]
) -> tuple[tuple[str, ipaddress.IPv4Network], ...]:
    """(chassis id, block) for each failure domain, as ``network.numbering.zone_block`` cuts the subnet."""
    return tuple((chassis, zone_block(subnet, index, len(chassis_ids))) for index, chassis in enumerate(chassis_ids))


def endpoint_subnet(area: Area) -> ipaddress.IPv4Network:
    """The spare last role slot of the area's platform segment: where its interface VPC endpoints live."""
    return sub_block(segment_cidr(area, PLATFORM_SLOT), role_prefix(area), ENDPOINT_SLOT)


def instance_type(vcpu: int, ram_gb: int, overrides: Mapping[str, str] | None) -> str:
    key = f"{vcpu}x{ram_gb}"
    if overrides is not None:
        if key not in overrides:
            raise TargetError(f"kiban:aws.instanceTypes has no instance type for size {key} (vCPU x RAM GB)")
        return overrides[key]
    # The leanest family whose memory per vCPU suffices, then its smallest size; r7i grows for more memory.
    for ratio, family in FAMILIES:
        if ram_gb <= vcpu * ratio or family == FAMILIES[-1][1]:
            for size_vcpu, size in SIZES:
                if size_vcpu >= vcpu and size_vcpu * ratio >= ram_gb:
                    return f"{family}.{size}"
    raise TargetError(f"no c7i/m7i/r7i instance type fits {key}; map it in kiban:aws.instanceTypes")


def check_spec(
    spec: PlatformSpec, network: NetworkPlan, flows: FlowPlan, vms: Iterable[VirtualMachine], settings: AwsSettings
) -> None:
    """Everything the AWS target refuses, found before any resource is declared."""
    check_region(settings)
    chassis = zones_of(spec, settings)
    bits = zone_bits(len(chassis))
    for segment in network.segments:
        for subnet in segment.subnets:
            prefix = subnet.cidr.prefixlen + bits
            if prefix > AWS_MAX_PREFIX:
                raise TargetError(
                    f"subnet {subnet.name} ({subnet.cidr}) cut into {2**bits} zone blocks gives /{prefix}; "
                    f"AWS subnets are /{AWS_MAX_PREFIX} at the smallest: widen the subnets of area {segment.area}"
                )
    for area in spec.areas:
        if area.supernet.prefixlen < AWS_MIN_PREFIX or area.supernet.prefixlen > AWS_MAX_PREFIX:
            raise TargetError(
                f"area {area.id}: a VPC CIDR is /{AWS_MIN_PREFIX} to /{AWS_MAX_PREFIX}, not {area.supernet}"
            )
    for vm in vms:
        zones = len(chassis)
        per_zone = vm.replica // zones
        subnet_prefix = area_tier_prefix(spec, vm) + bits
        if per_zone >= usable_hosts(subnet_prefix) - 1:
            raise TargetError(f"{vm.name}: its zone's block of the subnet (/{subnet_prefix}) has no address left")
        instance_type(vm.vcpu, vm.ram_gb, settings.instance_types)
    peer_pairs(spec, flows)


def volume_size(volume_type: str, size_gb: int) -> int:
    """The data volume's size: the spec's, raised to the EBS minimum of HDD volumes (st1, sc1: 125 GB).

    Rounding up keeps the cheap tier the spec asked for; refusing would force SSD on small capacity disks.
    """
    return max(size_gb, HDD_MINIMUM_GB) if volume_type in HDD_VOLUME_TYPES else size_gb


def area_tier_prefix(spec: PlatformSpec, vm: VirtualMachine) -> int:
    area = spec.area(vm.area)
    return area.tier_prefix if vm.business is not None else role_prefix(area)


def peer_pairs(spec: PlatformSpec, flows: FlowPlan) -> set[tuple[str, str]]:
    """(area, area) pairs, sorted, whose VPCs a declared flow between hosts must join by peering.

    Refuses any pair of a high area and an internet area: no path may join them, whatever the spec says.
    """
    levels = {area.id: area.level for area in spec.areas}
    pairs: set[tuple[str, str]] = set()
    for rule in flows.rules:
        if not needs_peering(rule):
            continue
        first, second = sorted((rule.source.area, rule.destination.area))
        if {levels[first], levels[second]} == {AreaLevel.HIGH, AreaLevel.INTERNET}:
            raise TargetError(
                f"rule {rule.source.id} -> {rule.destination.id} {rule.port} would join the high area to an "
                "internet-facing VPC; the AWS target makes no peering, transit gateway or route between them"
            )
        pairs.add((first, second))
    return pairs


def needs_peering(rule: Rule) -> bool:
    """Hosts in two areas: their VPCs need a peering. An external network is reached by the city's own route."""
    kinds = (rule.source.kind, rule.destination.kind)
    return rule.source.area != rule.destination.area and GroupKind.EXTERNAL not in kinds


@dataclass(frozen=True, order=True)
class AclEntry:
    """One network ACL allow rule."""

    egress: bool
    cidr: str
    protocol: str  # "6" or "17"
    first: int
    last: int


def _collapse(entries: Iterable[tuple[bool, ipaddress.IPv4Network, Port]]) -> list[AclEntry]:
    by_port: dict[tuple[bool, Protocol, int, int], list[ipaddress.IPv4Network]] = {}
    for egress, cidr, port in entries:
        by_port.setdefault((egress, port.protocol, port.first, port.last), []).append(cidr)
    return sorted(
        AclEntry(egress, str(cidr), PROTOCOL_NUMBERS[protocol], first, last)
        for (egress, protocol, first, last), cidrs in by_port.items()
        for cidr in ipaddress.collapse_addresses(cidrs)
    )


def acl_entries(
    group_cidr: ipaddress.IPv4Network,
    area: Area,
    ingress: Sequence[Rule],
    egress: Sequence[Rule],
    balanced: Sequence[Port],
    limit: int,
) -> list[AclEntry]:
    """The allow rules of a host group's network ACL; everything else hits the ACL's implicit deny.

    Network ACLs are stateless, so each planned connection needs its reply too: an ingress rule
    on the port has an egress rule back to the client's ephemeral ports, and the other way round.
    A load-balanced group also lets its own blocks talk on the balanced ports (the load balancer's
    nodes check and reach targets in the other zones' blocks). When a direction needs more rules
    than the account's quota, sources inside the group's own area widen to the area's supernet:
    the network ACL is the coarse layer, the security group stays exact, and the area boundary
    stays exact in both.
    """
    replies = {Protocol.TCP: EPHEMERAL, Protocol.UDP: EPHEMERAL_UDP}
    wanted: list[tuple[bool, ipaddress.IPv4Network, Port, str]] = []
    for rule in ingress:
        wanted.append((False, rule.source.cidr, rule.port, rule.source.area))
        wanted.append((True, rule.source.cidr, replies[rule.port.protocol], rule.source.area))
    for rule in egress:
        wanted.append((True, rule.destination.cidr, rule.port, rule.destination.area))
        wanted.append((False, rule.destination.cidr, replies[rule.port.protocol], rule.destination.area))
    for port in balanced:
        for egress_flag in (False, True):
            wanted.append((egress_flag, group_cidr, port, area.id))
            wanted.append((egress_flag, group_cidr, replies[port.protocol], area.id))
    for _, cidr, _, _ in wanted:
        if cidr.prefixlen == 0:
            # The plan never allows "anywhere"; refuse to build an ACL if it ever did.
            raise TargetError(f"a network ACL rule of {group_cidr} would open {cidr}")
    entries = _collapse((egress_flag, cidr, port) for egress_flag, cidr, port, _ in wanted)
    if _over(entries, limit):
        widened = [
            (egress_flag, area.supernet if owner == area.id and cidr.subnet_of(area.supernet) else cidr, port)
            for egress_flag, cidr, port, owner in wanted
        ]
        entries = _collapse(widened)
    if _over(entries, limit):
        raise TargetError(
            f"the network ACL of {group_cidr} needs more than {limit} rules per direction "
            "(kiban:aws.naclRuleLimit, at most 40 with a quota increase)"
        )
    return entries


def _over(entries: Sequence[AclEntry], limit: int) -> bool:
    return max(sum(1 for e in entries if e.egress), sum(1 for e in entries if not e.egress)) > limit
