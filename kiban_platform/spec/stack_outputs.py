"""What one stack of a hybrid city reads from another, and the city a site state says it belongs to: one schema.

A site stack publishes two things other readers trust (HYBRID.md "What each site stack publishes"):

- the hybrid keys of its ``inventory``: its ``site``, the city's ``sites``, ``links``,
  ``cross_site_flows``, ``business_sites``, ``api_gateways`` and ``area_levels``. The audit, the diff,
  the report and ``kiban inventory`` read them; ``hybrid_fact_problems`` is what they check first, so
  a garbage ``sites`` is a located refusal (exit 2), never an "unknown site" finding;
- its ``links`` output, which a peer site reads by StackReference: per link the tunnels' outside
  addresses and pre-shared keys that AWS assigns. ``peer_state_problems`` checks a peer's state
  against the reading stack's own spec before any value reaches a site connection: that it is the
  stack it was given as (project, stack name), of the same city (municipality code) and spec (site
  ids, link ids), and that every tunnel is one AWS and Neutron could have: an inside /30 of the
  spec's, an outside address that is public unicast (a private-IP VPN over Direct Connect: inside the
  link's ``dx.outside_cidr``, where AWS takes it from) and outside every area, and a pre-shared key of
  the length and characters both accept.

Problems are located in the state file (``deployment.resources[0].outputs.links.dc1-gc.tunnels[1]
.outside_address``). A pre-shared key is never quoted in a message: it is a secret.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from kiban_platform.spec.fields import SPECIAL_BLOCKS
from kiban_platform.spec.hybrid_checks import AWS_RESERVED_TUNNEL_CIDRS, TUNNEL_PREFIX, TUNNEL_RANGE
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.problems import FieldPath, Problem
from kiban_platform.spec.sites import Encryption, Link

MAX_PROBLEMS = 20
STACK_TYPE = "pulumi:pulumi:Stack"
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"  # a sealed secret in a state (Pulumi's signature key)
# Pre-shared keys AWS accepts (EC2 API, VpnTunnelOptionsSpecification.PreSharedKey): 8-64 letters,
# digits, periods and underscores, not starting with zero. Neutron's VPNaaS takes any text, so the
# AWS rule is the one both ends accept.
PRESHARED_KEY = re.compile(r"^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$")
# Address space an outside address on the internet never comes from besides SPECIAL_BLOCKS: private
# (RFC 1918) and shared (RFC 6598) space is not routed on the internet, so AWS never assigns it there.
NOT_ON_THE_INTERNET: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (ipaddress.IPv4Network("10.0.0.0/8"), "private (RFC 1918)"),
    (ipaddress.IPv4Network("172.16.0.0/12"), "private (RFC 1918)"),
    (ipaddress.IPv4Network("192.168.0.0/16"), "private (RFC 1918)"),
    (ipaddress.IPv4Network("100.64.0.0/10"), "shared address space (RFC 6598)"),
)


def _ipv4_address(value: str) -> str:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 address") from None
    return value


def _ipv4_network(value: str) -> str:
    try:
        ipaddress.IPv4Network(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 network (a.b.c.d/n)") from None
    return value


def _tunnel_inside(value: str) -> str:
    try:
        cidr = ipaddress.IPv4Network(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 network (a.b.c.d/n)") from None
    if cidr.prefixlen != TUNNEL_PREFIX or not cidr.subnet_of(TUNNEL_RANGE):
        raise ValueError(f"{value}: a tunnel's inside addresses are a /{TUNNEL_PREFIX} inside {TUNNEL_RANGE}")
    if cidr in AWS_RESERVED_TUNNEL_CIDRS:
        raise ValueError(f"{value} is reserved by AWS for its own use, never a tunnel's inside block")
    return value


def _preshared_key(value: str) -> str:
    if PRESHARED_KEY.match(value) is None:
        # The key itself is a secret: say what is wrong with it, never what it is.
        raise ValueError(
            f"not a pre-shared key AWS and Neutron accept ({len(value)} characters): 8-64 letters, digits, "
            "'.' or '_', not starting with 0"
        )
    return value


Name = Annotated[StrictStr, Field(min_length=1)]
Address = Annotated[StrictStr, AfterValidator(_ipv4_address)]
Network = Annotated[StrictStr, AfterValidator(_ipv4_network)]
TunnelCidr = Annotated[StrictStr, AfterValidator(_tunnel_inside)]
PresharedKey = Annotated[StrictStr, AfterValidator(_preshared_key)]


class _Read(BaseModel):
    # Only what kiban reads is checked; anything else in a state passes through untouched.
    model_config = ConfigDict(extra="allow", strict=True)


# -- the hybrid keys of a site stack's inventory -----------------------------------------------------


class HybridSite(_Read):
    id: Name
    kind: StrictStr | None = None
    target: StrictStr | None = None
    region: StrictStr | None = None
    ceiling: StrictStr | None = None
    areas: dict[Name, Network] = {}


class HybridLink(_Read):
    id: Name
    between: Annotated[list[Name], Field(min_length=2, max_length=2)]
    carrier: StrictStr = ""
    transport: StrictStr = ""
    encryption: StrictStr = ""
    areas: list[Name] = []
    initiated_by: StrictStr | None = None
    tunnels: Annotated[StrictInt, Field(ge=0)] = 0  # how many the link has (the keys are in the links output)
    outside_cidr: Network | None = None


class CrossSiteEnd(_Read):
    site: Name
    area: Name


class CrossSiteFlow(_Read):
    flow: Name
    source: CrossSiteEnd = Field(alias="from")
    destination: CrossSiteEnd = Field(alias="to")
    link: StrictStr | None = None


class HybridFacts(_Read):
    """The hybrid keys of an inventory; all absent in a single-site city's."""

    site: Name | None = None
    sites: list[HybridSite] | None = None
    links: list[HybridLink] | None = None
    cross_site_flows: list[CrossSiteFlow] | None = None
    business_sites: dict[Name, Name] | None = None
    api_gateways: list[Name] | None = None
    area_levels: dict[Name, Name] | None = None


