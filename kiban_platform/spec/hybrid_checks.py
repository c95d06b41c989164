"""Whole-spec rules of the hybrid city: sites, links, public services, and privacy-graded flows.

Called from ``spec.checks.check_spec`` after the single-site rules. Without ``sites`` a spec is
one implicit site: the only rules are that the fields which need sites are absent, and that a
flow's declared data class fits its areas. Each problem is located at the field to change.

Sources (docs/SPEC.md, "Sites and links"): the three-layer separation (三層の対策) held across
every link; Government Cloud data in Tokyo and Osaka only; Direct Connect is not encrypted by
itself; AWS's limits on VPN tunnels, BGP numbers and Direct Connect VLANs (as AWS's Landing Zone
Accelerator checks them); 番号法第19条 and 個人情報保護法 for what may reach a public cloud.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Iterator

from kiban_platform.spec.hybrid import (
    business_site,
    endpoint_ceiling,
    endpoint_site,
    endpoint_site_candidates,
    is_public_cloud,
    link_subnet_roles,
    links_carrying,
    openstack_end,
    runs_at,
    service_sites,
    site_block,
    sites_carrying,
)
from kiban_platform.spec.model import AreaLevel, Endpoint, Flow, MiddlewareRole, PlatformSpec, TierName
from kiban_platform.spec.numbering import PLATFORM_SLOT, segment_count
from kiban_platform.spec.overlaps import first_overlaps
from kiban_platform.spec.privacy import DataClass
from kiban_platform.spec.problems import FieldPath, Problem, duplicate_problems, known_ids
from kiban_platform.spec.sites import Carrier, Encryption, Link, Site, SiteKind, Target, Transport

THREE_LAYERS = "three-layer separation (三層の対策)"

# Government Cloud keeps municipal data in Japan: AWS Tokyo and Osaka (ガバメントクラウド利用基準).
GOVERNMENT_CLOUD_REGIONS = ("ap-northeast-1", "ap-northeast-3")
AWS_REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
# Which target kiban implements for each kind of site: on-prem is OpenStack; Government Cloud is
# offered on several clouds, and AWS is the one kiban builds.
SITE_KIND_TARGETS: dict[SiteKind, tuple[Target, ...]] = {
    SiteKind.ON_PREM: (Target.OPENSTACK,),
    SiteKind.GOVERNMENT_CLOUD: (Target.AWS,),
    SiteKind.PUBLIC_CLOUD: (Target.AWS, Target.OPENSTACK),
}

# A Transit Gateway CIDR block (for a private-IP VPN's outside addresses) is a /24 or wider (EC2 API).
OUTSIDE_CIDR_LONGEST = 24
TUNNELS_PER_VPN = 2  # an AWS Site-to-Site VPN connection always has exactly two tunnels
TUNNEL_RANGE = ipaddress.IPv4Network("169.254.0.0/16")
TUNNEL_PREFIX = 30
# /30s AWS refuses as tunnel inside addresses (EC2 API, VpnTunnelOptionsSpecification.TunnelInsideCidr).
AWS_RESERVED_TUNNEL_CIDRS = tuple(
    ipaddress.IPv4Network(cidr)
    for cidr in (
        "169.254.0.0/30",
        "169.254.1.0/30",
        "169.254.2.0/30",
        "169.254.3.0/30",
        "169.254.4.0/30",
        "169.254.5.0/30",
        "169.254.169.252/30",
    )
)
# Amazon-side ASNs (Transit Gateway, Direct Connect gateway): the private ranges only.
AMAZON_SIDE_ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))
# Numbers no BGP speaker of the city may take: AS_TRANS (RFC 6793), documentation (RFC 5398),
# the last 16-bit one (RFC 7300), and the ones AWS reserves for customer gateways (7224; 9059 in
# eu-west-1; 10124 in ap-northeast-1, the Tokyo region of Government Cloud).
RESERVED_ASNS: tuple[tuple[int, int, str], ...] = (
    (23456, 23456, "AS_TRANS (RFC 6793)"),
    (64496, 64511, "documentation (RFC 5398)"),
    (65535, 65535, "reserved (RFC 7300)"),
    (65536, 65551, "documentation (RFC 5398)"),
    (7224, 7224, "reserved by AWS for customer gateways"),
    (9059, 9059, "reserved by AWS for customer gateways (eu-west-1)"),
    (10124, 10124, "reserved by AWS for customer gateways (ap-northeast-1)"),
)


def _at(parent: FieldPath, index: int) -> FieldPath:
    return (*parent, index)


def _known(ids: Iterable[str]) -> str:
    return known_ids(ids)


def hybrid_problems(spec: PlatformSpec) -> list[Problem]:
    """Every problem of the hybrid fields, in the order of the sections of the spec."""
    if not spec.sites:
        return [*_fields_needing_sites(spec), *_check_flow_data(spec)]
    duplicates = list(_check_unique_ids(spec))
    if duplicates:
        # Every other rule finds a site, link or service by its id: with two of one id each answer could be
        # the wrong one, and thousands of lines would follow from one typo. The duplicates are the cause.
        return duplicates
    return [
        *_check_sites(spec),
        *_check_site_addresses(spec),
        *_check_business_sites(spec),
        *_check_middleware_sites(spec),
        *_check_public_services(spec),
        *_check_links(spec),
        *_check_asns(spec),
        *_check_flow_sites(spec),
        *_check_flow_data(spec),
        *_check_integrations_across_sites(spec),
    ]


def flow_problems(spec: PlatformSpec) -> list[Problem]:
    """The site and data rules of every flow of ``spec`` (at ``flows[i]``): for flows kiban plans itself
    (``spec.operations_checks``), held to exactly the rules a declared flow is held to."""
    return [*_check_flow_sites(spec), *_check_flow_data(spec)]


def _fields_needing_sites(spec: PlatformSpec) -> Iterator[Problem]:
    why = "needs `sites`: without them the spec is one implicit site"
    if spec.links:
        yield Problem(("links",), f"links join sites; the spec {why}")
    if spec.public_services:
        yield Problem(("public_services",), f"a public service sits at a public-cloud site; the spec {why}")
    if spec.operations is not None:
        yield Problem(
            ("operations",),
            f"operations places each manager at a site; the spec {why}, whose planes are its middleware",
        )
    for index, business in enumerate(spec.businesses):
        if business.site is not None:
            yield Problem(("businesses", index, "site"), f"the spec {why}")
    for role, service in spec.middleware.items():
        if service.sites is not None:
            yield Problem(("middleware", role.value, "sites"), f"the spec {why}")
    for index, flow in enumerate(spec.flows):
        for end, endpoint in (("from", flow.source), ("to", flow.destination)):
            if endpoint.site is not None:
                yield Problem(("flows", index, end, "site"), f"the spec {why}")


def _check_unique_ids(spec: PlatformSpec) -> Iterator[Problem]:
    yield from duplicate_problems(spec.sites, lambda s: s.id, lambda i: ("sites", i, "id"), "site id")
    yield from duplicate_problems(spec.links, lambda link: link.id, lambda i: ("links", i, "id"), "link id")
    yield from duplicate_problems(
        spec.public_services, lambda s: s.id, lambda i: ("public_services", i, "id"), "public service id"
    )


def _check_sites(spec: PlatformSpec) -> Iterator[Problem]:
    area_ids = [area.id for area in spec.areas]
    levels = {area.id: area.level for area in spec.areas}
    for index, site in enumerate(spec.sites):
        path: FieldPath = ("sites", index)
        allowed = SITE_KIND_TARGETS[site.kind]
        if site.target not in allowed:
            yield Problem(
                (*path, "target"),
                f"a {site.kind.value} site is built on {' or '.join(t.value for t in allowed)}, "
                f"not {site.target.value}",
            )
        yield from _check_region(site, path)
        for area_id in site.areas:
            if area_id not in levels:
                yield Problem((*path, "areas", area_id), f"unknown area {area_id!r}; known: {_known(area_ids)}")
            elif levels[area_id] == AreaLevel.HIGH and site.kind == SiteKind.PUBLIC_CLOUD:
                yield Problem(
                    (*path, "areas", area_id),
                    f"the high area {area_id!r} may not be carried by a public-cloud site: 特定個人情報 stays at "
                    f"on-prem and Government Cloud sites ({THREE_LAYERS})",
                )
            elif levels[area_id] == AreaLevel.PUBLIC and site.kind != SiteKind.PUBLIC_CLOUD:
                yield Problem(
                    (*path, "areas", area_id),
                    f"area {area_id!r} is of level public, a public cloud's own network; a {site.kind.value} site "
                    "carries the city's three layers",
                )
        if site.kind == SiteKind.PUBLIC_CLOUD:
            ceiling = site.effective_ceiling
            if ceiling == DataClass.MY_NUMBER:
                yield Problem(
                    (*path, "ceiling"),
                    "特定個人情報 never reaches a public cloud: 番号法第19条 lists the only provisions allowed; "
                    "use special_care at most",
                )
            elif ceiling > DataClass.ANONYMIZED and site.handling is None:
                yield Problem(
                    (*path, "handling"),
                    f"a public-cloud site holding {ceiling.value} data must say how the provider stands towards it: "
                    "handling: cloud_exception (the provider does not handle it, PPC Q&A 7-53) or entrustment (委託)",
                )


def _check_region(site: Site, path: FieldPath) -> Iterator[Problem]:
    if site.target == Target.AWS:
        if site.region is None:
            yield Problem((*path, "region"), "an aws site needs its region, e.g. ap-northeast-1")
            return
        if not AWS_REGION_PATTERN.match(site.region):
            yield Problem((*path, "region"), f"{site.region!r} is not an AWS region name such as ap-northeast-1")
            return
    if site.kind == SiteKind.GOVERNMENT_CLOUD and site.region not in GOVERNMENT_CLOUD_REGIONS:
        yield Problem(
            (*path, "region"),
            f"Government Cloud keeps municipal data in Japan: region {' or '.join(GOVERNMENT_CLOUD_REGIONS)} "
            f"(Tokyo, Osaka), not {site.region}",
        )


def _check_site_addresses(spec: PlatformSpec) -> Iterator[Problem]:
    """Each site's block lies in its area's supernet, no two blocks overlap, and each holds its segments."""
    areas = {area.id: area for area in spec.areas}
    blocks: list[tuple[FieldPath, str, str, ipaddress.IPv4Network]] = []
    for index, site in enumerate(spec.sites):
        for area_id, block in site.areas.items():
            path: FieldPath = ("sites", index, "areas", area_id)
            area = areas.get(area_id)
            if area is None:
                continue  # reported in _check_sites
            blocks.append((path, site.id, area_id, block))
            if not block.subnet_of(area.supernet):
                yield Problem(
                    path,
                    f"{block} is outside area {area_id!r}'s supernet {area.supernet}: each site takes its block of "
                    "the area's supernet, so an address tells its area at every site",
                )
            elif segment_count(area.model_copy(update={"supernet": block})) <= PLATFORM_SLOT:
                yield Problem(path, f"{block} is smaller than one /{area.segment_prefix} segment of area {area_id!r}")
    for later, earlier in sorted(first_overlaps([block for *_, block in blocks]).items()):
        path, site_id, _, block = blocks[later]
        _, first_site, first_area, first = blocks[earlier]
        yield Problem(path, f"{block} at site {site_id!r} overlaps {first} of area {first_area!r} at {first_site!r}")


def _check_business_sites(spec: PlatformSpec) -> Iterator[Problem]:
    site_ids = [site.id for site in spec.sites]
    areas = {area.id: area for area in spec.areas}
    for index, business in enumerate(spec.businesses):
        path: FieldPath = ("businesses", index)
        site_id = business_site(spec, business)
        assert site_id is not None  # the spec has sites
        if business.site is not None and business.site not in site_ids:
            yield Problem((*path, "site"), f"unknown site {business.site!r}; known: {_known(site_ids)}")
            continue
        area = areas.get(business.area)
        if area is None:
            continue  # reported at the business's area
        if area.level == AreaLevel.PUBLIC:
            yield Problem(
                (*path, "area"),
                f"area {area.id!r} is a public cloud's network; a service there is a public_service, not a business",
            )
            continue
        block = site_block(spec, site_id, business.area)
        if block is None:
            where = "" if business.site is not None else f" (the default: the first site {site_id!r})"
            yield Problem(
                (*path, "site"),
                f"site {site_id!r}{where} does not carry area {business.area!r}; sites carrying it: "
                f"{_known(sites_carrying(spec, business.area))}",
            )
            continue
        segments = segment_count(area.model_copy(update={"supernet": block}))
        if business.network_slot >= segments > 0:
            yield Problem(
                (*path, "network_slot"),
                f"slot {business.network_slot} does not fit site {site_id!r}'s block {block} of area {area.id!r}: "
                f"it holds {segments} /{area.segment_prefix} segments (slots 0-{segments - 1})",
            )
        needs = [
            (business.tiers.batch is not None, MiddlewareRole.JOB_MANAGEMENT, (*path, "tiers", "batch"), "batch jobs"),
            (business.tiers.web is not None, MiddlewareRole.LOAD_BALANCER, (*path, "tiers", "web"), "a web tier"),
            (
                bool(business.integrations.publishes or business.integrations.consumes),
                MiddlewareRole.INTEGRATION_HUB,
                (*path, "integrations"),
                "data integration",
            ),
        ]
        for needed, role, where_path, what in needs:
            if needed and spec.middleware.in_area(role, business.area) and not runs_at(spec, role, area.id, site_id):
                yield Problem(
                    where_path,
                    f"needs the platform's {role.value} in area {area.id!r} at site {site_id!r} for {what}, "
                    "and none runs there (see its `sites`)",
                )


def _check_middleware_sites(spec: PlatformSpec) -> Iterator[Problem]:
    site_ids = [site.id for site in spec.sites]
    levels = {area.id: area.level for area in spec.areas}
    for role, service in spec.middleware.items():
        path: FieldPath = ("middleware", role.value)
        for index, site_id in enumerate(service.sites or []):
            if site_id not in site_ids:
                yield Problem((*path, "sites", index), f"unknown site {site_id!r}; known: {_known(site_ids)}")
            elif not any(area_id in spec.site(site_id).areas for area_id in service.areas):
                yield Problem(
                    (*path, "sites", index),
                    f"site {site_id!r} carries none of its areas ({_known(service.areas)})",
                )
        for index, area_id in enumerate(service.areas):
            if area_id not in levels:
                continue  # reported by the single-site rules
            if levels[area_id] == AreaLevel.PUBLIC:
                yield Problem(
                    (*path, "areas", index), f"area {area_id!r} is a public cloud's network, not the city's platform"
                )
            elif not service_sites(spec, service, area_id):
                yield Problem(
                    (*path, "areas", index), f"area {area_id!r} is carried by none of its sites: it would run nowhere"
                )


def _check_public_services(spec: PlatformSpec) -> Iterator[Problem]:
    site_ids = [site.id for site in spec.sites]
    for index, service in enumerate(spec.public_services):
        path: FieldPath = ("public_services", index)
        if service.site not in site_ids:
            yield Problem((*path, "site"), f"unknown site {service.site!r}; known: {_known(site_ids)}")
            continue
        site = spec.site(service.site)
        if site.kind != SiteKind.PUBLIC_CLOUD:
            yield Problem(
                (*path, "site"),
                f"site {site.id!r} is {site.kind.value}; a public service sits at a public_cloud site "
                "(the city's own services are businesses)",
            )
        if service.area is None and len(site.areas) != 1:
            yield Problem(
                (*path, "area"), f"site {site.id!r} carries several areas ({_known(site.areas)}): name the area"
            )
            continue
        area_id = spec.public_service_area(service)
        block = site.areas.get(area_id)
        if block is None:
            yield Problem(
                (*path, "area"), f"site {site.id!r} does not carry area {area_id!r} (it carries {_known(site.areas)})"
            )
        elif service.cidr is not None and not service.cidr.subnet_of(block):
            yield Problem((*path, "cidr"), f"{service.cidr} is outside site {site.id!r}'s block {block} of {area_id!r}")


def _check_links(spec: PlatformSpec) -> Iterator[Problem]:
    site_ids = [site.id for site in spec.sites]
    tunnels: list[tuple[FieldPath, str, ipaddress.IPv4Network]] = []
    circuits: dict[tuple[str, int], str] = {}
    for index, link in enumerate(spec.links):
        path: FieldPath = ("links", index)
        wrong_ends = list(_check_link_sites(link, path, site_ids))
        yield from wrong_ends
        if wrong_ends:
            continue  # nothing else of a link can be judged without its two sites
        yield from _check_link_areas(spec, link, path)
        yield from _check_link_transport(link.carrier, link.transport, link.encryption, path)
        yield from _check_direct_connect(spec, link, path, circuits)
        yield from _check_tunnels(spec, link, path, tunnels)
        yield from _check_link_addresses(spec, link, path)
    for later_index, earlier_index in sorted(first_overlaps([block for *_, block in tunnels]).items()):
        (later_path, _, later), (_, earlier_link, earlier) = tunnels[later_index], tunnels[earlier_index]
        yield Problem(later_path, f"{later} overlaps tunnel {earlier} of link {earlier_link!r}")


def _check_link_sites(link: Link, path: FieldPath, site_ids: list[str]) -> Iterator[Problem]:
    """Its two sites known and different."""
    unknown = [site for site in link.between if site not in site_ids]
    for position, site_id in enumerate(link.between):
        if site_id in unknown:
            yield Problem((*path, "between", position), f"unknown site {site_id!r}; known: {_known(site_ids)}")
    first, second = link.between
    if not unknown and first == second:
        yield Problem((*path, "between"), f"a link joins two different sites, not {first!r} to itself")


def _check_link_areas(spec: PlatformSpec, link: Link, path: FieldPath) -> Iterator[Problem]:
    """Each area listed once and carried by one of its sites; the initiator one of its sites."""
    first, second = link.between
    yield from duplicate_problems(link.areas, lambda area: area, functools.partial(_at, (*path, "areas")), "area")
    for position, area_id in enumerate(link.areas):
        if not any(area_id in spec.site(site).areas for site in link.between):
            yield Problem((*path, "areas", position), f"neither {first!r} nor {second!r} carries area {area_id!r}")
    if link.initiated_by is not None and link.initiated_by not in link.between:
        yield Problem(
            (*path, "initiated_by"), f"{link.initiated_by!r} is not one of the link's sites ({first}, {second})"
        )


def _check_direct_connect(
    spec: PlatformSpec, link: Link, path: FieldPath, circuits: dict[tuple[str, int], str]
) -> Iterator[Problem]:
    """One AWS end, its circuits (connection and VLAN) not serving another link, BGP numbers at both ends."""
    if link.transport != Transport.DIRECT_CONNECT:
        if link.direct_connect is not None:
            yield Problem((*path, "dx"), "dx goes with transport direct_connect")
        return
    aws_ends = [site for site in link.between if spec.site(site).target == Target.AWS]
    if len(aws_ends) != 1:
        yield Problem(
            (*path, "transport"),
            f"Direct Connect joins one aws site to a site outside AWS; this link has {len(aws_ends)} aws ends",
        )
    if link.direct_connect is None:
        yield Problem((*path, "dx"), "a direct_connect link needs dx: {connections: [...], gateway_asn: ...}")
    else:
        for c_index, connection in enumerate(link.direct_connect.connections):
            key = (connection.id, connection.vlan)
            if key in circuits:
                yield Problem(
                    (*path, "dx", "connections", c_index, "vlan"),
                    f"VLAN {connection.vlan} on {connection.id} is already the VIF of link {circuits[key]!r}",
                )
            circuits[key] = link.id
    for position, site_id in enumerate(link.between):
        if spec.site(site_id).asn is None:
            yield Problem((*path, "between", position), f"Direct Connect routes by BGP: site {site_id!r} needs its asn")
    if link.direct_connect is not None:
        yield from _check_outside_cidr(spec, link, (*path, "dx", "outside_cidr"))


def _check_outside_cidr(spec: PlatformSpec, link: Link, path: FieldPath) -> Iterator[Problem]:
    """IPsec over Direct Connect needs the Transit Gateway block its tunnels' outside addresses come from:
    the only prefix the Direct Connect gateway advertises, so nothing reaches an area around the tunnels."""
    assert link.direct_connect is not None
    block = link.direct_connect.outside_cidr
    if link.encryption != Encryption.IPSEC:
        if block is not None:
            yield Problem(path, "outside_cidr goes with encryption ipsec (the private-IP VPN's outside addresses)")
        return
    if block is None:
        yield Problem(
            path[:-1],
            "IPsec over Direct Connect needs outside_cidr: the Transit Gateway block (/24 or wider, outside every "
            "area) its private-IP VPN's outside addresses come from, the only prefix the Direct Connect advertises",
        )
        return
    if block.prefixlen > OUTSIDE_CIDR_LONGEST:
        yield Problem(path, f"{block}: a Transit Gateway CIDR block is a /{OUTSIDE_CIDR_LONGEST} or wider")
    if block.overlaps(TUNNEL_RANGE):
        yield Problem(path, f"{block} overlaps {TUNNEL_RANGE}, which AWS keeps for tunnel inside addresses")
    inside = [area.id for area in spec.areas if block.overlaps(area.supernet)]
    if inside:
        yield Problem(path, f"{block} overlaps area {inside[0]!r}: the tunnels' outside addresses are never in an area")


def _check_tunnels(
    spec: PlatformSpec, link: Link, path: FieldPath, tunnels: list[tuple[FieldPath, str, ipaddress.IPv4Network]]
) -> Iterator[Problem]:
    """Two tunnels per AWS VPN connection, one connection per platform subnet the link reaches at its
    OpenStack end, each tunnel a /30 in the link-local range AWS does not reserve; the good ones are
    added to ``tunnels`` for the overlap check across links."""
    if link.encryption == Encryption.IPSEC:
        if all(tunnel.subnet is None for tunnel in link.tunnels) and len(link.tunnels) != TUNNELS_PER_VPN:
            yield Problem(
                (*path, "tunnels"),
                f"an IPsec link has exactly {TUNNELS_PER_VPN} tunnels (an AWS VPN connection's fixed pair), "
                f"each with its inside /30; it has {len(link.tunnels)}",
            )
    elif link.tunnels:
        yield Problem((*path, "tunnels"), f"tunnels go with encryption ipsec, not {link.encryption.value}")
    for t_index, tunnel in enumerate(link.tunnels):
        tunnel_path: FieldPath = (*path, "tunnels", t_index, "inside_cidr")
        cidr = tunnel.inside_cidr
        if cidr.prefixlen != TUNNEL_PREFIX or not cidr.subnet_of(TUNNEL_RANGE):
            yield Problem(tunnel_path, f"{cidr}: a tunnel's inside addresses are a /30 inside {TUNNEL_RANGE}")
            continue
        if cidr in AWS_RESERVED_TUNNEL_CIDRS:
            yield Problem(tunnel_path, f"{cidr} is reserved by AWS for its own use; pick another /30")
        tunnels.append((tunnel_path, link.id, cidr))


def link_tunnel_problems(spec: PlatformSpec) -> list[Problem]:
    """The tunnels of every IPsec link against the platform subnets its flows reach at its OpenStack end.

    Run on a spec that passed every other check, with the operations planes' flows in it (they reach
    subnets too: a relay's manager), so each flow's ends resolve."""
    return [
        problem
        for index, link in enumerate(spec.links)
        if link.encryption == Encryption.IPSEC
        for problem in _check_tunnel_subnets(spec, link, ("links", index))
    ]


def _check_tunnel_subnets(spec: PlatformSpec, link: Link, path: FieldPath) -> Iterator[Problem]:
    """A link whose flows reach one platform subnet at its OpenStack end (or none) has one pair of tunnels;
    one reaching several names, on every tunnel, the subnet it reaches: two tunnels per subnet."""
    roles = [role.value for role in link_subnet_roles(spec, link)]
    openstack_site = openstack_end(spec, link)
    named = [None if tunnel.subnet is None else tunnel.subnet.value for tunnel in link.tunnels]
    if all(subnet is None for subnet in named):
        if len(link.tunnels) == TUNNELS_PER_VPN and len(roles) > 1:
            yield Problem(
                (*path, "tunnels"),
                f"the link's flows reach {len(roles)} platform subnets at {openstack_site!r} ({', '.join(roles)}); "
                "Neutron offers one security association per local subnet and an AWS tunnel holds one, so each "
                f"subnet has its own {TUNNELS_PER_VPN} tunnels: give every tunnel `subnet: <role>`, "
                f"{TUNNELS_PER_VPN} per subnet ({TUNNELS_PER_VPN * len(roles)} tunnels)",
            )
        return
    if openstack_site is None:
        yield Problem(
            (*path, "tunnels"),
            "`subnet` names a platform subnet at the link's OpenStack end, and this link has none",
        )
        return
    for t_index, subnet in enumerate(named):
        subnet_path: FieldPath = (*path, "tunnels", t_index, "subnet")
        if subnet is None:
            yield Problem(subnet_path, "missing: once one tunnel of a link names its subnet, every tunnel does")
        elif subnet not in roles:
            yield Problem(
                subnet_path,
                f"no flow of the link reaches {subnet!r} at {openstack_site!r} (its flows reach {_known(roles)})",
            )
    for role in roles:
        count = named.count(role)
        if count != TUNNELS_PER_VPN:
            yield Problem(
                (*path, "tunnels"),
                f"subnet {role!r} at {openstack_site!r} has {count} tunnel(s); each subnet the link reaches has "
                f"exactly {TUNNELS_PER_VPN} (an AWS VPN connection's fixed pair)",
            )


def _check_link_addresses(spec: PlatformSpec, link: Link, path: FieldPath) -> Iterator[Problem]:
    """Each address belongs to one of the link's ends, outside every area; an OpenStack IPsec end has one."""
    for site_id, address in link.addresses.items():
        if site_id not in link.between:
            yield Problem(
                (*path, "addresses", site_id),
                f"{site_id!r} is not one of the link's sites ({', '.join(link.between)})",
            )
            continue
        inside = [area.id for area in spec.areas if address in area.supernet]
        if inside:
            yield Problem(
                (*path, "addresses", site_id),
                f"{address} is inside area {inside[0]!r}: a tunnel's outside address is on the line, "
                "never in an area the tunnels carry",
            )
    if link.encryption != Encryption.IPSEC:
        return
    for site_id in link.between:
        if spec.site(site_id).target == Target.OPENSTACK and site_id not in link.addresses:
            yield Problem(
                (*path, "addresses"),
                f"the IPsec tunnels end at {site_id!r} (openstack) on an outside address the other end dials: "
                f"add addresses: {{{site_id}: <address>}} (private over Direct Connect, public over the internet)",
            )


