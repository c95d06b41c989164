"""The hybrid city as one site's stack states it: its site, the city's sites and links, and the cross-site flows.

A site stack of a spec with sites exports, in its ``inventory`` output, the facts
of the whole city that the audit rules KB-HYB-* and KB-PRV-* and the diff findings
about sites, data classes and links read (the keys of issue 13's contract):
``site`` (this stack's site), ``sites``, ``links``, ``business_sites``,
``cross_site_flows``, and a ``data`` class on each planned flow. A stack without
``site`` in its inventory is a single-site city: ``hybrid_of`` answers None and
those rules do not apply. Every key is read tolerantly: a missing or malformed
item is left out, never guessed.

Link resources are found the way the backends name them: a resource whose
Pulumi name starts with a link id (``dc1-gc-vpn-1``), or whose AWS tag
``kiban:link`` names it; a Transit Gateway route table is ``<site>-tgw-<area>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kiban.audit.facts import Network, overlaps, parse_network
from kiban.audit.model import StackView
from kiban.audit.resource import Resource
from kiban.audit.routing import network_area
from kiban.audit.state import STACK_TYPE
from kiban.audit.values import UNKNOWN, is_opaque

# The data classes of a flow, lowest first (kiban_platform.spec.privacy.DataClass, whose order the
# inventory writes by name; the audit core does not import the spec's pydantic models).
DATA_CLASSES = ("public", "anonymized", "pseudonymized", "personal", "special_care", "my_number")
PERSONAL, MY_NUMBER, ANONYMIZED = "personal", "my_number", "anonymized"
ON_PREM, GOVERNMENT_CLOUD, PUBLIC_CLOUD = "on_prem", "government_cloud", "public_cloud"
GOVERNMENT_CLOUD_REGIONS = frozenset({"ap-northeast-1", "ap-northeast-3"})  # Tokyo and Osaka

VPN_CONNECTION = "aws:ec2/vpnConnection:VpnConnection"
SITE_CONNECTION = "openstack:vpnaas/siteConnection:SiteConnection"
IKE_POLICY = "openstack:vpnaas/ikePolicy:IkePolicy"
IPSEC_POLICY = "openstack:vpnaas/ipSecPolicy:IpSecPolicy"
ENDPOINT_GROUP = "openstack:vpnaas/endpointGroup:EndpointGroup"
TRANSIT_GATEWAY = "aws:ec2transitgateway/transitGateway:TransitGateway"
TGW_ROUTE_TABLE = "aws:ec2transitgateway/routeTable:RouteTable"
TGW_ASSOCIATION = "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation"
TGW_PROPAGATION = "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation"
TGW_ROUTE = "aws:ec2transitgateway/route:Route"
TGW_VPC_ATTACHMENT = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
DX_ASSOCIATION = "aws:directconnect/gatewayAssociation:GatewayAssociation"
VPN_TYPES = frozenset({VPN_CONNECTION, SITE_CONNECTION})
LINK_TAG, AREA_TAG = "kiban:link", "kiban:area"
_MEMO = "hybrid.city"


def rank(data: Any) -> int | None:
    """A data class's place in the order (public 0 … my_number 5); None for no class or an unknown word."""
    return DATA_CLASSES.index(data) if isinstance(data, str) and data in DATA_CLASSES else None


def at_least(data: Any, floor: str) -> bool:
    found = rank(data)
    return found is not None and found >= DATA_CLASSES.index(floor)


@dataclass(frozen=True)
class SiteInfo:
    id: str
    kind: str | None
    target: str | None
    region: str | None
    ceiling: str | None  # the effective highest data class the site may hold
    areas: dict[str, Network]  # the block of each area the site carries


@dataclass(frozen=True)
class LinkInfo:
    id: str
    between: tuple[str, ...]
    carrier: str | None
    transport: str | None
    encryption: str | None
    areas: tuple[str, ...]
    initiated_by: str | None
    tunnels: int | None
    outside_cidr: str | None = None  # IPsec over Direct Connect: the block the tunnel endpoints come from


@dataclass(frozen=True)
class FlowEnd:
    site: str | None
    area: str | None
    end: str | None  # kiban's label of the endpoint: "integration_hub@internet", "juki/app", "public_service:…"


@dataclass(frozen=True)
class CrossingFlow:
    """One cross-site flow of the city (inventory ``cross_site_flows``)."""

    flow: str
    source: FlowEnd
    destination: FlowEnd
    ports: tuple[str, ...]
    one_way: bool | None
    data: str | None
    basis: str | None
    link: str | None

    def touches(self, site: str) -> bool:
        return site in (self.source.site, self.destination.site)

    @property
    def label(self) -> str:
        return f"{self.flow} ({self.source.site}:{self.source.end} → {self.destination.site}:{self.destination.end})"


