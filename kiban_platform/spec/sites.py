"""The hybrid city (ハイブリッドクラウド): the sites a spec spans, the links between them, public services.

A spec without ``sites`` is one implicit site, exactly as before; with them, each site names its
kind, its target and the block of each area it carries, and every flow between sites needs a link
that carries both ends' areas. These models check shape only; the rules that need the whole spec
live in ``spec.hybrid_checks``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from ipaddress import IPv4Address
from typing import Annotated

from pydantic import Field, StringConstraints

from kiban_platform.spec.fields import Cidr, Identifier, LinkCidr, StrictModel, Text, VlanId
from kiban_platform.spec.privacy import DataClass, Handling
from kiban_platform.spec.roles import MiddlewareRole

# The availability zones of the Government Cloud regions, as every account created since November 2025
# sees them (AWS, "AWS Availability Zones", docs.aws.amazon.com/global-infrastructure/latest/regions/
# aws-availability-zones.html: Tokyo apne1-az1, -az2, -az4; Osaka apne3-az1, -az2, -az3; and
# `aws ec2 describe-availability-zones`). Tokyo's ap-northeast-1b (apne1-az3) is offered only to
# accounts opened before 2018 and takes no new instance types, so it is refused like any name
# outside this table. It lives with the sites because a cloud site's failure domains are its
# region's zones (``network.sites.site_view``); the AWS target checks zone names against it too.
AVAILABILITY_ZONES: dict[str, tuple[str, ...]] = {
    "ap-northeast-1": ("ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"),
    "ap-northeast-3": ("ap-northeast-3a", "ap-northeast-3b", "ap-northeast-3c"),
}
ZONE_NAME = re.compile(r"^(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$")


def region_of_zone(zone: str) -> str | None:
    """ "ap-northeast-1a" -> "ap-northeast-1"; None when the text is not a zone name."""
    match = ZONE_NAME.match(zone)
    return match["region"] if match else None


class SiteKind(StrEnum):
    ON_PREM = "on_prem"  # the city's own data centre
    GOVERNMENT_CLOUD = "government_cloud"  # ガバメントクラウド (Digital Agency)
    PUBLIC_CLOUD = "public_cloud"  # a commercial cloud outside the city's own sites


class Target(StrEnum):
    """Where kiban builds a site: the same names as a stack's ``kiban:target``."""

    OPENSTACK = "openstack"
    AWS = "aws"


class Carrier(StrEnum):
    """The line a link runs on; it is procured outside IaC, kiban declares what terminates it."""

    LGWAN = "lgwan"  # LGWAN / LGCS (総合行政ネットワーク)
    CLOSED_LINE = "closed_line"  # a dedicated or carrier closed network (閉域網)
    INTERNET = "internet"


class Transport(StrEnum):
    DIRECT_CONNECT = "direct_connect"  # AWS Direct Connect: a transit VIF on the city's connections
    IPSEC_VPN = "ipsec_vpn"  # a site-to-site IPsec VPN


class Encryption(StrEnum):
    IPSEC = "ipsec"  # an IPsec VPN (over Direct Connect: a private-IP VPN)
    MACSEC = "macsec"  # MACsec on a dedicated Direct Connect connection
    NONE = "none"  # Direct Connect and closed lines are not encrypted by default


# The highest data class each kind of site may hold unless the site says otherwise (``ceiling``).
# - on_prem: the city's own data centre holds everything, 特定個人情報 included (三層の対策 α).
# - government_cloud: built for the 20 standard businesses and their 特定個人情報 (標準化法), in
#   Japanese regions only, the provider kept out of the data by the Digital Agency's terms.
# - public_cloud: nothing that can be tied back to a person by default; a site may raise its
#   ceiling to personal data (never 特定個人情報: 番号法第19条 lists the only provisions allowed)
#   by declaring how the provider stands towards it (``handling``: クラウド例外 or 委託).
SITE_KIND_CEILINGS: dict[SiteKind, DataClass] = {
    SiteKind.ON_PREM: DataClass.MY_NUMBER,
    SiteKind.GOVERNMENT_CLOUD: DataClass.MY_NUMBER,
    SiteKind.PUBLIC_CLOUD: DataClass.ANONYMIZED,
}

Asn = Annotated[int, Field(ge=1, le=4294967294, description="BGP autonomous system number")]