def _check_link_transport(
    carrier: Carrier, transport: Transport, encryption: Encryption, path: FieldPath
) -> Iterator[Problem]:
    if carrier == Carrier.INTERNET and transport != Transport.IPSEC_VPN:
        yield Problem((*path, "transport"), "over the internet a link is an IPsec VPN (ipsec_vpn)")
    if transport == Transport.IPSEC_VPN and encryption != Encryption.IPSEC:
        yield Problem((*path, "encryption"), f"an IPsec VPN is encrypted by IPsec, not {encryption.value}")
    if encryption == Encryption.MACSEC and transport != Transport.DIRECT_CONNECT:
        yield Problem((*path, "encryption"), "MACsec runs on a dedicated Direct Connect connection only")


def _asn_problem(asn: int, amazon_side: bool) -> str | None:
    if amazon_side:
        if not any(low <= asn <= high for low, high in AMAZON_SIDE_ASN_RANGES):
            return f"{asn} is not a private ASN AWS accepts on its side: use 64512-65534 or 4200000000-4294967294"
        return None
    for low, high, why in RESERVED_ASNS:
        if low <= asn <= high:
            return f"{asn} is {why}; pick another ASN (a private one: 64512-65534 or 4200000000-4294967294)"
    return None


def _check_asns(spec: PlatformSpec) -> Iterator[Problem]:
    """Each BGP speaker has its own number in its range: sites (router or Transit Gateway) and DX gateways."""
    speakers: list[tuple[FieldPath, int, str]] = []
    for index, site in enumerate(spec.sites):
        if site.asn is not None:
            path: FieldPath = ("sites", index, "asn")
            problem = _asn_problem(site.asn, amazon_side=site.target == Target.AWS)
            if problem is not None:
                yield Problem(path, problem)
            speakers.append((path, site.asn, f"site {site.id!r}"))
    for index, link in enumerate(spec.links):
        if link.direct_connect is not None:
            path = ("links", index, "dx", "gateway_asn")
            problem = _asn_problem(link.direct_connect.gateway_asn, amazon_side=True)
            if problem is not None:
                yield Problem(path, problem)
            speakers.append((path, link.direct_connect.gateway_asn, f"the Direct Connect gateway of {link.id!r}"))
    first_seen: dict[int, str] = {}
    for path, asn, owner in speakers:
        if asn in first_seen:
            yield Problem(path, f"ASN {asn} is already {first_seen[asn]}'s: every BGP speaker needs its own number")
        else:
            first_seen[asn] = owner


