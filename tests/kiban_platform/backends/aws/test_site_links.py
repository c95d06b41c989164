"""``site_links`` of the AWS target alone: each AWS site of the hybrid sample, from area handles made in the test.

The Transit Gateway joins nothing by default; each area has its own route table; Direct Connect
advertises the link's area block only; every VPN has the strong proposals, narrowed selectors and
secret keys; a public service gets exactly its cross-site rules; a site without links makes nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from kiban.mock_runtime import Registration
from kiban_platform.backends import TargetError, create_backend
from kiban_platform.backends.aws.groups import ZoneSubnet
from kiban_platform.backends.aws.network import AwsAreaNetwork
from kiban_platform.backends.handles import AreaNetwork, Zones
from kiban_platform.network.sites import PlannedLink, plan_links, site_view
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import MiddlewareRole, PlatformSpec
from kiban_platform.spec.sites import Encryption, Transport
from tests.conftest import FOUR_SITE_SPEC, REPO
from tests.kiban_platform.components.alone import inputs, of_type, run_alone

HYBRID = REPO / "specs" / "sample-hybrid.yaml"
ZONES = Zones({"ch1": "ap-northeast-1a", "ch2": "ap-northeast-1c"})
TGW = "aws:ec2transitgateway/transitGateway:TransitGateway"
TABLE = "aws:ec2transitgateway/routeTable:RouteTable"
ATTACHMENT = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
ASSOCIATION = "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation"
PROPAGATION = "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation"
TGW_ROUTE = "aws:ec2transitgateway/route:Route"
DX_GATEWAY = "aws:directconnect/gateway:Gateway"
DX_ASSOCIATION = "aws:directconnect/gatewayAssociation:GatewayAssociation"
VIF = "aws:directconnect/transitVirtualInterface:TransitVirtualInterface"
CUSTOMER_GATEWAY = "aws:ec2/customerGateway:CustomerGateway"
VPN = "aws:ec2/vpnConnection:VpnConnection"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


@dataclass(frozen=True)
class Built:
    registrations: dict[str, Registration]
    exported: dict[str, Any]
    links: tuple[PlannedLink, ...]

    def of(self, type_: str) -> dict[str, Registration]:
        return of_type(self.registrations, type_)


def _areas(spec: PlatformSpec, site: str, parent: pulumi.Resource, extra: Sequence[str] = ()) -> dict[str, AreaNetwork]:
    """Area handles as ``security_area`` makes them: a VPC each, and a hub subnet where the area has middleware."""
    view = site_view(spec, site)
    chosen = [*view.areas, *(area for area in spec.areas if area.id in extra)]
    areas: dict[str, AreaNetwork] = {}
    for area in chosen:
        vpc = aws.ec2.Vpc(area.id, cidr_block=str(area.supernet))
        platform: dict[MiddlewareRole, tuple[ZoneSubnet, ...]] = {}
        if spec.middleware.in_area(MiddlewareRole.INTEGRATION_HUB, area.id):
            block = next(area.supernet.subnets(new_prefix=26))
            subnet = aws.ec2.Subnet(f"{area.id}-hub", vpc_id=vpc.id, cidr_block=str(block))
            platform[MiddlewareRole.INTEGRATION_HUB] = (
                ZoneSubnet(f"{area.id}-hub", "ch1", "ap-northeast-1a", block, subnet),
            )
        areas[area.id] = AwsAreaNetwork(area, {}, vpc, parent, platform, ZONES)
    return areas


def _build(
    spec: PlatformSpec, site: str, links: Sequence[PlannedLink] | None = None, extra: Sequence[str] = ()
) -> Built:
    planned = plan_links(spec, site) if links is None else tuple(links)
    backend = create_backend("aws", {})
    exported: dict[str, Any] = {}

    def build() -> None:
        parent = pulumi.ComponentResource("kiban:hybrid:SiteLinks", "links")
        made = backend.site_links(parent, planned, _areas(spec, site, parent, extra), {})
        pulumi.export("links", made)
        pulumi.Output.from_input(made).apply(exported.update)

    return Built(run_alone(build), exported, planned)


@pytest.fixture(scope="module")
def spec() -> PlatformSpec:
    return load_spec(HYBRID)


@pytest.fixture(scope="module")
def gc(spec: PlatformSpec) -> Built:
    return _build(spec, "gc")


@pytest.fixture(scope="module")
def portal(spec: PlatformSpec) -> Built:
    return _build(spec, "portal")


def test_one_transit_gateway_per_site_that_joins_nothing_by_default(gc: Built, portal: Built) -> None:
    for built, site, asn in ((gc, "gc", 64512), (portal, "portal", 64513)):
        gateways = built.of(TGW)
        assert list(gateways) == [f"{site}-tgw"]
        given = inputs(gateways[f"{site}-tgw"])
        assert given["defaultRouteTableAssociation"] == "disable"
        assert given["defaultRouteTablePropagation"] == "disable"
        assert given["amazonSideAsn"] == asn
        assert given["dnsSupport"] == "enable"
        assert given["vpnEcmpSupport"] == "enable"
        assert given["tags"]["kiban:site"] == site


def _table_id(built: Built, name: str) -> str:
    return built.registrations[next(u for u in built.registrations if u.endswith(f"::{name}") and TABLE in u)].id


def test_each_area_and_each_link_has_its_own_table_and_the_vpc_is_attached_to_its_areas(gc: Built) -> None:
    tables = gc.of(TABLE)
    assert list(tables) == ["gc-tgw-mynumber", "gc-tgw-dc1-gc"]
    link_tags = inputs(tables["gc-tgw-dc1-gc"])["tags"]
    assert (link_tags["kiban:area"], link_tags["kiban:link"]) == ("mynumber", "dc1-gc")
    attachment = inputs(gc.of(ATTACHMENT)["gc-tgw-mynumber"])
    assert attachment["transitGatewayDefaultRouteTableAssociation"] is False
    assert attachment["transitGatewayDefaultRouteTablePropagation"] is False
    assert len(attachment["subnetIds"]) == 1  # the hub's platform subnet, one per zone
    area_table, link_table = _table_id(gc, "gc-tgw-mynumber"), _table_id(gc, "gc-tgw-dc1-gc")
    # dc1-gc's four VPN connections (one per platform subnet it reaches at dc1) and the area's VPC.
    vpns = [
        "dc1-gc-mynumber",
        "dc1-gc-mynumber-job_management",
        "dc1-gc-mynumber-monitoring",
        "dc1-gc-mynumber-time_name",
    ]
    associations = {name: inputs(r)["transitGatewayRouteTableId"] for name, r in gc.of(ASSOCIATION).items()}
    # What arrives over the link is routed by the link's table; what leaves the VPC by the area's.
    assert associations == {name: link_table for name in vpns} | {"gc-tgw-mynumber": area_table}
    propagations = {name: inputs(r)["transitGatewayRouteTableId"] for name, r in gc.of(PROPAGATION).items()}
    # The link's table learns the area's VPC only; the area's table learns the VPC and the link.
    assert propagations == {name: area_table for name in vpns} | {
        "gc-tgw-mynumber": area_table,
        "gc-tgw-dc1-gc-mynumber": link_table,
    }


def test_other_areas_blocks_are_blackholed_in_each_areas_and_links_table(spec: PlatformSpec) -> None:
    built = _build(spec, "gc", extra=["lgwan"])
    blackholes = {name: inputs(r) for name, r in built.of(TGW_ROUTE).items() if inputs(r).get("blackhole")}
    assert {name: route["destinationCidrBlock"] for name, route in blackholes.items()} == {
        "gc-tgw-mynumber-blackhole-lgwan": "10.20.0.0/16",
        "gc-tgw-lgwan-blackhole-mynumber": "10.11.0.0/16",
        "gc-tgw-dc1-gc-blackhole-lgwan": "10.20.0.0/16",
    }


def test_a_cloud_joined_to_two_data_centres_is_no_transit_between_them() -> None:
    """Issue 21: the Government Cloud's My Number table held both data centres' links and routed one into the other."""
    four = load_spec(FOUR_SITE_SPEC)
    built = _build(four, "gc")
    tables = {name: r.id for name, r in built.of(TABLE).items()}
    assert list(tables) == ["gc-tgw-mynumber", "gc-tgw-dc1-gc", "gc-tgw-dc2-gc"]
    attachments = {link: built.exported[link]["transit_gateway_attachment_id"] for link in ("dc1-gc", "dc2-gc")}
    associated = {
        inputs(r)["transitGatewayAttachmentId"]: inputs(r)["transitGatewayRouteTableId"]
        for r in built.of(ASSOCIATION).values()
    }
    routes = [inputs(r) for r in built.of(TGW_ROUTE).values() if not inputs(r).get("blackhole")]
    for link, attachment in attachments.items():
        entered = associated[attachment]
        assert entered == tables[f"gc-tgw-{link}"]
        # From a data centre's link: no route at all to any link (only the propagated VPC, the area's block here).
        assert [route for route in routes if route["transitGatewayRouteTableId"] == entered] == []
        learned = [
            inputs(r) for r in built.of(PROPAGATION).values() if inputs(r)["transitGatewayRouteTableId"] == entered
        ]
        assert [p["transitGatewayAttachmentId"] for p in learned] == [built.of(ATTACHMENT)["gc-tgw-mynumber"].id]
    # The area's own table reaches each data centre through its own link.
    area_routes = {
        route["destinationCidrBlock"]: route["transitGatewayAttachmentId"]
        for route in routes
        if route["transitGatewayRouteTableId"] == tables["gc-tgw-mynumber"]
    }
    assert set(area_routes.values()) == set(attachments.values())


def test_ipsec_over_direct_connect_advertises_only_the_tunnels_outside_block(gc: Built) -> None:
    gateway = inputs(gc.of(DX_GATEWAY)["dc1-gc-dxgw"])
    assert gateway["amazonSideAsn"] == "64600"
    association = inputs(gc.of(DX_ASSOCIATION)["dc1-gc-dxgw-association"])
    # Never the area's block: the My Number area is reached through the tunnels alone.
    assert association["allowedPrefixes"] == ["172.16.200.0/24"]
    assert inputs(gc.of(TGW)["gc-tgw"])["transitGatewayCidrBlocks"] == ["172.16.200.0/24"]
    tgw = next(r for r in gc.registrations.values() if r.type == TGW)
    assert association["associatedGatewayId"] == tgw.id
    vifs = {name: inputs(r) for name, r in gc.of(VIF).items()}
    assert {(v["connectionId"], v["vlan"], v["bgpAsn"], v["addressFamily"]) for v in vifs.values()} == {
        ("dxcon-ffa1b2c3", 101, 65010, "ipv4"),
        ("dxcon-ffd4e5f6", 102, 65010, "ipv4"),
    }


def test_ipsec_over_direct_connect_is_a_private_vpn_on_the_dx_attachment(gc: Built) -> None:
    vpn = inputs(gc.of(VPN)["dc1-gc-vpn"])
    assert vpn["outsideIpAddressType"] == "PrivateIpv4"
    # The data source's answer under the mock runtime: a deterministic id, derived from its arguments.
    assert vpn["transportTransitGatewayAttachmentId"]
    again = _build(load_spec(HYBRID), "gc")
    assert (
        inputs(again.of(VPN)["dc1-gc-vpn"])["transportTransitGatewayAttachmentId"]
        == vpn["transportTransitGatewayAttachmentId"]
    )
    customer = inputs(gc.of(CUSTOMER_GATEWAY)["dc1-gc-cgw"])
    assert customer["ipAddress"] == "172.16.10.1"
    assert customer["bgpAsn"] == "65010"
    assert customer["type"] == "ipsec.1"


def test_every_vpn_is_ikev2_aes256_sha2_dh14_up_with_narrowed_selectors(gc: Built, portal: Built) -> None:
    # At the OpenStack peer, the one platform subnet each connection reaches; here, the area's block.
    cases = (
        (gc, "dc1-gc-vpn", "10.10.0.128/25", "10.11.0.0/16"),
        (gc, "dc1-gc-vpn-monitoring", "10.10.2.0/25", "10.11.0.0/16"),
        (gc, "dc1-gc-vpn-job_management", "10.10.0.0/25", "10.11.0.0/16"),
        (gc, "dc1-gc-vpn-time_name", "10.10.2.128/25", "10.11.0.0/16"),
        (portal, "portal-dc1-vpn", "10.30.0.128/25", "10.130.0.0/20"),
    )
    assert sorted(gc.of(VPN)) == sorted(name for built, name, _, _ in cases if built is gc)
    for built, name, peer_block, own_block in cases:
        vpn = inputs(built.of(VPN)[name])
        assert vpn["localIpv4NetworkCidr"] == peer_block
        assert vpn["remoteIpv4NetworkCidr"] == own_block
        assert vpn["staticRoutesOnly"] is True
        for tunnel in (1, 2):
            prefix = f"tunnel{tunnel}"
            assert vpn[f"{prefix}IkeVersions"] == ["ikev2"]
            for phase in (1, 2):
                assert set(vpn[f"{prefix}Phase{phase}EncryptionAlgorithms"]) <= {"AES256", "AES256-GCM-16"}
                assert set(vpn[f"{prefix}Phase{phase}IntegrityAlgorithms"]) <= {"SHA2-256", "SHA2-384", "SHA2-512"}
                groups = vpn[f"{prefix}Phase{phase}DhGroupNumbers"]
                assert groups and min(groups) >= 14
    assert [inputs(portal.of(VPN)["portal-dc1-vpn"])[f"tunnel{n}InsideCidr"] for n in (1, 2)] == [
        "169.254.20.0/30",
        "169.254.20.4/30",
    ]


def test_the_side_that_dials_starts_its_tunnels(spec: PlatformSpec, portal: Built) -> None:
    vpn = inputs(portal.of(VPN)["portal-dc1-vpn"])
    assert vpn["tunnel1StartupAction"] == vpn["tunnel2StartupAction"] == "start"
    responder = [replace(planned, dials=False) for planned in plan_links(spec, "portal")]
    quiet = inputs(_build(spec, "portal", responder).of(VPN)["portal-dc1-vpn"])
    assert quiet["tunnel1StartupAction"] == quiet["tunnel2StartupAction"] == "add"


def test_an_internet_vpn_is_public_and_joins_its_areas_table_with_a_route_to_the_peer(portal: Built) -> None:
    vpn = inputs(portal.of(VPN)["portal-dc1-vpn"])
    assert vpn["outsideIpAddressType"] == "PublicIpv4"
    assert "transportTransitGatewayAttachmentId" not in vpn or vpn["transportTransitGatewayAttachmentId"] is None
    assert inputs(portal.of(CUSTOMER_GATEWAY)["portal-dc1-cgw"])["ipAddress"] == "203.0.113.10"
    assert portal.of(DX_GATEWAY) == {}
    route = inputs(portal.of(TGW_ROUTE)["portal-dc1-to-10.30.0.128-25"])
    assert route["destinationCidrBlock"] == "10.30.0.128/25"  # dc1's internet-area hub, all the tunnels select
    assert route["transitGatewayAttachmentId"] == portal.exported["portal-dc1"]["transit_gateway_attachment_id"]
    # An area without middleware gets its own attachment subnets, one per zone.
    assert len(inputs(portal.of(ATTACHMENT)["portal-tgw-public"])["subnetIds"]) == len(ZONES.by_chassis)


def test_the_export_gives_the_peer_each_tunnels_address_and_a_secret_key(gc: Built) -> None:
    export = gc.exported["dc1-gc"]
    assert export["peer"] == "dc1"
    # Every declared tunnel, in the spec's order, whichever VPN connection holds it.
    assert [tunnel["inside_cidr"] for tunnel in export["tunnels"]] == [f"169.254.10.{4 * n}/30" for n in range(8)]
    # A private-IP VPN over Direct Connect: AWS takes the outside addresses from the Transit Gateway block the
    # Direct Connect gateway advertises (dx.outside_cidr), never from the internet's.
    outside = ipaddress.ip_network("172.16.200.0/24")
    addresses = [ipaddress.ip_address(tunnel["outside_address"]) for tunnel in export["tunnels"]]
    assert all(address in outside for address in addresses), addresses
    assert len(set(addresses)) == len(addresses)  # each tunnel its own address
    assert all(tunnel["preshared_key"] for tunnel in export["tunnels"])
    assert export["transit_gateway_attachment_id"]


def test_a_vpn_over_the_internet_gets_public_outside_addresses(portal: Built) -> None:
    for tunnel in portal.exported["portal-dc1"]["tunnels"]:
        address = ipaddress.ip_address(tunnel["outside_address"])
        assert address in ipaddress.ip_network("198.51.100.0/24"), address  # TEST-NET-2: public, for documentation


def test_each_vpn_pair_holds_its_two_declared_tunnels_and_routes_its_subnet(gc: Built) -> None:
    link = next(link for link in load_spec(HYBRID).links if link.id == "dc1-gc")
    routes = {inputs(r)["destinationCidrBlock"]: inputs(r) for r in gc.of(TGW_ROUTE).values()}
    for name, role, subnet in (
        ("dc1-gc-vpn", "integration_hub", "10.10.0.128/25"),
        ("dc1-gc-vpn-monitoring", "monitoring", "10.10.2.0/25"),
        ("dc1-gc-vpn-job_management", "job_management", "10.10.0.0/25"),
        ("dc1-gc-vpn-time_name", "time_name", "10.10.2.128/25"),
    ):
        vpn = gc.of(VPN)[name]
        declared = [str(t.inside_cidr) for t in link.tunnels if t.subnet is not None and t.subnet.value == role]
        assert [inputs(vpn)[f"tunnel{n}InsideCidr"] for n in (1, 2)] == declared
        # Traffic for the subnet leaves through this connection's own attachment, and nothing else's.
        assert routes[subnet]["transitGatewayAttachmentId"] == vpn.outputs["transitGatewayAttachmentId"]
    assert "10.10.0.0/16" not in routes  # never the whole area: only what a tunnel selects


SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"  # how the engine marks a secret in the state


def test_exported_keys_are_secret_in_the_stack_outputs(gc: Built) -> None:
    stack = next(r for r in gc.registrations.values() if r.type == "pulumi:pulumi:Stack")
    tunnels = stack.outputs["links"]["dc1-gc"]["tunnels"]
    for tunnel in tunnels:
        assert SECRET_SIGNATURE in tunnel["preshared_key"]
        assert isinstance(tunnel["outside_address"], str)


def test_a_public_service_gets_exactly_its_cross_site_rules(portal: Built) -> None:
    assert list(portal.of(SECURITY_GROUP)) == ["resident-portal"]
    assert portal.of(INGRESS) == {}
    # The far ends as dc1 plans them: the integration hub of its internet area, on the flow's port only.
    hubs = {str(group.cidr) for crossing in portal.links[0].flows for group in crossing.remote_groups}
    assert hubs and all(ipaddress.IPv4Network(cidr).subnet_of(ipaddress.IPv4Network("10.30.0.0/17")) for cidr in hubs)
    egress = [inputs(rule) for rule in portal.of(EGRESS).values()]
    assert sorted(
        (rule["cidrIpv4"], rule["ipProtocol"], rule["fromPort"], rule["toPort"]) for rule in egress
    ) == sorted((cidr, "tcp", 443, 443) for cidr in hubs)
    group_id = next(r.id for r in portal.registrations.values() if r.type == SECURITY_GROUP)
    assert {rule["securityGroupId"] for rule in egress} == {group_id}


def test_a_site_without_links_makes_nothing(spec: PlatformSpec) -> None:
    built = _build(spec, "gc", links=())
    made = {r.type for r in built.registrations.values()}
    assert made == {"pulumi:pulumi:Stack", "kiban:hybrid:SiteLinks", "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet"}
    assert built.exported == {}


@pytest.mark.parametrize(
    ("site", "change", "words"),
    [
        (
            "gc",
            lambda p: replace(p, local_prefixes=(*p.local_prefixes, ("lgwan", ipaddress.ip_network("10.20.0.0/16")))),
            "one area per side",
        ),
        ("gc", lambda p: replace(p, peer=p.site), "both ends are aws sites"),
        ("portal", lambda p: replace(p, link=p.link.model_copy(update={"addresses": {}})), "addresses.dc1 is missing"),
        ("portal", lambda p: replace(p, peer=p.peer.model_copy(update={"asn": None})), "has no asn"),
        ("gc", lambda p: replace(p, site=p.site.model_copy(update={"region": "ap-northeast-3"})), "kiban:aws.region"),
    ],
    ids=["two areas on a side", "aws to aws", "no peer address", "no peer asn", "another region"],
)
def test_check_links_refuses_what_the_aws_end_cannot_build(
    spec: PlatformSpec, site: str, change: Any, words: str
) -> None:
    backend = create_backend("aws", {})
    links = [change(planned) for planned in plan_links(spec, site)]
    with pytest.raises(TargetError, match=words) as raised:
        backend.check_links(links)
    assert f"link {links[0].link.id!r}" in str(raised.value)


def test_check_links_accepts_the_sample_and_peer_outputs_are_none(spec: PlatformSpec) -> None:
    backend = create_backend("aws", {})
    for site in ("gc", "portal"):
        links = plan_links(spec, site)
        backend.check_links(links)
        assert backend.peer_outputs_needed(links) == []
    assert {p.link.transport for p in plan_links(spec, "gc")} == {Transport.DIRECT_CONNECT}
    assert {p.link.encryption for p in plan_links(spec, "portal")} == {Encryption.IPSEC}


def test_direct_connect_without_ipsec_joins_its_attachment_to_the_areas_table(spec: PlatformSpec) -> None:
    macsec = [
        replace(planned, link=planned.link.model_copy(update={"encryption": Encryption.MACSEC, "tunnels": []}))
        for planned in plan_links(spec, "gc")
    ]
    built = _build(spec, "gc", macsec)
    assert built.of(VPN) == {} and built.of(CUSTOMER_GATEWAY) == {}
    # Without IPsec the Direct Connect carries the area itself: exactly the link's area block here.
    assert inputs(built.of(DX_ASSOCIATION)["dc1-gc-dxgw-association"])["allowedPrefixes"] == ["10.11.0.0/16"]
    association = next(r for r in built.registrations.values() if r.type == DX_ASSOCIATION)
    attachment = association.outputs["transitGatewayAttachmentId"]
    assert built.exported["dc1-gc"] == {"peer": "dc1", "tunnels": [], "transit_gateway_attachment_id": attachment}
    joined = inputs(built.of(ASSOCIATION)["dc1-gc-mynumber"])
    assert joined["transitGatewayAttachmentId"] == attachment
