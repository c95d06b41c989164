"""Pure planning of the AWS target: zones, per-zone subnets, instance types, network ACLs, peerings.

No Pulumi import: the backend and the tests both call these, and every refusal here is a
TargetError that names the setting or the spec entry to fix before anything is declared.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kiban_platform.backends import TargetError, target_error
from kiban_platform.backends.aws.settings import (
    GOVERNMENT_CLOUD_REGIONS,
    HDD_MINIMUM_GB,
    HDD_VOLUME_TYPES,
    AwsSettings,
)
from kiban_platform.network.flows import FlowPlan, GroupKind, Rule, plan_flows
from kiban_platform.network.plan import NetworkPlan, plan_network
from kiban_platform.network.sites import PlannedLink
from kiban_platform.spec.checks import replicated_shapes
from kiban_platform.spec.model import Area, AreaLevel, FailureDomains, MiddlewareRole, PlatformSpec, Port, Protocol
from kiban_platform.spec.numbering import (
    PLATFORM_SLOT,
    ROLE_SUBNET_BITS,
    role_prefix,
    segment_cidr,
    sub_block,
    usable_hosts,
    zone_bits,
    zone_block,
)
from kiban_platform.spec.problems import FieldPath, Problem
from kiban_platform.spec.sites import AVAILABILITY_ZONES, Encryption, Target, Transport, region_of_zone

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


def _region_problem(settings: AwsSettings) -> str | None:
    if settings.region in settings.allowed_regions:
        return None
    allowed = ", ".join(settings.allowed_regions)
    return (
        f"kiban:aws.region {settings.region!r} is not an allowed region ({allowed}): the Government Cloud "
        "keeps a city's data in Tokyo (ap-northeast-1) and Osaka (ap-northeast-3); to deploy elsewhere "
        "anyway, add the region to kiban:aws.allowedRegions"
    )


def check_region(settings: AwsSettings) -> None:
    problem = _region_problem(settings)
    if problem is not None:
        raise TargetError(problem)


def _zone_problem(zone: str, chassis_id: str, settings: AwsSettings) -> str | None:
    region = region_of_zone(zone)
    if region is None:
        return f"{zone!r} is not an availability-zone name (a region code and a letter, e.g. {settings.region}a)"
    if region not in settings.allowed_regions:
        allowed = ", ".join(settings.allowed_regions)
        return (
            f"zone {zone!r} is in region {region}, not an allowed region ({allowed}): the Government Cloud keeps "
            "a city's data in Tokyo and Osaka"
        )
    if region != settings.region:
        return (
            f"chassis {chassis_id}: zone {zone!r} is not in region {settings.region}: every chassis of a platform "
            "is in one region (kiban:aws.region), so that peerings, volumes and load balancers can join them"
        )
    known = AVAILABILITY_ZONES.get(region)
    if known is not None and zone not in known:
        return f"{zone!r} is not an availability zone of {region} (it has {', '.join(known)})"
    return None


def zone_problems(failure_domains: FailureDomains, settings: AwsSettings) -> tuple[dict[str, str], list[Problem]]:
    """Chassis id -> availability zone, and what is wrong with them: one distinct real zone per chassis.

    A zone from the spec's ``cloud_zone`` is located there; one from ``kiban:aws.zones`` names that key.
    """
    zones: dict[str, str] = {}
    problems: list[Problem] = []
    first_of: dict[str, str] = {}
    for index, chassis in enumerate(failure_domains.chassis):
        path: FieldPath = ("failure_domains", "chassis", index, "cloud_zone")
        from_settings = chassis.id in settings.zones
        zone = settings.zones.get(chassis.id) or chassis.cloud_zone
        if zone is None:
            problems.append(
                Problem(
                    path,
                    f"chassis {chassis.id} has no availability zone: set its cloud_zone in the spec "
                    f"or kiban:aws.zones.{chassis.id} in the stack (e.g. {settings.region}a)",
                )
            )
            continue
        located: FieldPath = () if from_settings else path
        prefix = f"kiban:aws.zones.{chassis.id}: " if from_settings else ""
        problem = _zone_problem(zone, chassis.id, settings)
        if problem is not None:
            problems.append(Problem(located, prefix + problem))
            continue
        if zone in first_of:
            # Replicas spread by chassis; two chassis in one zone would put two replicas in one zone.
            problems.append(
                Problem(
                    located,
                    f"{prefix}two chassis map to the same availability zone {zone} ({first_of[zone]} and "
                    f"{chassis.id}): give each its own",
                )
            )
            continue
        first_of[zone] = chassis.id
        zones[chassis.id] = zone
    unknown = sorted(set(settings.zones) - {chassis.id for chassis in failure_domains.chassis})
    if unknown:
        problems.append(Problem((), f"kiban:aws.zones names chassis the spec does not have: {', '.join(unknown)}"))
    return zones, problems


def zones_of(failure_domains: FailureDomains, settings: AwsSettings) -> dict[str, str]:
    """Chassis id -> availability zone, in the spec's chassis order; one distinct zone per chassis, in one region."""
    zones, problems = zone_problems(failure_domains, settings)
    if problems:
        raise target_error(problems)
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
    spec: PlatformSpec, settings: AwsSettings, network: NetworkPlan | None = None, flows: FlowPlan | None = None
) -> None:
    """Everything the AWS target refuses, found before any resource is declared (``spec_problems``)."""
    problems = spec_problems(spec, settings, network, flows)
    if problems:
        raise target_error(problems)


