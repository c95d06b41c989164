"""Whole-spec rules: references, uniqueness, addressing room, redundancy, and the three-layer flow policy.

Each check returns problems located at the field a person must change; the
spec has already passed its shape checks, so fields are typed and present.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from kiban_platform.spec.chassis_sites import chassis_site_problems, on_prem_sites, site_failure_domains
from kiban_platform.spec.fields import VLAN_FIRST, VLAN_LAST
from kiban_platform.spec.hybrid import business_site, service_sites
from kiban_platform.spec.hybrid_checks import hybrid_problems, link_tunnel_problems
from kiban_platform.spec.model import (
    OPERATIONS_NETWORK_MAX_PREFIX,
    AreaLevel,
    Endpoint,
    FailureDomains,
    Flow,
    MiddlewareRole,
    PlatformSpec,
    Protocol,
    VmShape,
    tier_ports,
)
from kiban_platform.spec.numbering import (
    PLATFORM_SLOT,
    ROLE_SUBNET_BITS,
    TIER_SUBNET_BITS,
    role_prefix,
    segment_count,
    usable_hosts,
)
from kiban_platform.spec.operations_checks import operations_flow_problems, operations_problems
from kiban_platform.spec.operations_plan import with_operations_flows
from kiban_platform.spec.overlaps import first_overlapping_ranges, first_overlaps
from kiban_platform.spec.problems import FieldPath, Problem, format_path, known_ids
from kiban_platform.spec.problems import duplicate_problems as _duplicates
from kiban_platform.spec.sites import SiteKind

THREE_LAYERS = "three-layer separation (三層の対策)"
# The widest external network that may send 特定通信 into a high area without a recorded approval.
# 特定通信 admits named counterpart systems (eLTAX, マイナポータル, a ministry's LGWAN-ASP service),
# each a handful of servers whose addresses the counterpart publishes; a /24 (254 hosts) holds any
# of them with room to spare and is also the longest prefix routed between organisations, so a
# counterpart that owns its addresses can always be named by one. A wider source admits networks
# beyond the counterpart (a /16 is 65,536 addresses) and needs an explicit, recorded approval.
HIGH_AREA_WIDEST_EXTERNAL_PREFIX = 24


def _check_unique_ids(spec: PlatformSpec) -> Iterator[Problem]:
    yield from _duplicates(spec.areas, lambda a: a.id, lambda i: ("areas", i, "id"), "area id")
    yield from _duplicates(
        spec.failure_domains.chassis, lambda c: c.id, lambda i: ("failure_domains", "chassis", i, "id"), "chassis id"
    )
    yield from _duplicates(
        spec.failure_domains.chassis,
        lambda c: c.openstack_zone,
        lambda i: ("failure_domains", "chassis", i, "availability_zone"),
        "availability zone",
    )
    seen_blades: dict[str, str] = {}
    for c_index, chassis in enumerate(spec.failure_domains.chassis):
        for b_index, blade in enumerate(chassis.blades):
            if blade.id in seen_blades:
                yield Problem(
                    ("failure_domains", "chassis", c_index, "blades", b_index, "id"),
                    f"duplicate blade id {blade.id!r} (also in chassis {seen_blades[blade.id]!r})",
                )
            seen_blades[blade.id] = chassis.id
    yield from _duplicates(spec.businesses, lambda b: b.id, lambda i: ("businesses", i, "id"), "business id")
    yield from _duplicates(
        spec.businesses, lambda b: b.network_slot, lambda i: ("businesses", i, "network_slot"), "network slot"
    )
    yield from _duplicates(spec.flows, lambda f: f.id, lambda i: ("flows", i, "id"), "flow id")
    for role, service in spec.middleware.items():
        seen_areas: set[str] = set()
        for index, area_id in enumerate(service.areas):
            if area_id in seen_areas:
                yield Problem(("middleware", role.value, "areas", index), f"area {area_id!r} is listed twice")
            seen_areas.add(area_id)


def _check_areas(spec: PlatformSpec) -> Iterator[Problem]:
    # Each area against the first earlier one it collides with, found by sweeps rather than every pair.
    areas = spec.areas
    vlans = first_overlapping_ranges([(area.vlans.first, area.vlans.last) for area in areas], VLAN_FIRST, VLAN_LAST)
    supernets = first_overlaps([area.supernet for area in areas])
    for j, second in enumerate(areas):
        if j in vlans:
            first = areas[vlans[j]]
            yield Problem(
                ("areas", j, "vlans"),
                f"VLANs {second.vlans.first}-{second.vlans.last} reuse IDs of area {first.id!r} "
                f"({first.vlans.first}-{first.vlans.last}); VLAN IDs must not be shared between areas",
            )
        if j in supernets:
            first = areas[supernets[j]]
            yield Problem(("areas", j, "supernet"), f"{second.supernet} overlaps {first.supernet} of area {first.id!r}")
    for index, area in enumerate(spec.areas):
        if area.segment_prefix < area.supernet.prefixlen:
            yield Problem(
                ("areas", index, "segment_prefix"),
                f"a /{area.segment_prefix} segment is larger than the supernet {area.supernet}",
            )
        if area.tier_prefix < area.segment_prefix + TIER_SUBNET_BITS:
            yield Problem(
                ("areas", index, "tier_prefix"),
                f"four tier subnets of /{area.tier_prefix} do not fit a /{area.segment_prefix} segment; "
                f"use /{area.segment_prefix + TIER_SUBNET_BITS} or longer",
            )
        if role_prefix(area) > 29:
            yield Problem(
                ("areas", index, "segment_prefix"),
                f"a /{area.segment_prefix} platform segment cannot hold {2**ROLE_SUBNET_BITS} middleware subnets; "
                f"use /{29 - ROLE_SUBNET_BITS} or shorter",
            )


def _known(ids: Iterable[str]) -> str:
    return known_ids(ids)


def _check_area_references(spec: PlatformSpec) -> Iterator[Problem]:
    area_ids = [area.id for area in spec.areas]
    for index, business in enumerate(spec.businesses):
        if business.area not in area_ids:
            yield Problem(("businesses", index, "area"), f"unknown area {business.area!r}; known: {_known(area_ids)}")
    for role, service in spec.middleware.items():
        for index, area_id in enumerate(service.areas):
            if area_id not in area_ids:
                yield Problem(
                    ("middleware", role.value, "areas", index), f"unknown area {area_id!r}; known: {_known(area_ids)}"
                )


def _largest_blade(domains: FailureDomains) -> tuple[int, int, int]:
    blades = [blade for _, blade in domains.blades()]
    return max(b.vcpu for b in blades), max(b.ram_gb for b in blades), max(b.disk_gb for b in blades)


def _vm_fits_problem(shape: VmShape, domains: FailureDomains, path: FieldPath) -> Problem | None:
    if any(
        shape.vcpu <= blade.vcpu and shape.ram_gb <= blade.ram_gb and shape.disk.size_gb <= blade.disk_gb
        for _, blade in domains.blades()
    ):
        return None
    vcpu, ram, disk = _largest_blade(domains)
    needs = {"vcpu": (shape.vcpu, vcpu), "ram_gb": (shape.ram_gb, ram), "disk": (shape.disk.size_gb, disk)}
    too_big = [name for name, (need, most) in needs.items() if need > most]
    located = (*path, too_big[0]) if len(too_big) == 1 else path
    return Problem(
        located,
        f"a VM of {shape.vcpu} vCPU, {shape.ram_gb} GB RAM, {shape.disk.size_gb} GB disk is larger than every blade "
        f"(largest: {vcpu} cores, {ram} GB RAM, {disk} GB disk)",
    )


def _check_redundant(replicas: int, redundant: bool, path: FieldPath) -> Iterator[Problem]:
    if redundant and replicas < 2:
        yield Problem(
            (*path, "replicas"),
            f"a redundant tier needs at least 2 replicas, has {replicas} (or set redundant: false to accept "
            "a single point of failure)",
        )


def replicated_shapes(spec: PlatformSpec) -> Iterator[tuple[FieldPath, VmShape, int, bool, bool]]:
    """Each business tier and middleware service: its field path, size, replicas, redundancy, anti-affinity."""
    for b_index, business in enumerate(spec.businesses):
        for name, tier in business.tiers.items():
            path: FieldPath = ("businesses", b_index, "tiers", name.value)
            yield path, tier, tier.replicas, tier.redundant, tier.anti_affinity
    for role, service in spec.platform_services():
        yield _service_path(role), service, service.replicas, service.redundant, service.anti_affinity


def _service_path(role: MiddlewareRole) -> FieldPath:
    return ("management", "bastion") if role == MiddlewareRole.BASTION else ("middleware", role.value)


def _unplaceable(
    shape: VmShape,
    replicas: int,
    anti_affinity: bool,
    domains: FailureDomains,
    path: FieldPath,
    holder: str = "the spec",
) -> Iterator[Problem]:
    chassis_count = len(domains.chassis)
    if anti_affinity and replicas > chassis_count:
        yield Problem(
            (*path, "replicas"),
            f"{replicas} anti-affine replicas need {replicas} chassis, {holder} has {chassis_count}: the same "
            "business is never on the same blade or chassis",
        )
    too_big = _vm_fits_problem(shape, domains, path)
    if too_big:
        yield too_big


def placement_problems(spec: PlatformSpec) -> list[Problem]:
    """What no placement can fix: anti-affine replicas beyond the chassis, a VM larger than every blade."""
    return [
        problem
        for path, shape, replicas, _, anti_affinity in replicated_shapes(spec)
        for problem in _unplaceable(shape, replicas, anti_affinity, spec.failure_domains, path)
    ]


def _check_redundancy_and_size(spec: PlatformSpec) -> Iterator[Problem]:
    for path, shape, replicas, redundant, anti_affinity in replicated_shapes(spec):
        yield from _check_redundant(replicas, redundant, path)
        yield from _unplaceable(shape, replicas, anti_affinity, spec.failure_domains, path)


def _runs_at_site(spec: PlatformSpec, path: FieldPath, site_id: str) -> bool:
    """Whether the tier or platform service at ``path`` (from ``replicated_shapes``) has VMs at ``site_id``."""
    if path[0] == "businesses":
        business = spec.businesses[int(path[1])]
        return business_site(spec, business) == site_id
    role = MiddlewareRole.BASTION if path == _service_path(MiddlewareRole.BASTION) else MiddlewareRole(str(path[1]))
    service = spec.platform_service(role)
    return service is not None and any(site_id in service_sites(spec, service, area) for area in service.areas)


def _check_site_chassis(spec: PlatformSpec) -> Iterator[Problem]:
    """Each chassis' site; with several data centres, each on-prem site's VMs placeable on its own chassis.

    With one on-prem site every chassis is its own, so the spec-wide check above is this check. A
    chassis whose site is wrong is reported alone: a site's capacity would only echo it.
    """
    misplaced = list(chassis_site_problems(spec))
    yield from misplaced
    if misplaced or len(on_prem_sites(spec)) < 2:
        return
    shapes = list(replicated_shapes(spec))
    for index, site in enumerate(spec.sites):
        if site.kind != SiteKind.ON_PREM:
            continue
        here = [shape for shape in shapes if _runs_at_site(spec, shape[0], site.id)]
        if not here:
            continue
        domains = site_failure_domains(spec, site)
        if not domains.chassis:
            yield Problem(
                ("sites", index),
                f"on-prem site {site.id!r} runs VMs ({', '.join(format_path(shape[0]) for shape in here[:3])}"
                f"{', ...' if len(here) > 3 else ''}) but no chassis names it: give its chassis `site: {site.id}`",
            )
            continue
        for path, shape, replicas, _, anti_affinity in here:
            yield from _unplaceable(shape, replicas, anti_affinity, domains, path, f"site {site.id!r}")


def _check_addressing(spec: PlatformSpec) -> Iterator[Problem]:
    areas = {area.id: area for area in spec.areas}
    for index, business in enumerate(spec.businesses):
        area = areas.get(business.area)
        if area is None:
            continue
        slot = business.network_slot
        path: FieldPath = ("businesses", index, "network_slot")
        if area.vlans.first + slot > area.vlans.last:
            yield Problem(
                path,
                f"slot {slot} needs VLAN {area.vlans.first + slot}, outside area {area.id!r}'s VLANs "
                f"{area.vlans.first}-{area.vlans.last} (room for slots 0-{area.vlans.last - area.vlans.first})",
            )
        segments = segment_count(area)
        if segments and slot >= segments:
            yield Problem(
                path,
                f"slot {slot} does not fit area {area.id!r}: {area.supernet} holds {segments} "
                f"/{area.segment_prefix} segments (slots 0-{segments - 1})",
            )
        room = usable_hosts(area.tier_prefix)
        for name, tier in business.tiers.items():
            # A tier's subnet holds its replicas and one load-balancer address.
            if tier.replicas + 1 > room:
                yield Problem(
                    ("businesses", index, "tiers", name.value, "replicas"),
                    f"{tier.replicas} replicas and a service address do not fit a /{area.tier_prefix} subnet "
                    f"({room} usable addresses in area {area.id!r})",
                )
    for role, service in spec.platform_services():
        for area_id in service.areas:
            area = areas.get(area_id)
            if area is None or role_prefix(area) > 29:
                continue
            room = usable_hosts(role_prefix(area))
            if service.replicas + 1 > room:
                yield Problem(
                    (*_service_path(role), "replicas"),
                    f"{service.replicas} nodes and a service address do not fit the /{role_prefix(area)} role "
                    f"subnet of area {area_id!r} ({room} usable addresses)",
                )
    for index, area in enumerate(spec.areas):
        if area.vlans.first + PLATFORM_SLOT > area.vlans.last:
            yield Problem(("areas", index, "vlans"), "no VLAN left for the platform segment")


def _check_endpoint(spec: PlatformSpec, endpoint: Endpoint, path: FieldPath) -> Iterator[Problem]:
    area_ids = [area.id for area in spec.areas]
    if endpoint.business is not None:
        business = next((b for b in spec.businesses if b.id == endpoint.business), None)
        if business is None:
            known = _known(b.id for b in spec.businesses)
            yield Problem((*path, "business"), f"unknown business {endpoint.business!r}; known: {known}")
        elif endpoint.tier is not None and getattr(business.tiers, endpoint.tier.value) is None:
            present = _known(name.value for name, _ in business.tiers.items())
            yield Problem(
                (*path, "tier"), f"business {business.id!r} has no {endpoint.tier.value} tier (it has {present})"
            )
        return
    if endpoint.public_service is not None:
        known_services = [service.id for service in spec.public_services]
        if endpoint.public_service not in known_services:
            yield Problem(
                (*path, "public_service"),
                f"unknown public service {endpoint.public_service!r}; known: {_known(known_services)}",
            )
        return  # the service's site and area are checked with the sites (spec.hybrid_checks)
    assert endpoint.area is not None
    if endpoint.area not in area_ids:
        yield Problem((*path, "area"), f"unknown area {endpoint.area!r}; known: {_known(area_ids)}")
        return
    if endpoint.cidr is not None:
        for area in spec.areas:
            if endpoint.cidr.overlaps(area.supernet):
                yield Problem(
                    (*path, "cidr"),
                    f"{endpoint.cidr} overlaps area {area.id!r} ({area.supernet}); an external network lies outside",
                )
    if endpoint.middleware == MiddlewareRole.BASTION:
        yield Problem(
            (*path, "middleware"),
            "the bastion is reached only from the operations networks of `management`, not by a declared flow",
        )
        return
    if endpoint.middleware is not None and not spec.middleware.in_area(endpoint.middleware, endpoint.area):
        service = spec.middleware.get(endpoint.middleware)
        runs_in = _known(service.areas) if service else "nowhere: it is not in the spec"
        yield Problem(
            (*path, "middleware"),
            f"no {endpoint.middleware.value} in area {endpoint.area!r} (it runs in: {runs_in})",
        )


def _check_flows(spec: PlatformSpec) -> Iterator[Problem]:
    levels = {area.id: area.level for area in spec.areas}
    for index, flow in enumerate(spec.flows):
        path: FieldPath = ("flows", index)
        endpoint_problems = [
            *_check_endpoint(spec, flow.source, (*path, "from")),
            *_check_endpoint(spec, flow.destination, (*path, "to")),
        ]
        yield from endpoint_problems
        # Checked even when the endpoints have other problems: a source as wide as 0.0.0.0/1 overlaps the
        # platform too, and the person should learn both at once.
        yield from _check_narrow_source(spec, flow, levels, (*path, "from"))
        if endpoint_problems:
            continue
        if flow.source == flow.destination:
            yield Problem(path, "a flow from an endpoint to itself")
            continue
        try:
            source_area, destination_area = spec.endpoint_area(flow.source), spec.endpoint_area(flow.destination)
        except KeyError:
            continue  # a public service whose site or area is unknown: reported at the service
        if source_area not in levels or destination_area not in levels:
            continue  # a business in an unknown area: reported at the business
        source_level, destination_level = levels[source_area], levels[destination_area]
        if {source_level, destination_level} == {AreaLevel.HIGH, AreaLevel.INTERNET}:
            high_area = destination_area if destination_level == AreaLevel.HIGH else source_area
            yield Problem(
                path,
                f"a flow between the high area {high_area!r} and the internet area is forbidden by the {THREE_LAYERS}",
            )
            continue
        # An outside network counts as another area: what comes from it crosses a boundary.
        crosses = (
            source_area != destination_area or flow.source.external is not None or flow.destination.external is not None
        )
        if crosses and not flow.one_way:
            yield Problem((*path, "one_way"), f"a flow across areas must be one-way ({THREE_LAYERS})")
        if not crosses:
            continue
        into_high = destination_level == AreaLevel.HIGH
        if into_high and flow.destination.middleware != MiddlewareRole.INTEGRATION_HUB:
            yield Problem(
                (*path, "to"),
                f"a flow into the high area {destination_area!r} must end at its integration_hub "
                "(特定通信: specific one-way inbound data, 2020 guideline)",
            )
        if source_level == AreaLevel.HIGH and flow.source.middleware != MiddlewareRole.INTEGRATION_HUB:
            yield Problem(
                (*path, "from"),
                f"a flow out of the high area {source_area!r} must start at its integration_hub",
            )


def _check_narrow_source(
    spec: PlatformSpec, flow: Flow, levels: Mapping[str, AreaLevel], path: FieldPath
) -> Iterator[Problem]:
    """An external network sending into a high area is /24 or narrower, or carries a recorded approval."""
    source = flow.source
    if source.cidr is None or source.external is None or source.approved_wide is not None:
        return
    try:
        high_area = spec.endpoint_area(flow.destination)
    except KeyError:
        return  # an unknown business: reported at the endpoint
    if levels.get(high_area) != AreaLevel.HIGH:
        return
    if source.cidr.prefixlen < HIGH_AREA_WIDEST_EXTERNAL_PREFIX:
        yield Problem(
            (*path, "cidr"),
            f"{source.cidr} ({source.cidr.num_addresses} addresses) is wider than "
            f"/{HIGH_AREA_WIDEST_EXTERNAL_PREFIX}: an external network sending into the high area {high_area!r} "
            "names the counterpart's own servers (特定通信); narrow it, or record the decision as "
            "approved_wide: {approved_by: ..., reason: ...} on this endpoint",
        )


def _check_integrations(spec: PlatformSpec) -> Iterator[Problem]:
    publishers: dict[str, str] = {}
    for b_index, business in enumerate(spec.businesses):
        for d_index, dataset in enumerate(business.integrations.publishes):
            if dataset in publishers:
                yield Problem(
                    ("businesses", b_index, "integrations", "publishes", d_index),
                    f"data set {dataset!r} is already published by {publishers[dataset]!r}",
                )
            else:
                publishers[dataset] = business.id
    hub_flows = {
        (spec.endpoint_area(flow.source), spec.endpoint_area(flow.destination))
        for flow in spec.flows
        if flow.source.middleware == MiddlewareRole.INTEGRATION_HUB
        and flow.destination.middleware == MiddlewareRole.INTEGRATION_HUB
    }
    areas = {business.id: business.area for business in spec.businesses}
    for b_index, business in enumerate(spec.businesses):
        for d_index, dataset in enumerate(business.integrations.consumes):
            path: FieldPath = ("businesses", b_index, "integrations", "consumes", d_index)
            publisher = publishers.get(dataset)
            if publisher is None:
                yield Problem(path, f"no business publishes data set {dataset!r}")
            elif areas[publisher] != business.area and (areas[publisher], business.area) not in hub_flows:
                yield Problem(
                    path,
                    f"{dataset!r} comes from {publisher!r} in area {areas[publisher]!r}; crossing into "
                    f"{business.area!r} needs a declared one-way flow between the two areas' integration hubs",
                )


def _check_platform_services(spec: PlatformSpec) -> Iterator[Problem]:
    """Businesses use the platform's scheduler, hub and load balancer instead of bringing their own."""
    middleware = spec.middleware
    area_ids = {area.id for area in spec.areas}
    for index, business in enumerate(spec.businesses):
        if business.area not in area_ids:
            continue
        path: FieldPath = ("businesses", index)
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
        for needed, role, where, what in needs:
            if needed and not middleware.in_area(role, business.area):
                yield Problem(
                    where,
                    f"needs the platform's {role.value} in area {business.area!r} for {what}, and none runs there",
                )