@dataclass(frozen=True)
class HybridCity:
    """What a site stack's inventory says about the city around it."""

    site: str
    sites: dict[str, SiteInfo]
    links: dict[str, LinkInfo]
    business_sites: dict[str, str]
    crossings: tuple[CrossingFlow, ...]
    flows: tuple[Mapping[str, Any], ...]  # the inventory's planned flows, each with its data class
    hosts: tuple[Mapping[str, Any], ...]
    area_levels: Mapping[str, str] = field(default_factory=dict)  # every area of the city -> its level

    @property
    def here(self) -> SiteInfo | None:
        return self.sites.get(self.site)

    def kind(self, site: str | None) -> str | None:
        info = self.sites.get(site) if site is not None else None
        return info.kind if info is not None else None

    def links_here(self) -> list[LinkInfo]:
        return [link for link in self.links.values() if self.site in link.between]

    def link_of(self, resource: Resource) -> LinkInfo | None:
        """The link a resource belongs to: its ``kiban:link`` tag, else the longest link id its name starts with."""
        tags = _tags(resource)
        tagged = tags.get(LINK_TAG)
        if isinstance(tagged, str) and tagged in self.links:
            return self.links[tagged]
        name = resource.name
        matching = [link for link in self.links.values() if name == link.id or name.startswith(f"{link.id}-")]
        return max(matching, key=lambda link: len(link.id)) if matching else None

    def public_cloud_networks(self) -> list[Network]:
        """The addresses of public-cloud sites: their area blocks (``sites[].areas``) and planned far ends there."""
        found: list[Network] = [
            network for site in self.sites.values() if site.kind == PUBLIC_CLOUD for network in site.areas.values()
        ]
        for flow in self.flows:
            for key in ("from", "to"):
                end = flow.get(key)
                if isinstance(end, Mapping) and self.kind(_text(end.get("site"))) == PUBLIC_CLOUD:
                    network = parse_network(end.get("cidr"))
                    if network is not None and network not in found:
                        found.append(network)
        return found

    def ports_of(self, group: str | None) -> set[str] | None:
        """The ports the inventory's hosts of a host group declare; None when no host of that group is listed."""
        found: set[str] | None = None
        for host in self.hosts:
            if group is not None and host.get("group") == group:
                found = (found or set()) | set(_texts(host.get("ports")))
        return found


def hybrid_of(view: StackView) -> HybridCity | None:
    """The hybrid facts of a site stack; None for a single-site stack (no ``site`` in its inventory)."""
    if _MEMO in view.memo:
        cached: HybridCity | None = view.memo[_MEMO]
        return cached
    inventory = view.stack_outputs.get("inventory")
    city = _read(inventory) if isinstance(inventory, Mapping) else None
    view.memo[_MEMO] = city
    return city


def _read(inventory: Mapping[str, Any]) -> HybridCity | None:
    site = _text(inventory.get("site"))
    if site is None:
        return None
    sites: dict[str, SiteInfo] = {}
    for item in _records(inventory.get("sites")):
        identifier = _text(item.get("id"))
        if identifier is not None:
            blocks = item.get("areas")
            areas = {
                str(area): network
                for area, block in (blocks.items() if isinstance(blocks, Mapping) else ())
                if (network := parse_network(block)) is not None
            }
            sites[identifier] = SiteInfo(
                identifier,
                _text(item.get("kind")),
                _text(item.get("target")),
                _text(item.get("region")),
                _text(item.get("ceiling")),
                areas,
            )
    links: dict[str, LinkInfo] = {}
    for item in _records(inventory.get("links")):
        identifier = _text(item.get("id"))
        if identifier is None:
            continue
        tunnels = item.get("tunnels")
        links[identifier] = LinkInfo(
            identifier,
            tuple(_texts(item.get("between"))),
            _text(item.get("carrier")),
            _text(item.get("transport")),
            _text(item.get("encryption")),
            tuple(_texts(item.get("areas"))),
            _text(item.get("initiated_by")),
            tunnels if isinstance(tunnels, int) and not isinstance(tunnels, bool) else None,
            _text(item.get("outside_cidr")),
        )
    raw_sites = inventory.get("business_sites")
    business_sites = (
        {str(key): value for key, value in raw_sites.items() if isinstance(value, str)}
        if isinstance(raw_sites, Mapping)
        else {}
    )
    return HybridCity(
        site,
        sites,
        links,
        business_sites,
        tuple(crossing for crossing in map(_crossing, _records(inventory.get("cross_site_flows"))) if crossing),
        tuple(_records(inventory.get("flows"))),
        tuple(_records(inventory.get("hosts"))),
        _text_map(inventory.get("area_levels")),
    )


def _text_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(key): item for key, item in value.items() if isinstance(item, str)}


def _crossing(item: Mapping[str, Any]) -> CrossingFlow | None:
    flow = _text(item.get("flow"))
    if flow is None:
        return None
    one_way = item.get("one_way")
    return CrossingFlow(
        flow,
        _end(item.get("from")),
        _end(item.get("to")),
        tuple(_texts(item.get("ports"))),
        one_way if isinstance(one_way, bool) else None,
        _text(item.get("data")),
        _text(item.get("basis")),
        _text(item.get("link")),
    )


def _end(value: Any) -> FlowEnd:
    if not isinstance(value, Mapping):
        return FlowEnd(None, None, None)
    return FlowEnd(_text(value.get("site")), _text(value.get("area")), _text(value.get("end")))