def validation_settings(spec: PlatformSpec) -> AwsSettings:
    """The settings ``kiban validate --target aws`` checks with: defaults, in the region of the first chassis zone.

    A stack names its region; a spec alone says it only through its chassis' ``cloud_zone``. Zones of
    any other region are then reported against that one (all chassis of a platform are in one region).
    """
    for chassis in spec.failure_domains.chassis:
        region = region_of_zone(chassis.cloud_zone or "")
        if region in GOVERNMENT_CLOUD_REGIONS:
            return AwsSettings(region=region)
    return AwsSettings()


def validation_problems(spec: PlatformSpec) -> list[Problem]:
    """``kiban validate --target aws``: what the AWS target would refuse of this spec with default settings."""
    return spec_problems(spec, validation_settings(spec))


def spec_problems(
    spec: PlatformSpec, settings: AwsSettings, network: NetworkPlan | None = None, flows: FlowPlan | None = None
) -> list[Problem]:
    """Everything the AWS target refuses of a valid spec, located at the field to change.

    The one implementation behind the backend's render-time ``check`` and ``kiban validate --target aws``:
    the region, one real availability zone per chassis, every subnet's zone blocks within AWS's
    subnet sizes, room for each zone's replicas, VPC sizes, an instance type for every VM size, and
    no peering between a high and an internet area.
    """
    network = network or plan_network(spec)
    flows = flows or plan_flows(spec, network)
    problems: list[Problem] = []
    region = _region_problem(settings)
    if region is not None:
        problems.append(Problem((), region))
    problems += zone_problems(spec.failure_domains, settings)[1]
    chassis_count = len(spec.failure_domains.chassis)
    bits = zone_bits(chassis_count)
    index_of = {area.id: index for index, area in enumerate(spec.areas)}
    too_small: set[tuple[str, str]] = set()
    for segment in network.segments:
        for subnet in segment.subnets:
            prefix = subnet.cidr.prefixlen + bits
            field = "segment_prefix" if subnet.role is not None else "tier_prefix"
            if prefix > AWS_MAX_PREFIX and (segment.area, field) not in too_small:
                too_small.add((segment.area, field))
                problems.append(
                    Problem(
                        ("areas", index_of[segment.area], field),
                        f"subnet {subnet.name} ({subnet.cidr}) cut into {2**bits} zone blocks (one per chassis) "
                        f"gives /{prefix}; AWS subnets are /{AWS_MAX_PREFIX} at the smallest: widen the "
                        f"{'platform segment' if subnet.role is not None else 'tier subnets'} of area {segment.area} "
                        f"by {prefix - AWS_MAX_PREFIX} bit(s)",
                    )
                )
    for index, area in enumerate(spec.areas):
        if area.supernet.prefixlen < AWS_MIN_PREFIX or area.supernet.prefixlen > AWS_MAX_PREFIX:
            problems.append(
                Problem(
                    ("areas", index, "supernet"),
                    f"a VPC CIDR is /{AWS_MIN_PREFIX} to /{AWS_MAX_PREFIX}, not {area.supernet} (area {area.id})",
                )
            )
    for path, shape, replicas, _, _ in replicated_shapes(spec):
        prefixes = _subnet_prefixes(spec, path)
        for area_id, subnet_prefix in prefixes:
            zonal = subnet_prefix + bits
            if (area_id, "segment_prefix" if path[0] == "middleware" else "tier_prefix") in too_small:
                continue
            # Replica i sits in zone i mod n as the (i div n)-th host of that zone's block.
            if (replicas - 1) // chassis_count >= usable_hosts(zonal) - 1:
                problems.append(
                    Problem(
                        (*path, "replicas"),
                        f"{replicas} replicas over {chassis_count} zones do not fit a zone's /{zonal} block of "
                        f"the subnet in area {area_id}",
                    )
                )
        try:
            instance_type(shape.vcpu, shape.ram_gb, settings.instance_types)
        except TargetError as error:
            biggest = SIZES[-1][0]
            field = "vcpu" if settings.instance_types is None and shape.vcpu > biggest else "ram_gb"
            located = path if settings.instance_types is not None else (*path, field)
            problems.append(Problem(located, str(error)))
    try:
        peer_pairs(spec.areas, flows)
    except TargetError as error:
        problems.append(Problem(("flows",), str(error)))
    return problems