def _check_endpoint_site(spec: PlatformSpec, endpoint: Endpoint, path: FieldPath) -> Iterator[Problem]:
    if endpoint.business is not None or endpoint.public_service is not None:
        return  # their site is the business's or the service's
    assert endpoint.area is not None
    site_ids = [site.id for site in spec.sites]
    if endpoint.site is not None:
        if endpoint.site not in site_ids:
            yield Problem((*path, "site"), f"unknown site {endpoint.site!r}; known: {_known(site_ids)}")
        elif endpoint.area not in spec.site(endpoint.site).areas:
            yield Problem((*path, "site"), f"site {endpoint.site!r} does not carry area {endpoint.area!r}")
        elif endpoint.middleware is not None and not runs_at(spec, endpoint.middleware, endpoint.area, endpoint.site):
            yield Problem(
                (*path, "site"),
                f"no {endpoint.middleware.value} in area {endpoint.area!r} at site {endpoint.site!r}",
            )
        return
    candidates = endpoint_site_candidates(spec, endpoint)
    if len(candidates) > 1:
        yield Problem(
            (*path, "site"),
            f"area {endpoint.area!r} is at several sites ({_known(candidates)}): name the site of this end",
        )


def _resolved_ends(spec: PlatformSpec, flow: Flow) -> tuple[str, str, str, str] | None:
    """The site and area of each end, or None when an end is unknown or ambiguous (reported elsewhere)."""
    try:
        source_area, destination_area = spec.endpoint_area(flow.source), spec.endpoint_area(flow.destination)
        source_site, destination_site = endpoint_site(spec, flow.source), endpoint_site(spec, flow.destination)
    except KeyError:
        return None
    if source_site is None or destination_site is None:
        return None
    if source_site not in {s.id for s in spec.sites} or destination_site not in {s.id for s in spec.sites}:
        return None
    known_areas = {area.id for area in spec.areas}
    if source_area not in known_areas or destination_area not in known_areas:
        return None
    return source_site, source_area, destination_site, destination_area