def _hosts_by_area(spec: PlatformSpec) -> dict[str, bool]:
    """Whether each area has any host apart from a bastion: businesses or middleware."""
    has_hosts = {area.id: False for area in spec.areas}
    used = [business.area for business in spec.businesses]
    used += [area_id for _, service in spec.middleware.items() for area_id in service.areas]
    for area_id in used:
        if area_id in has_hosts:  # an unknown area is reported where it is named
            has_hosts[area_id] = True
    return has_hosts


def _service_ports(spec: PlatformSpec) -> Iterator[tuple[FieldPath, int, int]]:
    for index, business in enumerate(spec.businesses):
        for name, tier in business.tiers.items():
            for port in tier_ports(name, tier):
                if port.protocol == Protocol.TCP:
                    yield ("businesses", index, "tiers", name.value), port.first, port.last
    for role, service in spec.middleware.items():
        for port in service.ports:
            if port.protocol == Protocol.TCP:
                yield ("middleware", role.value), port.first, port.last


def _check_management(spec: PlatformSpec) -> Iterator[Problem]:
    """Each area with hosts has an operations network; those are narrow, outside every area and distinct."""
    management = spec.management
    if management is None:
        return
    path: FieldPath = ("management", "operations_networks")
    networks = management.operations_networks
    yield from _duplicates(networks, lambda n: n.id, lambda i: (*path, i, "id"), "operations network id")
    area_ids = [area.id for area in spec.areas]
    externals = [
        (endpoint.cidr, f"flows[{index}]")
        for index, flow in enumerate(spec.flows)
        for endpoint in (flow.source, flow.destination)
        if endpoint.cidr is not None
    ]
    for index, network in enumerate(networks):
        if network.area not in area_ids:
            yield Problem((*path, index, "area"), f"unknown area {network.area!r}; known: {_known(area_ids)}")
        cidr = network.cidr
        if cidr.prefixlen < OPERATIONS_NETWORK_MAX_PREFIX:
            yield Problem(
                (*path, index, "cidr"),
                f"{cidr} is wider than /{OPERATIONS_NETWORK_MAX_PREFIX}: an operations network is the operators' "
                "terminals, and only they may reach a bastion",
            )
        for area in spec.areas:
            if cidr.overlaps(area.supernet):
                yield Problem(
                    (*path, index, "cidr"),
                    f"{cidr} overlaps area {area.id!r} ({area.supernet}); operators' terminals lie outside every area",
                )
        for external, where in externals:
            if cidr.overlaps(external):
                yield Problem((*path, index, "cidr"), f"{cidr} overlaps the external network {external} of {where}")
    for j, i in sorted(first_overlaps([network.cidr for network in networks]).items()):
        first, second = networks[i], networks[j]
        yield Problem(
            (*path, j, "cidr"),
            f"{second.cidr} overlaps operations network {first.id!r} ({first.cidr}, index {i}): one terminal "
            "network per area keeps each area's way in its own",
        )
    served = {network.area for network in networks}
    for area_id, has_hosts in _hosts_by_area(spec).items():
        if has_hosts and area_id not in served:
            yield Problem(
                path,
                f"area {area_id!r} has hosts but no operations network, so no bastion: its hosts would be unreachable",
            )
    for service, lowest, highest in _service_ports(spec):
        if lowest <= management.ssh_port <= highest:
            yield Problem(
                ("management", "ssh_port"),
                f"port {management.ssh_port} is also a service port of {format_path(service)}; "
                "sshd needs a port of its own",
            )


def check_spec(spec: PlatformSpec) -> list[Problem]:
    """Every whole-spec problem, in the order of the sections of the spec.

    The flows ``operations`` plans are checked last, and only when the rest of the spec has no
    problem: a problem of theirs is then the plane's (its manager's place, its data class), never an
    echo of one reported elsewhere.
    """
    others = [
        *_check_unique_ids(spec),
        *_check_areas(spec),
        *_check_area_references(spec),
        *_check_redundancy_and_size(spec),
        *_check_addressing(spec),
        *_check_platform_services(spec),
        *_check_integrations(spec),
        *_check_flows(spec),
        *_check_management(spec),
        *hybrid_problems(spec),
        *_check_site_chassis(spec),
    ]
    if others:
        return [*others, *operations_problems(spec)]
    # Once every flow resolves: the links' tunnels against the subnets their flows reach, the planes' included.
    return [
        *operations_problems(spec),
        *link_tunnel_problems(with_operations_flows(spec)),
        *operations_flow_problems(spec),
    ]