def _subnet_prefixes(spec: PlatformSpec, path: FieldPath) -> list[tuple[str, int]]:
    """(area, subnet prefix) of each subnet a business tier or middleware service (given by its path) lives in."""
    if path[0] == "businesses":
        business = spec.businesses[int(path[1])]
        return [(business.area, spec.area(business.area).tier_prefix)]
    service = spec.middleware.get(MiddlewareRole(str(path[1])))
    areas = {area.id: area for area in spec.areas}
    return [(area_id, role_prefix(areas[area_id])) for area_id in service.areas] if service else []


def volume_size(volume_type: str, size_gb: int) -> int:
    """The data volume's size: the spec's, raised to the EBS minimum of HDD volumes (st1, sc1: 125 GB).

    Rounding up keeps the cheap tier the spec asked for; refusing would force SSD on small capacity disks.
    """
    return max(size_gb, HDD_MINIMUM_GB) if volume_type in HDD_VOLUME_TYPES else size_gb


def peer_pairs(areas: Iterable[Area], flows: FlowPlan) -> set[tuple[str, str]]:
    """(area, area) pairs, sorted, whose VPCs a declared flow between hosts must join by peering.

    Refuses any pair of a high area and an internet area: no path may join them, whatever the spec says.
    """
    levels = {area.id: area.level for area in areas}
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


# Network ACL rule numbers kiban uses; AWS accepts 1 to 32766 and evaluates them in order, but every
# kiban entry is an allow with the implicit deny last, so the order of allows does not matter.
ACL_NUMBER_SPACE = 32000