class Site(StrictModel):
    """One place the platform runs: the city's data centre, a Government Cloud tenancy, a public cloud."""

    id: Identifier
    kind: SiteKind
    target: Target = Field(description="where kiban builds it (a stack's kiban:target): openstack or aws")
    region: Text | None = Field(
        default=None,
        min_length=1,
        description="the target's region: required for aws (e.g. ap-northeast-1); an OpenStack region if it has one",
    )
    operator: Text | None = Field(default=None, min_length=1, description="who runs this site (運用管理補助者, vendor)")
    areas: dict[Identifier, Cidr] = Field(
        min_length=1,
        description="each area the site carries, with its block: inside the area's supernet, disjoint from other sites",
    )
    ceiling: DataClass | None = Field(
        default=None,
        description="the highest data class the site may hold (default by kind: on_prem and government_cloud "
        "my_number, public_cloud anonymized)",
    )
    handling: Handling | None = Field(
        default=None,
        description="public_cloud above anonymized: how the provider stands towards the data "
        "(cloud_exception: クラウド例外, entrustment: 委託)",
    )
    asn: Asn | None = Field(
        default=None,
        description="the site's BGP number: the on-prem router's, or the Transit Gateway's on AWS "
        "(64512-65534 or 4200000000-4294967294)",
    )

    @property
    def effective_ceiling(self) -> DataClass:
        return self.ceiling if self.ceiling is not None else SITE_KIND_CEILINGS[self.kind]


class Tunnel(StrictModel):
    """One IPsec tunnel of a link; AWS makes every VPN connection of exactly two."""

    inside_cidr: LinkCidr = Field(description="a /30 inside 169.254.0.0/16 (not one AWS reserves)")
    subnet: MiddlewareRole | None = Field(
        default=None,
        description="the middleware role whose platform subnet this tunnel reaches at the link's OpenStack end; "
        "needed when the link's flows reach several there (two tunnels per subnet: Neutron offers one security "
        "association per local subnet, and an AWS tunnel holds one)",
    )


DX_CONNECTION_PATTERN = r"^dx(con|lag)-[a-z0-9]{8,17}$"


class DirectConnectConnection(StrictModel):
    """A Direct Connect connection the city already has (ordered outside IaC) and the VLAN of its VIF."""

    id: Annotated[str, StringConstraints(pattern=DX_CONNECTION_PATTERN)] = Field(
        description="the connection (dxcon-...) or LAG (dxlag-...) id"
    )
    vlan: VlanId


class DirectConnect(StrictModel):
    """The AWS side of a Direct Connect link: the connections its transit VIFs ride, and the gateway's ASN."""

    connections: list[DirectConnectConnection] = Field(
        min_length=1, max_length=4, description="one transit VIF on each; two for a redundant link"
    )
    gateway_asn: Asn = Field(description="the Direct Connect gateway's Amazon-side ASN")
    outside_cidr: Cidr | None = Field(
        default=None,
        description="with encryption ipsec: the Transit Gateway CIDR block the private-IP VPN's outside "
        "(tunnel endpoint) addresses come from, /24 or wider, outside every area; the only prefix the "
        "Direct Connect advertises, so the areas are reached through the tunnels alone",
    )


class Link(StrictModel):
    """A path between two sites, and the only areas whose prefixes it carries (クラウド間連携)."""

    id: Identifier
    between: list[Identifier] = Field(min_length=2, max_length=2, description="the two sites it joins")
    carrier: Carrier
    transport: Transport
    encryption: Encryption
    areas: list[Identifier] = Field(min_length=1, description="areas whose prefixes cross it; no other area does")
    tunnels: list[Tunnel] = Field(
        default_factory=list, description="with encryption ipsec: exactly two, each with its inside /30"
    )
    initiated_by: Identifier | None = Field(
        default=None, description="the one site that opens the tunnels; the other only responds (default: both)"
    )
    direct_connect: DirectConnect | None = Field(
        default=None, alias="dx", description="with transport direct_connect: the connections and gateway ASN"
    )
    addresses: dict[Identifier, IPv4Address] = Field(
        default_factory=dict,
        description="site id -> the outside address that end terminates its tunnels on (an AWS customer "
        "gateway's address): required with encryption ipsec for an openstack end; private over Direct "
        "Connect, public over the internet",
    )


class PublicService(StrictModel):
    """A service on a public cloud (e.g. 住民ポータル) that may only call into the city, one way."""

    id: Identifier
    name: Text = Field(min_length=1, description="Japanese name, e.g. 住民ポータル")
    name_en: Text = Field(min_length=1)
    vendor: Text | None = Field(default=None, min_length=1)
    site: Identifier = Field(description="a public_cloud site")
    area: Identifier | None = Field(default=None, description="the site's area it sits in (default: its only one)")
    cidr: Cidr | None = Field(default=None, description="its addresses inside that area's block (default: the block)")
