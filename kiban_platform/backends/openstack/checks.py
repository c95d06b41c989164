"""What the OpenStack target refuses of a valid spec, before any resource is declared.

No Pulumi import: the backend's render-time ``check`` and ``kiban validate --target openstack``
both call ``spec_problems``, so the two cannot drift. Nova's own rules for the names kiban
gives it (nova/api/validation/parameter_types.py: ``name`` and ``az_name``) are checked here,
since a spec carries them; flavors, images and volume types are the stack's settings.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiban_platform.backends.openstack.settings import OpenStackSettings
from kiban_platform.network.sites import PlannedLink
from kiban_platform.spec.checks import replicated_shapes
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.problems import FieldPath, Problem
from kiban_platform.spec.sites import Encryption, Target

# Nova's name and availability-zone name: 1-255 printable characters, no leading or trailing
# whitespace; an availability zone also has no ':' (Nova reads "zone:host" as a forced host).
NOVA_NAME_MAX = 255
# Nova stores a flavor's memory in MB as a 32-bit integer.
NOVA_MAX_INT = 2**31 - 1


def _nova_name_problem(name: str, what: str, zone: bool) -> str | None:
    if not name:
        return f"an empty {what} name: Nova needs 1-{NOVA_NAME_MAX} characters"
    if len(name) > NOVA_NAME_MAX:
        return f"{what} name is {len(name)} characters; Nova allows {NOVA_NAME_MAX}"
    if name != name.strip():
        return f"{what} name {name!r} starts or ends with whitespace, which Nova refuses"
    if not name.isprintable():
        return f"{what} name {name!r} has a control character, which Nova refuses"
    if zone and ":" in name:
        return f"{what} name {name!r} has a ':', which Nova refuses (it reads zone:host as a forced host)"
    return None


def spec_problems(spec: PlatformSpec, settings: OpenStackSettings) -> list[Problem]:
    """Every chassis's zone and aggregate names as Nova accepts them, and a flavor for every VM size."""
    problems: list[Problem] = []
    aggregates: dict[str, str] = {}
    for index, chassis in enumerate(spec.failure_domains.chassis):
        path: FieldPath = ("failure_domains", "chassis", index)
        zone = _nova_name_problem(chassis.openstack_zone, "availability zone", zone=True)
        if zone is not None:
            problems.append(Problem((*path, "availability_zone"), zone))
        aggregate = chassis.openstack_aggregate
        named = _nova_name_problem(aggregate, "host aggregate", zone=False)
        if named is not None:
            problems.append(Problem((*path, "host_aggregate"), named))
        elif aggregate in aggregates:
            problems.append(
                Problem(
                    (*path, "host_aggregate"),
                    f"host aggregate {aggregate!r} is also chassis {aggregates[aggregate]}'s: Nova refuses a second "
                    "aggregate of the same name",
                )
            )
        else:
            aggregates[aggregate] = chassis.id
    shapes = list(replicated_shapes(spec))
    missing = settings.missing_flavors((shape.vcpu, shape.ram_gb) for _, shape, _, _, _ in shapes)
    if missing:
        problems.append(
            Problem(
                (),
                f"kiban:openstack.flavors has no flavor for size(s) {', '.join(missing)} (vCPU x RAM GB); "
                "map each size the spec uses, or remove the key to use kiban-<vcpu>c<ram>g flavors",
            )
        )
    for path, shape, _, _, _ in shapes:
        if shape.ram_gb * 1024 > NOVA_MAX_INT:
            problems.append(Problem((*path, "ram_gb"), f"{shape.ram_gb} GB is more memory than a Nova flavor holds"))
    return problems


def validation_problems(spec: PlatformSpec) -> list[Problem]:
    """``kiban validate --target openstack``: what the OpenStack target would refuse with default settings."""
    return spec_problems(spec, OpenStackSettings())


def link_problems(links: Sequence[PlannedLink], spec: PlatformSpec | None = None) -> list[str]:
    """What the OpenStack end of each link cannot build, naming the link: only an IPsec VPN to an AWS site.

    Neutron's VPN service proposes one security association per pair of local subnet and peer CIDR,
    and an AWS tunnel holds one: so one area each side, and flows that end at platform subnets here,
    one VPN pair (two tunnels, checked with the spec) per subnet, each a subnet the site plans
    (``spec``: the site's view, when known).
    """
    problems: list[str] = []
    for planned in links:
        link, site, peer = planned.link, planned.site, planned.peer
        where = f"link {link.id!r}"
        if peer.target != Target.AWS:
            problems.append(
                f"{where}: joins two {peer.target.value} sites; kiban builds a link from an openstack site to an "
                "aws site only"
            )
            continue
        if link.encryption != Encryption.IPSEC:
            problems.append(
                f"{where}: encryption {link.encryption.value}: the openstack end of a link is an IPsec VPN; "
                "Direct Connect without IPsec ends on the city's own router, which kiban does not build"
            )
            continue
        if site.id not in link.addresses:
            problems.append(f"{where}: addresses.{site.id} is missing: the outside address the tunnels end on")
        if len(planned.local_prefixes) != 1 or len(planned.peer_prefixes) != 1:
            problems.append(
                f"{where}: carries {len(planned.local_prefixes)} area(s) here and {len(planned.peer_prefixes)} at "
                f"{peer.id!r}; an IPsec link to AWS carries one area each side (one traffic selector each way)"
            )
        if not planned.flows:
            problems.append(f"{where}: no cross-site flow rides it, so its tunnels would carry nothing")
        for crossing in planned.flows:
            if crossing.local.middleware is None:
                problems.append(
                    f"{where}: flow {crossing.flow.id!r} ends at {crossing.local.label()} here; the VPN's local "
                    "endpoint group holds platform subnets only: route it through the integration hub"
                )
        problems += _vpn_pair_problems(planned, spec)
    return problems


def _vpn_pair_problems(planned: PlannedLink, spec: PlatformSpec | None) -> list[str]:
    """Each VPN pair's local endpoint group is one platform subnet of the link's area here (``links._local_subnet``)."""
    if len(planned.local_prefixes) != 1:
        return []
    area_id = planned.local_prefixes[0][0]
    problems = []
    for pair in planned.vpn_pairs:
        if pair.role is None:
            tunnels = ", ".join(str(index + 1) for index in pair.tunnels)
            problems.append(
                f"link {planned.link.id!r}: tunnels {tunnels} reach no one platform subnet of area {area_id} here; "
                "the VPN's local endpoint group holds one: name it (tunnels[].subnet)"
            )
        elif spec is not None and not any(
            role == pair.role and area_id in service.areas for role, service in spec.platform_services()
        ):
            problems.append(
                f"link {planned.link.id!r}: area {area_id} has no platform subnet for {pair.role.value} at site "
                f"{planned.site.id!r}, which its tunnels' VPN pair selects"
            )
    return problems