def _records(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _texts(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _tags(resource: Resource) -> Mapping[str, Any]:
    tags = resource.inputs.get("tags")
    return tags if isinstance(tags, Mapping) else {}


# -- reading resources ---------------------------------------------------------------------------------


def setting(resource: Resource, key: str) -> Any:
    """An input (else the provider's output) that is neither secret nor unknown; None when absent or opaque."""
    for source in (resource.inputs, resource.outputs):
        if key in source:
            value = source[key]
            return None if is_opaque(value) else value
    return None


def unknown(resource: Resource, key: str) -> bool:
    """Whether a setting is not known yet (CrossGuard during a preview): never judged, neither absent nor weak."""
    for source in (resource.inputs, resource.outputs):
        if key in source:
            return source[key] is UNKNOWN
    return False


def stack_urn(view: StackView) -> str | None:
    """The stack resource: where a verdict about the stack as a whole (its inventory) points."""
    for resource in view.resources.values():
        if resource.type == STACK_TYPE:
            return resource.urn
    return None


def of_type(view: StackView, *types: str) -> list[Resource]:
    return [resource for resource in view.resources.values() if resource.type in types]


def link_resources(view: StackView, city: HybridCity, link: LinkInfo, types: Iterable[str]) -> list[Resource]:
    wanted = frozenset(types)
    return [
        resource for resource in view.resources.values() if resource.type in wanted and city.link_of(resource) == link
    ]


def table_area(view: StackView, city: HybridCity, table: Resource) -> str | None:
    """The area of a Transit Gateway route table: its SecurityArea, its ``kiban:area`` tag, or ``<site>-tgw-<area>``."""
    area = view.area_of(table.urn)
    if area is not None:
        return area
    tagged = _tags(table).get(AREA_TAG)
    if isinstance(tagged, str) and tagged:
        return tagged
    for known in view.topology.areas:
        if table.name in (f"{city.site}-tgw-{known}",):
            return known
    return None


def link_blocks(view: StackView, city: HybridCity, link: LinkInfo) -> list[Network]:
    """This site's blocks of the areas a link may carry: the site's declared blocks, else the area map's."""
    here = city.here
    found: list[Network] = []
    for area in sorted(local_areas(view, link)):
        declared = here.areas.get(area) if here is not None else None
        if declared is not None:
            found.append(declared)
        elif area in view.topology.areas:
            found += view.topology.areas[area].networks
    return found


def local_areas(view: StackView, link: LinkInfo) -> frozenset[str]:
    """The link's areas this site carries (all of them when the stack has no area map)."""
    known = set(view.topology.areas)
    return frozenset(area for area in link.areas if not known or area in known)


@dataclass(frozen=True)
class Attachment:
    """A Transit Gateway attachment as the audit places it: the resource behind it and the areas it serves."""

    urn: str | None
    label: str
    areas: frozenset[str]


def attachments(view: StackView, city: HybridCity) -> dict[str, Attachment]:
    """Attachment id (and resource URN) -> the attachment: VPC attachments, VPN connections, DX associations."""
    found: dict[str, Attachment] = {}
    for resource in view.resources.values():
        if resource.type == TGW_VPC_ATTACHMENT:
            vpc = view.ref(resource, "vpcId", resource.inputs.get("vpcId"))
            area = network_area(view, vpc)
            entry = Attachment(resource.urn, f"VPC attachment {resource.name}", frozenset({area} if area else ()))
            keys = [resource.urn, resource.id]
        elif resource.type in (VPN_CONNECTION, DX_ASSOCIATION):
            link = city.link_of(resource)
            if link is None:
                continue
            kind = "VPN connection" if resource.type == VPN_CONNECTION else "Direct Connect association"
            entry = Attachment(resource.urn, f"{kind} {resource.name} (link {link.id})", local_areas(view, link))
            keys = [resource.urn, _text(setting(resource, "transitGatewayAttachmentId"))]
        else:
            continue
        for key in keys:
            if key:
                found[key] = entry
    return found


def attachment_of(
    view: StackView, city: HybridCity, known: Mapping[str, Attachment], resource: Resource
) -> Attachment | None:
    """The attachment an association, propagation or route names: by reference, by id, or by its own link name."""
    value = resource.inputs.get("transitGatewayAttachmentId")
    target = view.ref(resource, "transitGatewayAttachmentId", value)
    if target is not None and target in known:
        return known[target]
    if isinstance(value, str) and value in known:
        return known[value]
    link = city.link_of(resource)
    if link is not None:
        return Attachment(None, f"the attachment of link {link.id}", local_areas(view, link))
    return None


def route_table_of(view: StackView, resource: Resource) -> Resource | None:
    target = view.ref(resource, "transitGatewayRouteTableId", resource.inputs.get("transitGatewayRouteTableId"))
    table = view.resources.get(target) if target is not None else None
    return table if table is not None and table.type == TGW_ROUTE_TABLE else None


def overlaps_any(network: Network, others: Iterable[Network]) -> bool:
    return any(overlaps(network, other) for other in others)