@dataclass(frozen=True, order=True)
class AclEntry:
    """One network ACL allow rule."""

    egress: bool
    cidr: str
    protocol: str  # "6" or "17"
    first: int
    last: int
    number: int = 0  # its rule number, derived from what it is (``number_entries``)

    @property
    def identity(self) -> str:
        """What the entry is, never where it sits: its resource name and its rule number derive from it."""
        span = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        protocol = {"6": "tcp", "17": "udp"}.get(self.protocol, self.protocol)
        return f"{'out' if self.egress else 'in'}-{protocol}{span}-{self.cidr.replace('/', '-')}"


def _collapse(entries: Iterable[tuple[bool, ipaddress.IPv4Network, Port]]) -> list[AclEntry]:
    by_port: dict[tuple[bool, Protocol, int, int], list[ipaddress.IPv4Network]] = {}
    for egress, cidr, port in entries:
        by_port.setdefault((egress, port.protocol, port.first, port.last), []).append(cidr)
    return sorted(
        AclEntry(egress, str(cidr), PROTOCOL_NUMBERS[protocol], first, last)
        for (egress, protocol, first, last), cidrs in by_port.items()
        for cidr in ipaddress.collapse_addresses(cidrs)
    )


def _preferred_number(entry: AclEntry) -> int:
    digest = hashlib.sha256(entry.identity.encode("ascii")).digest()
    return 1 + int.from_bytes(digest[:4], "big") % ACL_NUMBER_SPACE