def _check_flow_sites(spec: PlatformSpec) -> Iterator[Problem]:
    """Each end is at one site; a flow between sites has a link carrying both areas, strong enough for its data."""
    weak_links: dict[tuple[int, str], list[str]] = {}
    for index, flow in enumerate(spec.flows):
        path: FieldPath = ("flows", index)
        end_problems = [
            *_check_endpoint_site(spec, flow.source, (*path, "from")),
            *_check_endpoint_site(spec, flow.destination, (*path, "to")),
        ]
        yield from end_problems
        if flow.data is None:
            yield Problem((*path, "data"), "in a spec with sites every flow names the class of data it carries")
        ends = None if end_problems else _resolved_ends(spec, flow)
        if ends is None:
            continue
        source_site, source_area, destination_site, destination_area = ends
        if source_site == destination_site:
            continue
        carrying = links_carrying(spec, source_site, destination_site, {source_area, destination_area})
        if not carrying:
            yield Problem(
                path,
                f"no link between {source_site!r} and {destination_site!r} carries both area {source_area!r} and "
                f"area {destination_area!r}; add them to a link's areas, or add a link",
            )
            continue
        if flow.data == DataClass.MY_NUMBER:
            for link_index, link in carrying:
                if link.carrier == Carrier.INTERNET:
                    weak_links.setdefault((link_index, "carrier"), []).append(flow.id)
                if link.encryption == Encryption.NONE:
                    weak_links.setdefault((link_index, "encryption"), []).append(flow.id)
    for (link_index, field), flow_ids in sorted(weak_links.items()):
        what = "runs over the internet" if field == "carrier" else "is not encrypted"
        yield Problem(
            ("links", link_index, field),
            f"link {spec.links[link_index].id!r} {what} and carries 特定個人情報 (my_number) of flow(s) "
            f"{', '.join(flow_ids)}: my_number crosses only closed, encrypted links (ipsec or macsec)",
        )


