"""What a resource means for security, in provider-neutral terms; interpreters produce these from inputs.

The diff's findings and the audit's rules read only facts, never a provider's
property names: a new provider needs interpreters, not new rules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from kiban.audit.values import is_opaque

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
ALL_PORTS = (0, 65535)
# Client ports a reply returns to through a stateless filter (AWS's advice for network ACLs).
EPHEMERAL = (1024, 65535)


class Direction(StrEnum):
    INGRESS = "ingress"
    EGRESS = "egress"


class Spread(IntEnum):
    """How strictly a placement group keeps its members apart."""

    NONE = 0  # affinity, cluster, or no policy
    SOFT = 1  # best effort: members may share a host
    HARD = 2  # never two members on one host (OpenStack anti-affinity, AWS spread/partition)


@dataclass(frozen=True)
class GroupRemote:
    """The other end of a rule given as a security group (URN when it resolves, else its raw id)."""

    target: str


Remote = Network | GroupRemote


@dataclass(frozen=True)
class Permit:
    """One thing a firewall rule lets through, seen from the group it belongs to."""

    direction: Direction
    protocol: str  # tcp, udp, icmp, any, or an IP protocol number
    first: int
    last: int
    remote: Remote
    scope: str | None = None  # URN (or raw id) of the security group or ACL; None: the resource itself
    allow: bool = True
    stateless: bool = False  # a network ACL entry: replies need entries of their own

    def ports(self) -> str:
        if (self.first, self.last) == ALL_PORTS or self.protocol == "any":
            return f"all/{self.protocol}" if self.protocol != "any" else "all traffic"
        span = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        return f"{span}/{self.protocol}"


@dataclass(frozen=True)
class Member:
    """A compute instance as one replica of a group."""

    group: str | None  # the replica group (kiban's host group id), None when the instance says nothing
    zone: str | None  # availability zone = failure domain
    spread_ref: str | None = None  # URN (or raw id) of its server group / placement group
    host: str | None = None  # the host name the inventory knows it by (OpenStack name, AWS tag Name)


@dataclass(frozen=True)
class Disk:
    label: str
    encrypted: bool


@dataclass(frozen=True)
class MetadataService:
    label: str
    tokens_required: bool  # IMDSv2: sessions required, or the service is off


@dataclass(frozen=True)
class Vlan:
    physical_network: str | None
    vlan: int


@dataclass(frozen=True)
class Route:
    """One route of a route table: where traffic for ``destination`` goes next."""

    destination: Network | None  # None: a prefix list, whose addresses the state does not hold
    via: str  # what kind of next hop: "internet gateway", "NAT gateway", "VPC peering", ...
    target: str | None  # URN (or raw id) of the next hop
    table: str | None  # URN (or raw id) of the route table; None: the resource itself is the table


@dataclass(frozen=True)
class Link:
    """Something that joins networks: a gateway to the internet, or a peering between two networks."""

    kind: str  # "internet gateway", "egress-only internet gateway", "NAT gateway", "VPC peering"
    networks: tuple[str, ...]  # URNs (or raw ids) of the networks (VPCs) it joins
    gateway: str | None = None  # for an attachment: URN (or raw id) of the gateway it attaches


INTERNET_LINKS = frozenset({"internet gateway", "egress-only internet gateway", "NAT gateway"})


@dataclass(frozen=True)
class Facts:
    """Everything an interpreter could say about one resource; empty for what it does not know."""

    permits: tuple[Permit, ...] = ()
    member: Member | None = None
    spread: tuple[Spread, str] | None = None  # for a server / placement group: its strength and the provider's word
    disks: tuple[Disk, ...] = ()
    metadata: MetadataService | None = None
    exposures: tuple[str, ...] = ()  # "floating IP", "public IP on launch", ...
    filtering_off: tuple[str, ...] = ()  # "port security disabled", ...
    vlans: tuple[Vlan, ...] = ()
    subnets: tuple[Network, ...] = ()  # address ranges this resource carves out (a subnet, a VPC)
    scope: tuple[str, str] | None = None  # (property, URN or raw value): the project/account it is placed in
    provider_scope: str | None = None  # for a provider: the project/account it acts in
    serves: str | None = None  # for a security group: the host group it filters for (kiban's group id)
    routes: tuple[Route, ...] = ()
    links: tuple[Link, ...] = ()
    network_of: str | None = None  # for a route table: URN (or raw id) of the network (VPC) it belongs to
    notes: tuple[str, ...] = field(default=())


EMPTY = Facts()


# Address arithmetic across both IP versions: ranges of different versions never overlap.
def overlaps(a: Network, b: Network) -> bool:
    if isinstance(a, ipaddress.IPv4Network) and isinstance(b, ipaddress.IPv4Network):
        return a.overlaps(b)
    if isinstance(a, ipaddress.IPv6Network) and isinstance(b, ipaddress.IPv6Network):
        return a.overlaps(b)
    return False


def subnet_of(inner: Network, outer: Network) -> bool:
    if isinstance(inner, ipaddress.IPv4Network) and isinstance(outer, ipaddress.IPv4Network):
        return inner.subnet_of(outer)
    if isinstance(inner, ipaddress.IPv6Network) and isinstance(outer, ipaddress.IPv6Network):
        return inner.subnet_of(outer)
    return False


def exclude(network: Network, hole: Network) -> list[Network]:
    """``network`` without ``hole`` (which lies inside it)."""
    if isinstance(network, ipaddress.IPv4Network) and isinstance(hole, ipaddress.IPv4Network):
        return list(network.address_exclude(hole))
    if isinstance(network, ipaddress.IPv6Network) and isinstance(hole, ipaddress.IPv6Network):
        return list(network.address_exclude(hole))
    return [network]


def collapse(networks: Iterable[Network]) -> list[Network]:
    listed = list(networks)
    v4 = [network for network in listed if isinstance(network, ipaddress.IPv4Network)]
    v6 = [network for network in listed if isinstance(network, ipaddress.IPv6Network)]
    return [*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6)]


def parse_network(value: Any) -> Network | None:
    """An address range as a state writes it ("10.0.0.0/24", "10.0.0.5"); None for a secret, unknown or bad value."""
    if not isinstance(value, str) or is_opaque(value):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None