def number_entries(entries: Sequence[AclEntry]) -> list[AclEntry]:
    """Give each entry a rule number from its identity, so a new entry never renumbers another.

    A rule number is part of a network ACL rule's identity for AWS (changing it replaces the rule),
    so numbering by position would renumber every later rule when one is added. Two entries whose
    hashes collide in one direction are settled in identity order (the later one takes the next free
    number); with at most 40 entries per direction in a space of 32,000 this is rare, and the
    collision only ever moves the entry that caused it when that entry sorts last.
    """
    taken: dict[bool, set[int]] = {False: set(), True: set()}
    numbered = []
    for entry in sorted(entries, key=lambda e: (_preferred_number(e), e.identity)):
        number = _preferred_number(entry)
        while number in taken[entry.egress]:
            number = number % ACL_NUMBER_SPACE + 1
        taken[entry.egress].add(number)
        numbered.append(dataclasses.replace(entry, number=number))
    return sorted(numbered)


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
    nodes check and reach targets in the other zones' blocks).

    The network ACL is the area boundary; the security group is the exact plan. Sources and
    destinations inside the group's own area are therefore always the area's supernet, and only
    the ends in other areas or outside (declared flows) are exact. This keeps a group's ACL the same
    when a business comes or goes in its area (adding one would otherwise add or merge entries in
    every middleware group's ACL), and keeps it well under the account's per-direction quota.
    """
    replies = {Protocol.TCP: EPHEMERAL, Protocol.UDP: EPHEMERAL_UDP}
    wanted: list[tuple[bool, ipaddress.IPv4Network, Port]] = []

    def coarse(cidr: ipaddress.IPv4Network, owner: str) -> ipaddress.IPv4Network:
        return area.supernet if owner == area.id and cidr.subnet_of(area.supernet) else cidr

    for rule in ingress:
        source = coarse(rule.source.cidr, rule.source.area)
        wanted.append((False, source, rule.port))
        wanted.append((True, source, replies[rule.port.protocol]))
    for rule in egress:
        destination = coarse(rule.destination.cidr, rule.destination.area)
        wanted.append((True, destination, rule.port))
        wanted.append((False, destination, replies[rule.port.protocol]))
    for port in balanced:
        for egress_flag in (False, True):
            wanted.append((egress_flag, coarse(group_cidr, area.id), port))
            wanted.append((egress_flag, coarse(group_cidr, area.id), replies[port.protocol]))
    for _, cidr, _ in wanted:
        if cidr.prefixlen == 0:
            # The plan never allows "anywhere"; refuse to build an ACL if it ever did.
            raise TargetError(f"a network ACL rule of {group_cidr} would open {cidr}")
    entries = _collapse(wanted)
    if _over(entries, limit):
        raise TargetError(
            f"the network ACL of {group_cidr} needs more than {limit} rules per direction "
            "(kiban:aws.naclRuleLimit, at most 40 with a quota increase)"
        )
    return number_entries(entries)


def _over(entries: Sequence[AclEntry], limit: int) -> bool:
    return max(sum(1 for e in entries if e.egress), sum(1 for e in entries if not e.egress)) > limit


def link_problems(links: Sequence[PlannedLink], settings: AwsSettings, spec: PlatformSpec | None = None) -> list[str]:
    """What the AWS end of each link cannot build, naming the link and the field to change.

    ``spec``: the site's view, when known (the program's and ``kiban validate``'s checks), for what
    the link's area must have at this site.
    """
    problems: list[str] = []
    for planned in links:
        link, site, peer = planned.link, planned.site, planned.peer
        where = f"link {link.id!r}"
        if spec is not None:
            problems += _attachment_problems(planned, settings, spec)
        if site.region is not None and site.region != settings.region:
            problems.append(
                f"{where}: site {site.id!r} is in {site.region} but the stack deploys to {settings.region} "
                "(kiban:aws.region): its Transit Gateway must be where its VPCs are"
            )
        if peer.target == Target.AWS:
            problems.append(
                f"{where}: both ends are aws sites; kiban joins an aws site only to a site outside AWS "
                "(a Transit Gateway peering is not implemented)"
            )
        # One area per side: an AWS VPN tunnel carries one pair of traffic selectors (one CIDR each
        # way), and a Transit Gateway attachment is associated with one route table, its area's.
        for side, prefixes in (("here", planned.local_prefixes), (f"at {peer.id!r}", planned.peer_prefixes)):
            if len(prefixes) != 1:
                areas = ", ".join(area for area, _ in prefixes) or "none"
                problems.append(
                    f"{where}: carries {len(prefixes)} area blocks {side} ({areas}); the AWS end needs exactly "
                    "one area per side: a VPN tunnel holds one traffic selector each way and an attachment "
                    "sits in one area's route table, so areas never share one. Split it into one link per area"
                )
        if link.encryption == Encryption.IPSEC and peer.target != Target.AWS:
            if peer.id not in link.addresses:
                problems.append(f"{where}: addresses.{peer.id} is missing: the customer gateway's address")
            if peer.asn is None:
                problems.append(f"{where}: site {peer.id!r} has no asn: the customer gateway needs one")
        if link.transport == Transport.DIRECT_CONNECT and link.direct_connect is None:
            problems.append(f"{where}: a direct_connect link needs its dx connections")
    return problems


def _attachment_problems(planned: PlannedLink, settings: AwsSettings, spec: PlatformSpec) -> list[str]:
    """A Transit Gateway attachment needs a subnet per zone: the area's first platform subnet, or its spare
    last slot, which a high area's VPC endpoints take (``links._attachment_subnets``)."""
    if len(planned.local_prefixes) != 1 or not settings.high_area_endpoints:
        return []
    area_id = planned.local_prefixes[0][0]
    levels = {area.id: area.level for area in spec.areas}
    has_platform = any(area_id in service.areas for _, service in spec.platform_services())
    if levels.get(area_id) != AreaLevel.HIGH or has_platform:
        return []
    return [
        f"link {planned.link.id!r}: area {area_id} at site {planned.site.id!r} has no middleware: its spare slot holds "
        "its VPC endpoints (kiban:aws.highAreaEndpoints), so there is no subnet for its Transit Gateway attachment; "
        "run a middleware role of the area at the site"
    ]


def check_links(links: Sequence[PlannedLink], settings: AwsSettings, spec: PlatformSpec | None = None) -> None:
    problems = link_problems(links, settings, spec)
    if problems:
        raise TargetError("; ".join(problems))