def _check_flow_data(spec: PlatformSpec) -> Iterator[Problem]:
    """A flow's data fits both ends' ceilings; what reaches a public cloud is limited, one-way and named."""
    levels = {area.id: area.level for area in spec.areas}
    for index, flow in enumerate(spec.flows):
        path: FieldPath = ("flows", index)
        try:
            source_area, destination_area = spec.endpoint_area(flow.source), spec.endpoint_area(flow.destination)
        except KeyError:
            continue  # an unknown business or service: reported at the endpoint
        if source_area not in levels or destination_area not in levels:
            continue
        data = flow.data
        if data is not None:
            for end, endpoint in (("from", flow.source), ("to", flow.destination)):
                ceiling = endpoint_ceiling(spec, endpoint)
                if ceiling is not None and data > ceiling:
                    yield Problem(
                        (*path, "data"),
                        f"{data.value} data exceeds the ceiling of its '{end}' end {endpoint.label()} "
                        f"({ceiling.value}; see the area's and the site's ceiling)",
                    )
        if not spec.sites:
            continue
        source_site, destination_site = endpoint_site(spec, flow.source), endpoint_site(spec, flow.destination)
        from_public = is_public_cloud(spec, source_site) or levels[source_area] == AreaLevel.PUBLIC
        to_public = is_public_cloud(spec, destination_site) or levels[destination_area] == AreaLevel.PUBLIC
        if not (from_public or to_public) or (from_public and to_public):
            continue
        public_area, city_area = (source_area, destination_area) if from_public else (destination_area, source_area)
        if levels[city_area] == AreaLevel.HIGH:
            yield Problem(
                path,
                f"a flow between the high area {city_area!r} and the public cloud's {public_area!r} is forbidden "
                f"by the {THREE_LAYERS}",
            )
            continue
        if data == DataClass.PSEUDONYMIZED:
            yield Problem(
                (*path, "data"),
                "仮名加工情報 (pseudonymized) is for the city's own analysis and never leaves its own sites",
            )
        if to_public and data is not None and data > DataClass.ANONYMIZED:
            yield Problem(
                (*path, "data"),
                f"the city pushes nothing above anonymized to a public cloud; this flow carries {data.value}",
            )
        if from_public:
            yield from _check_public_ingress(spec, flow, path, levels[city_area], city_area)
        needs_file = data is not None and data >= DataClass.PERSONAL
        if flow.basis is not None and needs_file and flow.personal_file is None:
            yield Problem(
                (*path, "personal_file"),
                f"{data.value if data else ''} data reaching a public cloud names its 個人情報ファイル",
            )


