"""KB-HYB-010: no transit between other sites (issue 21: the Government Cloud joined to two data centres)."""

from __future__ import annotations

import copy

from kiban.audit.rules.hyb_010_no_transit_between_sites import RULE
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.hybrid_city import (
    TGW,
    TGW_ASSOCIATION,
    TGW_PROPAGATION,
    TGW_ROUTE,
    TGW_TABLE,
    VPC_ATTACHMENT,
    SiteStack,
    vpn_connection,
)
from tests.kiban.audit.rules.helpers import failures, verdicts

DC1_BLOCK, DC2_BLOCK = "10.10.0.0/16", "10.12.0.0/16"


def gc_of_two_data_centres() -> tuple[SiteStack, str, dict[str, str]]:
    """gc with its My Number VPC attached to its area's table, and a VPN from each of dc1 and dc2."""
    gc = SiteStack("gc")
    dc2 = copy.deepcopy(next(site for site in gc.inventory["sites"] if site["id"] == "dc1")) | {"id": "dc2"}
    dc2["areas"] = {"mynumber": DC2_BLOCK}
    gc.inventory["sites"].append(dc2)
    dc2_gc = copy.deepcopy(gc.link("dc1-gc")) | {"id": "dc2-gc", "between": ["dc2", "gc"], "carrier": "closed_line"}
    gc.inventory["links"].append(dc2_gc)
    gc.add(TGW, "gc-tgw", {"defaultRouteTableAssociation": "disable", "defaultRouteTablePropagation": "disable"})
    table = gc.add(TGW_TABLE, "gc-tgw-mynumber", {"transitGatewayId": "tgw-0123456789abcdef0"})
    vpc = gc.vpc("mynumber")
    attachment = gc.add(VPC_ATTACHMENT, "gc-tgw-mynumber", {"vpcId": gc.export.id_of(vpc)}, depends={"vpcId": [vpc]})
    join(gc, TGW_ASSOCIATION, "gc-tgw-mynumber", table, attachment)
    vpns = {link: vpn_connection(gc, f"{link}-vpn") for link in ("dc1-gc", "dc2-gc")}
    # The area's table reaches each data centre over its own link (the VPC side of every cross-site flow).
    route(gc, "dc1-gc-to-10-10-0-0-16", table, DC1_BLOCK, vpns["dc1-gc"])
    route(gc, "dc2-gc-to-10-12-0-0-16", table, DC2_BLOCK, vpns["dc2-gc"])
    return gc, table, vpns | {"vpc": attachment}


def join(stack: SiteStack, type_: str, name: str, table: str, attachment: str) -> None:
    """An association or propagation of ``attachment`` (a resource, named by reference as kiban writes it)."""
    stack.add(
        type_,
        name,
        {"transitGatewayRouteTableId": stack.export.id_of(table), "transitGatewayAttachmentId": f"attach-of-{name}"},
        depends={"transitGatewayRouteTableId": [table], "transitGatewayAttachmentId": [attachment]},
    )


def route(stack: SiteStack, name: str, table: str, destination: str, attachment: str, blackhole: bool = False) -> None:
    inputs: dict[str, object] = {
        "transitGatewayRouteTableId": stack.export.id_of(table),
        "destinationCidrBlock": destination,
    }
    depends = {"transitGatewayRouteTableId": [table]}
    if blackhole:
        inputs["blackhole"] = True
    else:
        inputs["transitGatewayAttachmentId"] = f"attach-of-{name}"
        depends["transitGatewayAttachmentId"] = [attachment]
    stack.add(TGW_ROUTE, name, inputs, depends=depends)


def link_table(stack: SiteStack, link: str, attachments: dict[str, str]) -> str:
    """kiban's design: the link's attachment routed by a table of its own, which learns the area's VPC only."""
    table = stack.add(TGW_TABLE, f"gc-tgw-{link}", {"transitGatewayId": "tgw-0123456789abcdef0"})
    join(stack, TGW_ASSOCIATION, f"{link}-mynumber", table, attachments[link])
    join(stack, TGW_PROPAGATION, f"gc-tgw-{link}-mynumber", table, attachments["vpc"])
    return table


def test_each_link_in_a_table_of_its_own_that_reaches_only_this_site_passes() -> None:
    gc, _, attachments = gc_of_two_data_centres()
    for link in ("dc1-gc", "dc2-gc"):
        link_table(gc, link, attachments)
    # The area's table routes no link's arrivals: it is not judged; each link's table passes.
    assert verdicts(RULE, gc.export) == [(True, "gc-tgw-dc1-gc", ""), (True, "gc-tgw-dc2-gc", "")]


def test_two_data_centres_links_in_the_areas_table_make_the_cloud_a_transit() -> None:
    gc, table, attachments = gc_of_two_data_centres()
    join(gc, TGW_ASSOCIATION, "dc1-gc-mynumber", table, attachments["dc1-gc"])
    join(gc, TGW_ASSOCIATION, "dc2-gc-mynumber", table, attachments["dc2-gc"])
    assert failures(RULE, gc.export) == [
        (
            "gc-tgw-mynumber",
            "traffic from site dc1 (link dc1-gc) is routed by this table, where route dc2-gc-to-10-12-0-0-16 sends "
            "10.12.0.0/16 over link dc2-gc to site dc2: site gc would be a transit between dc1 and dc2; give each "
            "link a route table of its own that reaches only this site's blocks",
        ),
        (
            "gc-tgw-mynumber",
            "traffic from site dc2 (link dc2-gc) is routed by this table, where route dc1-gc-to-10-10-0-0-16 sends "
            "10.10.0.0/16 over link dc1-gc to site dc1: site gc would be a transit between dc2 and dc1; give each "
            "link a route table of its own that reaches only this site's blocks",
        ),
    ]


def test_another_links_routes_propagated_into_a_links_table_fail() -> None:
    gc, _, attachments = gc_of_two_data_centres()
    table = link_table(gc, "dc1-gc", attachments)
    join(gc, TGW_PROPAGATION, "dc2-gc-into-dc1", table, attachments["dc2-gc"])
    assert failures(RULE, gc.export) == [
        (
            "gc-tgw-dc1-gc",
            "traffic from site dc1 (link dc1-gc) is routed by this table, where propagation dc2-gc-into-dc1 brings "
            "in link dc2-gc's routes to site dc2: site gc would be a transit between dc1 and dc2; give each link a "
            "route table of its own that reaches only this site's blocks",
        )
    ]


def test_a_blackhole_toward_another_site_and_routes_back_to_the_same_peer_pass() -> None:
    gc, _, attachments = gc_of_two_data_centres()
    table = link_table(gc, "dc1-gc", attachments)
    route(gc, "gc-tgw-dc1-gc-blackhole-dc2", table, DC2_BLOCK, attachments["dc2-gc"], blackhole=True)
    # A second VPN pair of the same link (one per platform subnet at dc1) leads back to the same peer.
    second = vpn_connection(gc, "dc1-gc-vpn-monitoring")
    join(gc, TGW_ASSOCIATION, "dc1-gc-mynumber-monitoring", table, second)
    route(gc, "dc1-gc-to-10-10-2-0-25", table, "10.10.2.0/25", attachments["dc1-gc"])
    assert verdicts(RULE, gc.export) == [(True, "gc-tgw-dc1-gc", "")]


def test_a_single_site_stack_is_not_judged() -> None:
    single = Export()
    kiban_city(single)
    single.add(TGW_TABLE, "tgw-table", {})
    assert verdicts(RULE, single) == []