def _validation_problems(model: type[BaseModel], document: Any, where: FieldPath) -> list[Problem]:
    try:
        model.model_validate(document)
    except ValidationError as error:
        return [
            Problem((*where, *item["loc"]), str(item["msg"]).removeprefix("Value error, "))
            for item in error.errors()[:MAX_PROBLEMS]
        ]
    return []


def _duplicates(ids: Sequence[str], path: FieldPath, what: str) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for index, value in enumerate(ids):
        if value in seen:
            yield Problem((*path, index, "id"), f"duplicate {what} {value!r} (first at index {seen[value]})")
        seen.setdefault(value, index)


def _consistency(facts: HybridFacts, where: FieldPath) -> Iterator[Problem]:
    """The facts agree with each other: every site named is one of ``sites``, every link one of ``links``."""
    if facts.site is None:
        # A single-site city's inventory: the audit reads no hybrid fact from it (and the inventory's merge of
        # site states names a state without a site itself).
        return
    if not facts.sites:
        yield Problem(
            (*where, "sites"), f"missing: a site stack's inventory lists the city's sites (site {facts.site})"
        )
        return
    site_ids = [site.id for site in facts.sites]
    known = _listed(site_ids)
    yield from _duplicates(site_ids, (*where, "sites"), "site")
    if facts.site not in site_ids:
        yield Problem((*where, "site"), f"{facts.site!r} is not one of the inventory's sites ({known})")
    if facts.links is None:
        yield Problem((*where, "links"), "missing: a site stack's inventory lists the city's links (may be [])")
        return
    link_ids = [link.id for link in facts.links]
    yield from _duplicates(link_ids, (*where, "links"), "link")
    for index, link in enumerate(facts.links):
        for position, end in enumerate(link.between):
            if end not in site_ids:
                yield Problem(
                    (*where, "links", index, "between", position), f"{end!r} is not one of the sites ({known})"
                )
        if link.initiated_by is not None and link.initiated_by not in link.between:
            yield Problem(
                (*where, "links", index, "initiated_by"),
                f"{link.initiated_by!r} is not one of the link's sites ({', '.join(link.between)})",
            )
    for index, flow in enumerate(facts.cross_site_flows or []):
        for key, flow_end in (("from", flow.source), ("to", flow.destination)):
            if flow_end.site not in site_ids:
                yield Problem(
                    (*where, "cross_site_flows", index, key, "site"),
                    f"{flow_end.site!r} is not one of the sites ({known})",
                )
        if flow.link is not None and flow.link not in link_ids:
            yield Problem(
                (*where, "cross_site_flows", index, "link"),
                f"{flow.link!r} is not one of the links ({_listed(link_ids)})",
            )
    for business, site in (facts.business_sites or {}).items():
        if site not in site_ids:
            yield Problem((*where, "business_sites", business), f"{site!r} is not one of the sites ({known})")