def _check_public_ingress(
    spec: PlatformSpec, flow: Flow, path: FieldPath, city_level: AreaLevel, city_area: str
) -> Iterator[Problem]:
    """A public cloud only calls in, one way, to the integration hub or an API gateway of the internet area."""
    if not flow.one_way:
        yield Problem((*path, "one_way"), "a public cloud only calls into the city: the flow must be one-way")
    destination = flow.destination
    to_hub = destination.middleware == MiddlewareRole.INTEGRATION_HUB
    to_gateway = (
        destination.business is not None
        and destination.tier == TierName.WEB
        and spec.business(destination.business).api_gateway
    )
    if not (to_hub or to_gateway):
        yield Problem(
            (*path, "to"),
            "a public cloud calls only into the integration hub, or the web tier of a business with api_gateway: true",
        )
    elif city_level != AreaLevel.INTERNET:
        yield Problem(
            (*path, "to"),
            f"a public cloud calls into the internet area only; {city_area!r} is {city_level.value} ({THREE_LAYERS})",
        )
    if flow.basis is None:
        yield Problem(
            (*path, "basis"),
            "a flow from a public cloud names its legal basis: law, consent, entrustment or cloud_exception",
        )


def _check_integrations_across_sites(spec: PlatformSpec) -> Iterator[Problem]:
    """A data set consumed at another site travels hub to hub, by a declared flow between the two sites' hubs."""
    publishers: dict[str, tuple[str, str, str]] = {}
    for business in spec.businesses:
        site_id = business_site(spec, business)
        assert site_id is not None
        for dataset in business.integrations.publishes:
            publishers.setdefault(dataset, (business.id, site_id, business.area))
    hub_paths: set[tuple[str, str, str, str]] = set()
    for flow in spec.flows:
        if flow.source.middleware == flow.destination.middleware == MiddlewareRole.INTEGRATION_HUB:
            ends = _resolved_ends(spec, flow)
            if ends is not None:
                hub_paths.add(ends)
    for b_index, business in enumerate(spec.businesses):
        site_id = business_site(spec, business)
        assert site_id is not None
        for d_index, dataset in enumerate(business.integrations.consumes):
            if dataset not in publishers:
                continue  # reported by the single-site rules
            publisher, publisher_site, publisher_area = publishers[dataset]
            if publisher_site == site_id:
                continue
            if (publisher_site, publisher_area, site_id, business.area) not in hub_paths:
                yield Problem(
                    ("businesses", b_index, "integrations", "consumes", d_index),
                    f"{dataset!r} comes from {publisher!r} at site {publisher_site!r}; crossing to {site_id!r} needs "
                    f"a declared flow from the integration hub of {publisher_area!r} at {publisher_site!r} to the "
                    f"one of {business.area!r} at {site_id!r}",
                )
