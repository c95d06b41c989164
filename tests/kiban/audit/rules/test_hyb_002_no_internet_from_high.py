"""KB-HYB-002: no internet path out of a high area at any site."""

from __future__ import annotations

from kiban.audit.rules.hyb_002_no_internet_from_high import RULE
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.hybrid_city import (
    ENDPOINT_GROUP,
    SITE_CONNECTION,
    TGW_ROUTE,
    TGW_TABLE,
    SiteStack,
    vpn_connection,
)
from tests.kiban.audit.rules.helpers import failures, verdicts


def _table_route(stack: SiteStack, table_name: str, route: str, destination: str, attachment: str) -> None:
    table = stack.add(TGW_TABLE, table_name, {"transitGatewayId": "tgw-0123456789abcdef0"})
    stack.add(
        TGW_ROUTE,
        route,
        {
            "transitGatewayRouteTableId": stack.export.id_of(table),
            "destinationCidrBlock": destination,
            "transitGatewayAttachmentId": attachment,
        },
        depends={"transitGatewayRouteTableId": [table]},
    )


def test_a_high_area_routed_only_to_the_other_city_site_passes() -> None:
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn")
    gc.vpc("mynumber")
    _table_route(gc, "gc-tgw-mynumber", "dc1-gc-route", "10.10.0.0/16", "tgw-attach-dc1-gc-vpn")
    assert verdicts(RULE, gc.export) == [(True, "dc1-gc-route", "")]


def test_an_internet_gateway_and_a_public_ip_in_a_high_area_fail() -> None:
    gc = SiteStack("gc")
    vpc = gc.vpc("mynumber")
    gateway = "aws:ec2/internetGateway:InternetGateway"
    gc.add(gateway, "igw", {"vpcId": gc.export.id_of(vpc)}, parent=gc.areas["mynumber"])
    gc.add("aws:ec2/eip:Eip", "hub-eip", {"domain": "vpc"}, parent=gc.areas["mynumber"])
    assert failures(RULE, gc.export) == [
        ("hub-eip", "elastic IP in the high area mynumber"),
        ("igw", "internet gateway attached to the network of the high area mynumber"),
    ]


def test_a_high_area_route_toward_the_public_cloud_fails() -> None:
    gc = SiteStack("gc")
    _table_route(gc, "gc-tgw-mynumber", "to-portal", "10.130.0.0/24", "tgw-attach-elsewhere")
    expected = [("to-portal", "route 10.130.0.0/24 in the high area mynumber's table leads to a public-cloud site")]
    assert failures(RULE, gc.export) == expected
    # Without the sites' blocks, a planned flow's far end at the public cloud still says where it is.
    gc.inventory["sites"][2]["areas"] = {}
    assert failures(RULE, gc.export) == []
    gc.inventory["flows"].append(
        {
            "from": {"area": "mynumber", "cidr": "10.11.0.0/27", "site": "gc"},
            "to": {"area": "public", "cidr": "10.130.0.0/26", "site": "portal"},
            "port": "443/tcp",
            "flow": "leak",
            "crosses_areas": True,
            "data": "public",
        }
    )
    assert failures(RULE, gc.export) == expected


def test_a_route_over_the_public_cloud_link_from_a_high_area_fails() -> None:
    gc = SiteStack("gc")
    _table_route(gc, "gc-tgw-mynumber", "portal-dc1-route", "10.30.0.0/17", "tgw-attach-unknown")
    assert failures(RULE, gc.export) == [
        ("portal-dc1-route", "route in the high area mynumber's table goes over link portal-dc1 to a public cloud")
    ]


def test_a_single_site_stack_is_not_judged() -> None:
    single = Export()
    areas = kiban_city(single)
    single.add("aws:ec2/eip:Eip", "eip", {"domain": "vpc"}, parent=areas["secure"])
    assert verdicts(RULE, single) == []


def portal_vpn(local: list[str]) -> SiteStack:
    """dc1's end of the portal's internet VPN, its local side the endpoint group ``local``."""
    dc1 = SiteStack("dc1")
    group = dc1.add(ENDPOINT_GROUP, "portal-dc1-local", {"type": "cidr", "endpoints": local})
    dc1.add(
        SITE_CONNECTION,
        "portal-dc1-internet-1",
        {"localEpGroupId": dc1.export.id_of(group), "peerCidrs": ["10.130.0.0/20"]},
        depends={"localEpGroupId": [group]},
    )
    return dc1


def test_a_vpn_to_the_public_cloud_from_the_internet_area_passes() -> None:
    assert verdicts(RULE, portal_vpn(["10.30.0.0/17"]).export) == [(True, "portal-dc1-internet-1", "")]


def test_a_vpn_to_the_public_cloud_reaching_a_high_area_fails() -> None:
    assert failures(RULE, portal_vpn(["10.30.0.0/17", "10.10.0.0/24"]).export) == [
        ("portal-dc1-internet-1", "VPN of link portal-dc1 to a public cloud reaches the high area mynumber")
    ]
    gc = SiteStack("gc")
    vpn_connection(gc, "portal-dc1-vpn", localIpv4NetworkCidr=None)
    assert failures(RULE, gc.export) == [
        ("portal-dc1-vpn", "VPN of link portal-dc1 to a public cloud names no local networks: every area may use it")
    ]