def hybrid_fact_problems(inventory: Any, where: FieldPath) -> list[Problem]:
    """What is wrong with the hybrid keys of an inventory (found at ``where``); empty when they can be read.

    A single-site inventory has none of them and passes; a site stack's must name its site among the
    city's sites, and every site and link it names elsewhere must be one of those.
    """
    if not isinstance(inventory, Mapping):
        return [Problem(where, "the inventory must be an object")]
    problems = _validation_problems(HybridFacts, inventory, where)
    if problems:
        return problems
    return list(_consistency(HybridFacts.model_validate(inventory), where))[:MAX_PROBLEMS]


def state_inventory(resources: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The ``inventory`` output of a state's stack resource, when it is there and readable (not sealed)."""
    root = next((r for r in resources if r.get("type") == STACK_TYPE and not r.get("parent")), None)
    outputs = root.get("outputs") if root is not None else None
    inventory = outputs.get("inventory") if isinstance(outputs, Mapping) else None
    if not isinstance(inventory, Mapping) or SECRET_SIG_KEY in inventory:
        return None  # none, or a sealed secret: what the audit cannot read it takes as opaque
    return inventory


def state_hybrid_problems(resources: Sequence[Mapping[str, Any]], stack_path: FieldPath | None) -> list[Problem]:
    """The hybrid keys of a state's ``inventory`` output checked by the one schema; empty without them.

    ``stack_path``: where the stack resource sits in the file (``deployment.resources[0]``).
    """
    inventory = state_inventory(resources)
    if inventory is None:
        return []
    return hybrid_fact_problems(inventory, (*(stack_path or ()), "outputs", "inventory"))


def state_site(resources: Sequence[Mapping[str, Any]]) -> str | None:
    """The site a state's inventory says it is of (a hybrid city's site stack); None for a single-site city."""
    inventory = state_inventory(resources)
    site = inventory.get("site") if inventory is not None else None
    return site if isinstance(site, str) else None


# -- a peer stack's state, as a StackReference reads it ------------------------------------------------


class PeerTunnel(_Read):
    inside_cidr: TunnelCidr
    outside_address: Address
    preshared_key: PresharedKey


class PeerLink(_Read):
    peer: Name
    tunnels: list[PeerTunnel]


class MunicipalityCode(_Read):
    code: Name


class PeerInventory(HybridFacts):
    site: Name
    sites: list[HybridSite]
    links: list[HybridLink]


class PeerOutputs(_Read):
    """The outputs of a peer site's stack that another site reads (its own inventory is only checked)."""

    links: dict[Name, PeerLink]
    inventory: PeerInventory
    municipality: MunicipalityCode


@dataclass(frozen=True)
class Reading:
    """Who reads a peer's state, and what it expects the state to be: from the reading stack's own spec."""

    city: PlatformSpec
    site: str  # the site of the stack that reads
    peer: str  # the site whose stack's state this is meant to be
    project: str  # the reading stack's project: a StackReference by short name stays in the project
    stack: str  # the name the state was given as (``kiban:siteStacks``; ``org/project/stack`` also)


def stack_identity(urn: str) -> tuple[str, str] | None:
    """(stack, project) of a stack resource's URN ``urn:pulumi:<stack>::<project>::pulumi:pulumi:Stack::...``."""
    if not urn.startswith("urn:pulumi:"):
        return None
    parts = urn.removeprefix("urn:pulumi:").split("::")
    if len(parts) < 3 or parts[2] != STACK_TYPE:
        return None
    return parts[0], parts[1]


def _identity_problems(urn: Any, reading: Reading, where: FieldPath) -> Iterator[Problem]:
    given = reading.stack.split("/")
    stack, project = given[-1], given[-2] if len(given) >= 2 else reading.project
    found = stack_identity(urn) if isinstance(urn, str) else None
    if found is None:
        yield Problem((*where, "urn"), f"not a stack resource's URN ({STACK_TYPE}): cannot tell whose state this is")
    elif found != (stack, project):
        yield Problem(
            (*where, "urn"),
            f"the state of stack {found[0]} (project {found[1]}), not of stack {stack} (project {project}) "
            f"that site {reading.peer}'s outputs are read from",
        )


def _outside_problem(address: ipaddress.IPv4Address, link: Link, city: PlatformSpec) -> str | None:
    """Why AWS could not have given this tunnel this outside address; None when it could."""
    # The city-wide supernet of each area holds every site's block of it.
    for area in city.areas:
        if address in area.supernet:
            return (
                f"{address} is inside area {area.id!r} ({area.supernet}): a tunnel's outside address is on the "
                "line, never in an area the tunnels carry"
            )
    dx = link.direct_connect
    if link.encryption == Encryption.IPSEC and dx is not None and dx.outside_cidr is not None:
        block = dx.outside_cidr
        if address not in block:
            return (
                f"{address} is not in the link's dx.outside_cidr {block}: a private-IP VPN over Direct Connect takes "
                "its outside addresses from that Transit Gateway block"
            )
        if address in (block.network_address, block.broadcast_address):
            return f"{address} is the network or broadcast address of {block}, no tunnel's outside address"
        return None
    for block, rule in (*SPECIAL_BLOCKS, *NOT_ON_THE_INTERNET):
        if address in block:
            return f"{address} is in {block}, {rule}: a VPN over the internet ends on a public unicast address"
    return None


def _link_problems(planned: Link, exported: PeerLink, reading: Reading, where: FieldPath) -> Iterator[Problem]:
    if exported.peer != reading.site:
        yield Problem(
            (*where, "peer"),
            f"{exported.peer!r}: link {planned.id}'s peer seen from {reading.peer} is {reading.site!r}",
        )
    if len(exported.tunnels) != len(planned.tunnels):
        yield Problem(
            (*where, "tunnels"),
            f"{len(exported.tunnels)} tunnel(s); link {planned.id} has {len(planned.tunnels)} in the spec",
        )
        return
    for index, (tunnel, spec_tunnel) in enumerate(zip(exported.tunnels, planned.tunnels, strict=True)):
        path: FieldPath = (*where, "tunnels", index)
        if ipaddress.IPv4Network(tunnel.inside_cidr) != spec_tunnel.inside_cidr:
            yield Problem(
                (*path, "inside_cidr"),
                f"{tunnel.inside_cidr}: tunnel {index + 1} of link {planned.id} is {spec_tunnel.inside_cidr} "
                "in the spec",
            )
        problem = _outside_problem(ipaddress.IPv4Address(tunnel.outside_address), planned, reading.city)
        if problem is not None:
            yield Problem((*path, "outside_address"), problem)


def _listed(ids: Sequence[str], most: int = 10) -> str:
    """Ids for a message, at most ``most`` of them: a hostile state's ten thousand stay out of the terminal."""
    if not ids:
        return "none"
    shown = ", ".join(ids[:most])
    return shown if len(ids) <= most else f"{shown}, ... ({len(ids)} in all)"


def _city_problems(outputs: PeerOutputs, reading: Reading, where: FieldPath) -> Iterator[Problem]:
    city = reading.city
    if outputs.municipality.code != city.municipality.code:
        yield Problem(
            (*where, "municipality", "code"),
            f"{outputs.municipality.code}: a state of another municipality; this city is "
            f"{city.municipality.name} ({city.municipality.code})",
        )
    inventory: FieldPath = (*where, "inventory")
    if outputs.inventory.site != reading.peer:
        yield Problem(
            (*inventory, "site"), f"{outputs.inventory.site!r}: the state of that site, not of site {reading.peer!r}"
        )
    for key, found, expected in (
        ("sites", [site.id for site in outputs.inventory.sites], [site.id for site in city.sites]),
        ("links", [link.id for link in outputs.inventory.links], [link.id for link in city.links]),
    ):
        if sorted(found) != sorted(expected):
            yield Problem(
                (*inventory, key),
                f"{_listed(found)}; the spec's {key} are {_listed(expected)}: "
                "the state of another spec (render the peer from the same spec)",
            )


class PeerLinks(_Read):
    links: dict[Name, PeerLink]


def peer_links_problems(links: Any, reading: Reading, where: FieldPath) -> list[Problem]:
    """What keeps a peer's ``links`` output (found at ``where``) from being read; empty when it can be.

    This is all a StackReference reads under ``pulumi up`` (``kiban_platform.program``); offline,
    ``peer_state_problems`` checks it with the rest of the state.
    """
    shape = _validation_problems(PeerLinks, {"links": links}, where[:-1])
    if shape:
        return shape
    read = PeerLinks.model_validate({"links": links}).links
    problems: list[Problem] = []
    known = {link.id: link for link in reading.city.links}
    for link_id, exported in read.items():
        planned = known.get(link_id)
        if planned is None:
            problems.append(Problem((*where, link_id), f"unknown link: the spec's links are {_listed(list(known))}"))
        elif reading.peer not in planned.between:
            problems.append(
                Problem((*where, link_id), f"link {link_id} joins {' and '.join(planned.between)}, not {reading.peer}")
            )
        elif reading.site not in planned.between:
            # The peer's link to a third site (a Government Cloud joined to two data centres): its stack exports
            # every link it has; this stack reads only the links it ends, and that link is the third site's.
            continue
        else:
            problems += _link_problems(planned, exported, reading, (*where, link_id))
    for link in reading.city.links:
        if {reading.site, reading.peer} == set(link.between) and link.id not in read:
            problems.append(Problem(where, f"no link {link.id}: site {reading.peer}'s stack exports every link it has"))
    return problems[:MAX_PROBLEMS]


def peer_state_problems(root: Mapping[str, Any], reading: Reading, where: FieldPath) -> list[Problem]:
    """What keeps a peer's stack resource ``root`` (its outputs opened) from being read; empty when it can be.

    ``where``: the stack resource's path in the state file (``deployment.resources[0]``).
    """
    problems = list(_identity_problems(root.get("urn"), reading, where))
    outputs_where: FieldPath = (*where, "outputs")
    outputs = root.get("outputs")
    if not isinstance(outputs, Mapping) or "links" not in outputs:
        problems.append(
            Problem(
                (*outputs_where, "links"),
                f"missing: site {reading.peer}'s stack exports its tunnels' outside addresses and keys there",
            )
        )
        return problems
    shape = _validation_problems(PeerOutputs, outputs, outputs_where)
    if shape:
        return problems + shape
    read = PeerOutputs.model_validate(outputs)
    problems += _consistency(read.inventory, (*outputs_where, "inventory"))
    problems += _city_problems(read, reading, outputs_where)
    problems += peer_links_problems(outputs["links"], reading, (*outputs_where, "links"))
    return problems[:MAX_PROBLEMS]
