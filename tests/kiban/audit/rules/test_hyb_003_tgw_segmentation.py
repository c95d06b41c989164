"""KB-HYB-003: Transit Gateway segmentation."""

from __future__ import annotations

from kiban.audit.rules.hyb_003_tgw_segmentation import RULE
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.hybrid_city import (
    TGW,
    TGW_ASSOCIATION,
    TGW_PROPAGATION,
    TGW_TABLE,
    VPC_ATTACHMENT,
    SiteStack,
    vpn_connection,
)
from tests.kiban.audit.rules.helpers import failures, verdicts


def portal(defaults: str | None = "disable") -> tuple[SiteStack, str, str]:
    """The portal site: its TGW, the public area's table and VPC attachment, and the portal-dc1 VPN."""
    stack = SiteStack("portal")
    settings: dict[str, object] = {"amazonSideAsn": 64513}
    if defaults is not None:
        settings |= {"defaultRouteTableAssociation": defaults, "defaultRouteTablePropagation": defaults}
    stack.add(TGW, "portal-tgw", settings)
    table = stack.add(TGW_TABLE, "portal-tgw-public", {"transitGatewayId": "tgw-0123456789abcdef0"})
    vpc = stack.vpc("public")
    attachment = stack.add(
        VPC_ATTACHMENT,
        "public-attachment",
        {"vpcId": stack.export.id_of(vpc), "transitGatewayId": "tgw-0123456789abcdef0"},
        depends={"vpcId": [vpc]},
    )
    vpn_connection(stack, "portal-dc1-vpn")
    return stack, table, attachment


def associate(stack: SiteStack, type_: str, name: str, table: str, attachment: str, by: str | None = None) -> None:
    stack.add(
        type_,
        name,
        {"transitGatewayRouteTableId": stack.export.id_of(table), "transitGatewayAttachmentId": attachment},
        depends={"transitGatewayRouteTableId": [table], **({"transitGatewayAttachmentId": [by]} if by else {})},
    )


def test_defaults_off_and_each_attachment_in_its_area_table_passes() -> None:
    stack, table, attachment = portal()
    associate(stack, TGW_ASSOCIATION, "public-association", table, stack.export.id_of(attachment), attachment)
    associate(stack, TGW_ASSOCIATION, "portal-dc1-association", table, "tgw-attach-portal-dc1-vpn")
    associate(stack, TGW_PROPAGATION, "portal-dc1-propagation", table, "tgw-attach-portal-dc1-vpn")
    assert verdicts(RULE, stack.export) == [
        (True, "portal-tgw", ""),
        (True, "public-association", ""),
        (True, "portal-dc1-association", ""),
        (True, "portal-dc1-propagation", ""),
    ]


def test_default_tables_left_on_fail() -> None:
    stack, _, _ = portal(defaults=None)
    assert failures(RULE, stack.export) == [
        ("portal-tgw", "defaultRouteTableAssociation is not set (enable): every attachment shares one table"),
        ("portal-tgw", "defaultRouteTablePropagation is not set (enable): every attachment shares one table"),
    ]


def test_an_attachment_associated_or_propagated_into_another_areas_table_fails() -> None:
    gc = SiteStack("dc1", stack="sample-hybrid-gc")
    gc.site = "gc"
    gc.inventory["site"] = "gc"
    gc.inventory["areas"] = [
        {"id": "mynumber", "level": "high", "cidr": "10.11.0.0/16", "segments": []},
        {"id": "internet", "level": "internet", "cidr": "10.31.0.0/16", "segments": []},
    ]
    gc.add(TGW, "gc-tgw", {"defaultRouteTableAssociation": "disable", "defaultRouteTablePropagation": "disable"})
    internet_table = gc.add(TGW_TABLE, "gc-tgw-internet", {"transitGatewayId": "tgw-0123456789abcdef0"})
    vpc = gc.vpc("mynumber")
    attachment = gc.add(
        VPC_ATTACHMENT, "mynumber-attachment", {"vpcId": gc.export.id_of(vpc)}, depends={"vpcId": [vpc]}
    )
    associate(gc, TGW_ASSOCIATION, "mynumber-association", internet_table, gc.export.id_of(attachment), attachment)
    associate(gc, TGW_PROPAGATION, "dc1-gc-propagation", internet_table, "tgw-attach-dc1-gc-vpn")
    assert failures(RULE, gc.export) == [
        (
            "mynumber-association",
            "VPC attachment mynumber-attachment (area mynumber) is associated with the route table of area internet",
        ),
        (
            "dc1-gc-propagation",
            "the attachment of link dc1-gc (area mynumber) propagates its routes into area internet's table",
        ),
    ]


def test_a_single_site_stack_is_not_judged() -> None:
    single = Export()
    kiban_city(single)
    single.add(TGW, "tgw", {})
    assert verdicts(RULE, single) == []
