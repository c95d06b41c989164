"""The AWS end of a site's links: a Transit Gateway cut by area, Direct Connect, IPsec VPNs, public services.

HYBRID.md §6.3. One Transit Gateway per site with its default route table off, so nothing joins
two attachments unless kiban says so; one route table per area, holding that area's VPC
attachment and its routes to the peers of that area's links, with a blackhole route for every other
area's block at the site, so a route learned by mistake never joins two areas (三層の対策 across
sites); and one route table per link, where the link's attachments are associated, that reaches the
link's area here and nothing else, so the site is never a transit between two other sites.
Per link:
- ``direct_connect``: a Direct Connect gateway whose association with the Transit Gateway
  advertises exactly the link's area block here, and a transit VIF on each declared connection;
- ``encryption: ipsec``: a customer gateway at the peer's ``addresses`` entry and a VPN connection
  of the two declared tunnels (over Direct Connect a private-IP VPN riding the Direct Connect
  attachment; over the internet a public one), IKEv2 with AES-256, SHA-2 and DH groups 14-21
  only, its traffic selectors narrowed to the two area blocks, dialling only on the side that may.
The pre-shared keys are left to AWS and exported as secrets for the peer stack (docs/AWS.md).
A public service gets a security group in its area's VPC with exactly its cross-site flows' rules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from kiban_platform.backends import TargetError
from kiban_platform.backends.aws.groups import ZoneSubnet, plan_rules, tags
from kiban_platform.backends.aws.network import AwsAreaNetwork, AwsDeployedGroup, zone_subnets
from kiban_platform.backends.aws.plan import endpoint_subnet
from kiban_platform.backends.aws.settings import AwsSettings
from kiban_platform.network.flows import GroupKind, HostGroup, Rule, RuleKind
from kiban_platform.network.sites import REMOTE_SEPARATOR, CrossSiteFlow, PlannedLink, VpnPair
from kiban_platform.spec.model import AreaLevel
from kiban_platform.spec.sites import Encryption, Link, Site, Target, Transport

DISABLE = "disable"
ENABLE = "enable"
# IKE and ESP proposals AWS may accept (EC2 API, VpnTunnelOptionsSpecification): AES-256 (CBC or
# GCM), SHA-2 of 256 bits or more, and DH groups 14-21 (2048-bit MODP and up, and the ECP groups).
# Groups 2, 5 and the RFC 5114 groups 22-24 are left out: too weak, or of doubtful parameters.
ENCRYPTION_ALGORITHMS = ["AES256", "AES256-GCM-16"]
INTEGRITY_ALGORITHMS = ["SHA2-256", "SHA2-384", "SHA2-512"]
DH_GROUPS = [14, 15, 16, 17, 18, 19, 20, 21]
IKE_VERSIONS = ["ikev2"]
# The lifetimes OpenStack's IKE and IPsec policies state too (``backends.openstack.links``).
PHASE1_LIFETIME_SECONDS = 28800
PHASE2_LIFETIME_SECONDS = 3600
# The largest ASN the plain ``bgp_asn`` inputs take; above it, their long form.
ASN_32BIT_SIGNED = 2**31 - 1


def _flat(cidr: ipaddress.IPv4Network) -> str:
    return str(cidr).replace("/", "-")


def _attachment_subnets(
    settings: AwsSettings, parent: pulumi.Resource, site: Site, network: AwsAreaNetwork
) -> list[pulumi.Output[str]]:
    """One subnet per zone for the area's VPC attachment.

    The platform subnets of the area's first middleware role when it has any (the attachment's
    interfaces take an address there, as any host); an area without middleware (a public cloud's
    area) gets its own zone subnets in the platform segment's spare last slot, which nothing else
    uses there.
    """
    if network.platform_subnets:
        first_role = next(iter(network.platform_subnets))
        zones: Sequence[ZoneSubnet] = network.platform_subnets[first_role]
    else:
        if network.area.level == AreaLevel.HIGH and settings.high_area_endpoints:
            raise TargetError(
                f"area {network.area.id} at site {site.id} has no middleware: its spare slot holds its VPC "
                "endpoints, so there is no subnet for its Transit Gateway attachment"
            )
        name = f"{site.id}-tgw-{network.area.id}"
        zones = zone_subnets(
            settings,
            parent,
            name,
            endpoint_subnet(network.area),
            network.area,
            network.vpc,
            network.zones,
            {"role": "transit-gateway-attachment", "site": site.id},
        )
    return [zone.subnet.id for zone in zones]


def _area_tables(
    settings: AwsSettings,
    parent: pulumi.Resource,
    site: Site,
    areas: Mapping[str, AwsAreaNetwork],
    outside_cidrs: Sequence[str],
) -> tuple[
    aws.ec2transitgateway.TransitGateway,
    dict[str, aws.ec2transitgateway.RouteTable],
    dict[str, aws.ec2transitgateway.VpcAttachment],
]:
    """The site's Transit Gateway, one route table per area, each area's VPC attached to its own table only."""
    opts = pulumi.ResourceOptions(parent=parent)
    region = settings.region
    name = f"{site.id}-tgw"
    gateway = aws.ec2transitgateway.TransitGateway(
        name,
        description=f"kiban: site {site.id}, one route table per area",
        amazon_side_asn=site.asn,
        # Off: with them on, every attachment would land in one table that joins them all.
        default_route_table_association=DISABLE,
        default_route_table_propagation=DISABLE,
        auto_accept_shared_attachments=DISABLE,
        dns_support=ENABLE,
        vpn_ecmp_support=ENABLE,
        # Where a private-IP VPN over Direct Connect takes its outside addresses from (Link.dx.outside_cidr).
        transit_gateway_cidr_blocks=outside_cidrs or None,
        region=region,
        tags=tags(name, site=site.id),
        opts=opts,
    )
    tables: dict[str, aws.ec2transitgateway.RouteTable] = {}
    attachments: dict[str, aws.ec2transitgateway.VpcAttachment] = {}
    for area_id, network in areas.items():
        table_name = f"{name}-{area_id}"
        table = aws.ec2transitgateway.RouteTable(
            table_name,
            transit_gateway_id=gateway.id,
            region=region,
            tags=tags(table_name, site=site.id, area=area_id),
            opts=pulumi.ResourceOptions(parent=gateway),
        )
        tables[area_id] = table
        attachment = aws.ec2transitgateway.VpcAttachment(
            table_name,
            transit_gateway_id=gateway.id,
            vpc_id=network.vpc.id,
            subnet_ids=_attachment_subnets(settings, parent, site, network),
            transit_gateway_default_route_table_association=False,
            transit_gateway_default_route_table_propagation=False,
            dns_support=ENABLE,
            region=region,
            tags=tags(table_name, site=site.id, area=area_id),
            opts=pulumi.ResourceOptions(parent=gateway),
        )
        attachments[area_id] = attachment
        _join(table_name, attachment.id, table, region)
    for area_id, table in tables.items():
        for other_id, other in areas.items():
            if other_id == area_id:
                continue
            # Nothing of another area is reachable from this table, even if a route were learned.
            aws.ec2transitgateway.Route(
                f"{name}-{area_id}-blackhole-{other_id}",
                transit_gateway_route_table_id=table.id,
                destination_cidr_block=str(other.area.supernet),
                blackhole=True,
                region=region,
                opts=pulumi.ResourceOptions(parent=table),
            )
    return gateway, tables, attachments


def _join(
    name: str,
    attachment_id: pulumi.Input[str],
    table: aws.ec2transitgateway.RouteTable,
    region: str,
    propagate_to: aws.ec2transitgateway.RouteTable | None = None,
) -> None:
    """Associate an attachment with ``table`` (where its traffic is routed) and propagate its routes into
    ``propagate_to`` (default: the same table), and nowhere else."""
    aws.ec2transitgateway.RouteTableAssociation(
        name,
        transit_gateway_attachment_id=attachment_id,
        transit_gateway_route_table_id=table.id,
        region=region,
        opts=pulumi.ResourceOptions(parent=table),
    )
    learner = propagate_to or table
    aws.ec2transitgateway.RouteTablePropagation(
        name,
        transit_gateway_attachment_id=attachment_id,
        transit_gateway_route_table_id=learner.id,
        region=region,
        opts=pulumi.ResourceOptions(parent=learner),
    )


def _link_table(
    settings: AwsSettings,
    planned: PlannedLink,
    gateway: aws.ec2transitgateway.TransitGateway,
    areas: Mapping[str, AwsAreaNetwork],
    vpc_attachments: Mapping[str, aws.ec2transitgateway.VpcAttachment],
) -> aws.ec2transitgateway.RouteTable:
    """The link's own route table: what arrives over the link reaches this site's own area, nothing else.

    With a link's attachments in its area's table, a site joined by two links of one area (the
    Government Cloud's My Number area, reached from two data centres) routed from one link into the
    other: the cloud a transit between two other sites, stopped only by the VPN selectors (issue 21).
    So a link's attachments are associated with a table of their own, into which only the area's VPC
    attachment propagates (the area's block here), with a blackhole for the site's other areas; the
    area's table keeps its route to each link's peer, so the area reaches every peer and no peer another.
    """
    site, link = planned.site, planned.link
    area_id = planned.local_prefixes[0][0]
    name = f"{site.id}-tgw-{link.id}"
    table = aws.ec2transitgateway.RouteTable(
        name,
        transit_gateway_id=gateway.id,
        region=settings.region,
        tags=tags(name, site=site.id, area=area_id, link=link.id),
        opts=pulumi.ResourceOptions(parent=gateway),
    )
    aws.ec2transitgateway.RouteTablePropagation(
        f"{name}-{area_id}",
        transit_gateway_attachment_id=vpc_attachments[area_id].id,
        transit_gateway_route_table_id=table.id,
        region=settings.region,
        opts=pulumi.ResourceOptions(parent=table),
    )
    for other_id, other in areas.items():
        if other_id != area_id:
            aws.ec2transitgateway.Route(
                f"{name}-blackhole-{other_id}",
                transit_gateway_route_table_id=table.id,
                destination_cidr_block=str(other.area.supernet),
                blackhole=True,
                region=settings.region,
                opts=pulumi.ResourceOptions(parent=table),
            )
    return table


def _asn_arguments(asn: int, short: str, long: str, as_text: bool = False) -> dict[str, Any]:
    """The ASN under the short input when it fits, else the long one; the customer gateway's are strings."""
    value: int | str = str(asn) if as_text else asn
    return {short: value} if asn <= ASN_32BIT_SIGNED else {long: value}


def _advertised(planned: PlannedLink) -> list[str]:
    dx = planned.link.direct_connect
    if planned.link.encryption == Encryption.IPSEC and dx is not None and dx.outside_cidr is not None:
        return [str(dx.outside_cidr)]
    return [str(block) for _, block in planned.local_prefixes]


def _routes_to_gateway(
    settings: AwsSettings,
    links: Sequence[PlannedLink],
    groups: Sequence[AwsDeployedGroup],
    gateway: aws.ec2transitgateway.TransitGateway,
    attachments: Mapping[str, aws.ec2transitgateway.VpcAttachment],
) -> None:
    """In each host group's route table, a route to each far end of its cross-site flows through the
    Transit Gateway (both ways: replies travel the same route); nothing else leaves for another site."""
    by_id = {group.group.id: group for group in groups}
    made: set[tuple[str, str]] = set()
    for planned in links:
        for crossing in planned.flows:
            for near in crossing.local_groups:
                deployed = by_id.get(near.id)
                if deployed is None:
                    continue  # a public service: its vendor's instances route through its own tables
                for far in crossing.remote_groups:
                    key = (deployed.name, str(far.cidr))
                    if key in made:
                        continue
                    made.add(key)
                    aws.ec2.Route(
                        f"{deployed.name}-to-{crossing.remote_site}-{_flat(far.cidr)}",
                        route_table_id=deployed.route_table.id,
                        destination_cidr_block=str(far.cidr),
                        transit_gateway_id=gateway.id,
                        region=settings.region,
                        # A route to a Transit Gateway needs the VPC attached to it first.
                        opts=pulumi.ResourceOptions(
                            parent=deployed.route_table, depends_on=[attachments[crossing.local_area]]
                        ),
                    )


def _direct_connect(
    settings: AwsSettings,
    parent: pulumi.Resource,
    planned: PlannedLink,
    gateway: aws.ec2transitgateway.TransitGateway,
) -> pulumi.Output[str]:
    """The Direct Connect gateway, its association with the Transit Gateway, and a transit VIF per connection.

    Returns the Transit Gateway's attachment to the Direct Connect gateway.
    """
    link = planned.link
    assert link.direct_connect is not None and planned.peer.asn is not None  # plan.link_problems
    opts = pulumi.ResourceOptions(parent=parent)
    dx_gateway = aws.directconnect.Gateway(
        f"{link.id}-dxgw",
        name=f"kiban-{link.id}",
        amazon_side_asn=str(link.direct_connect.gateway_asn),
        tags=tags(f"kiban-{link.id}", link=link.id),
        opts=opts,
    )
    association = aws.directconnect.GatewayAssociation(
        f"{link.id}-dxgw-association",
        dx_gateway_id=dx_gateway.id,
        associated_gateway_id=gateway.id,
        # What AWS advertises to the peer over the line. Unencrypted: the link's area block here,
        # nothing else. With IPsec: only the tunnels' outside block, so the area is reached through
        # the tunnels alone and never around them.
        allowed_prefixes=_advertised(planned),
        region=settings.region,
        opts=pulumi.ResourceOptions(parent=dx_gateway),
    )
    for index, connection in enumerate(link.direct_connect.connections, start=1):
        aws.directconnect.TransitVirtualInterface(
            f"{link.id}-vif-{index}",
            name=f"kiban-{link.id}-{index}",
            connection_id=connection.id,
            dx_gateway_id=dx_gateway.id,
            vlan=connection.vlan,
            address_family="ipv4",
            **_asn_arguments(planned.peer.asn, "bgp_asn", "bgp_asn_long"),
            region=settings.region,
            tags=tags(f"kiban-{link.id}-{index}", link=link.id, connection=connection.id),
            opts=pulumi.ResourceOptions(parent=dx_gateway),
        )
    if link.encryption != Encryption.IPSEC:
        # The association's own output: the SDK warns that the data source below, used for a route
        # table association, makes the association be replaced and the link drop.
        return association.transit_gateway_attachment_id
    # A private-IP VPN names its transport by the data source (pulumi-aws's documented way).
    attachment = aws.ec2transitgateway.get_direct_connect_gateway_attachment_output(
        dx_gateway_id=dx_gateway.id,
        transit_gateway_id=gateway.id,
        region=settings.region,
        # The attachment exists once the association does.
        opts=pulumi.InvokeOutputOptions(parent=dx_gateway, depends_on=[association]),
    )
    return attachment.id


def _tunnel_options(link: Link, pair: VpnPair, dials: bool) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for number, index in enumerate(pair.tunnels, start=1):
        prefix = f"tunnel{number}_"
        options |= {
            f"{prefix}inside_cidr": str(link.tunnels[index].inside_cidr),
            f"{prefix}ike_versions": IKE_VERSIONS,
            f"{prefix}phase1_encryption_algorithms": ENCRYPTION_ALGORITHMS,
            f"{prefix}phase1_integrity_algorithms": INTEGRITY_ALGORITHMS,
            f"{prefix}phase1_dh_group_numbers": DH_GROUPS,
            f"{prefix}phase1_lifetime_seconds": PHASE1_LIFETIME_SECONDS,
            f"{prefix}phase2_encryption_algorithms": ENCRYPTION_ALGORITHMS,
            f"{prefix}phase2_integrity_algorithms": INTEGRITY_ALGORITHMS,
            f"{prefix}phase2_dh_group_numbers": DH_GROUPS,
            f"{prefix}phase2_lifetime_seconds": PHASE2_LIFETIME_SECONDS,
            # "add": AWS waits for the peer to dial; "start": AWS opens the tunnel itself.
            f"{prefix}startup_action": "start" if dials else "add",
        }
    return options


def _customer_gateway(settings: AwsSettings, parent: pulumi.Resource, planned: PlannedLink) -> aws.ec2.CustomerGateway:
    """The peer's end of the link's tunnels, at its declared outside address."""
    link, peer = planned.link, planned.peer
    assert peer.asn is not None  # plan.link_problems
    return aws.ec2.CustomerGateway(
        f"{link.id}-cgw",
        type="ipsec.1",
        ip_address=str(link.addresses[peer.id]),
        device_name=f"kiban-{peer.id}"[:255],
        **_asn_arguments(peer.asn, "bgp_asn", "bgp_asn_extended", as_text=True),
        region=settings.region,
        tags=tags(f"kiban-{link.id}", link=link.id, peer=peer.id),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _vpn(
    settings: AwsSettings,
    parent: pulumi.Resource,
    planned: PlannedLink,
    pair: VpnPair,
    customer_gateway: aws.ec2.CustomerGateway,
    gateway: aws.ec2transitgateway.TransitGateway,
    transport_attachment: pulumi.Output[str] | None,
) -> aws.ec2.VpnConnection:
    """One VPN connection of the link: two of its tunnels, selecting one pair's blocks."""
    link, peer = planned.link, planned.peer
    private = transport_attachment is not None
    return aws.ec2.VpnConnection(
        f"{link.id}-vpn{pair.suffix()}",
        type="ipsec.1",
        customer_gateway_id=customer_gateway.id,
        transit_gateway_id=gateway.id,
        outside_ip_address_type="PrivateIpv4" if private else "PublicIpv4",
        transport_transit_gateway_attachment_id=transport_attachment,
        # OpenStack's VPN service speaks no BGP: its routes are the endpoint groups, AWS's the static
        # routes kiban adds to the area's table. A peer outside OpenStack is routed the same way.
        static_routes_only=True,
        # Traffic selectors (AWS: "local" is the customer's side): the pair's blocks, never 0.0.0.0/0; at
        # an OpenStack peer, the one platform subnet this connection reaches there.
        local_ipv4_network_cidr=str(pair.peer),
        remote_ipv4_network_cidr=str(pair.local),
        **_tunnel_options(link, pair, planned.dials),
        region=settings.region,
        tags=tags(f"kiban-{link.id}{pair.suffix()}", link=link.id, peer=peer.id),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _exported_tunnels(link: Link, pair: VpnPair, vpn: aws.ec2.VpnConnection) -> dict[int, dict[str, Any]]:
    addresses = (vpn.tunnel1_address, vpn.tunnel2_address)
    keys = (vpn.tunnel1_preshared_key, vpn.tunnel2_preshared_key)
    return {
        index: {
            "inside_cidr": str(link.tunnels[index].inside_cidr),
            "outside_address": address,
            "preshared_key": pulumi.Output.secret(key),
        }
        for index, address, key in zip(pair.tunnels, addresses, keys, strict=False)
    }


def _route(link: Link, block: ipaddress.IPv4Network, attachment: pulumi.Output[str], table: Any, region: str) -> None:
    aws.ec2transitgateway.Route(
        f"{link.id}-to-{_flat(block)}",
        transit_gateway_route_table_id=table.id,
        destination_cidr_block=str(block),
        transit_gateway_attachment_id=attachment,
        region=region,
        opts=pulumi.ResourceOptions(parent=table),
    )


def _link(
    settings: AwsSettings,
    parent: pulumi.Resource,
    planned: PlannedLink,
    gateway: aws.ec2transitgateway.TransitGateway,
    tables: Mapping[str, aws.ec2transitgateway.RouteTable],
    link_table: aws.ec2transitgateway.RouteTable,
) -> dict[str, Any]:
    link = planned.link
    (area_id, _), (_, peer_block) = planned.local_prefixes[0], planned.peer_prefixes[0]
    table = tables[area_id]
    dx_attachment = (
        _direct_connect(settings, parent, planned, gateway) if link.transport == Transport.DIRECT_CONNECT else None
    )
    if link.encryption != Encryption.IPSEC:
        assert dx_attachment is not None  # an unencrypted or MACsec link is Direct Connect (spec checks)
        # What arrives over the Direct Connect is routed by the link's own table; its routes go to the area's.
        _join(f"{link.id}-{area_id}", dx_attachment, link_table, settings.region, propagate_to=table)
        _route(link, peer_block, dx_attachment, table, settings.region)
        return {"peer": planned.peer.id, "tunnels": [], "transit_gateway_attachment_id": dx_attachment}
    customer_gateway = _customer_gateway(settings, parent, planned)
    tunnels: dict[int, dict[str, Any]] = {}
    attachments: list[pulumi.Output[str]] = []
    for pair in planned.vpn_pairs:
        vpn = _vpn(settings, parent, planned, pair, customer_gateway, gateway, dx_attachment)
        attachment: pulumi.Output[str] = vpn.transit_gateway_attachment_id
        attachments.append(attachment)
        tunnels |= _exported_tunnels(link, pair, vpn)
        # Each connection's traffic is routed by the link's own table (to its area here, nothing else), and
        # the area's table reaches the peer's blocks it selects through it; over Direct Connect the Direct
        # Connect attachment carries the tunnels alone and joins no table.
        _join(f"{link.id}-{area_id}{pair.suffix()}", attachment, link_table, settings.region, propagate_to=table)
        _route(link, pair.peer, attachment, table, settings.region)
    return {
        "peer": planned.peer.id,
        "tunnels": [tunnels[index] for index in sorted(tunnels)],
        "transit_gateway_attachment_id": attachments[0],
    }


def _service_rules(crossing: CrossSiteFlow, block: ipaddress.IPv4Network) -> tuple[list[Rule], list[Rule]]:
    """(ingress, egress) of a public service for one cross-site flow, as the flow plan would write them."""
    service = crossing.local.public_service
    assert service is not None
    own = HostGroup(f"public_service:{service}", GroupKind.EXTERNAL, crossing.local_area, block)
    ingress: list[Rule] = []
    egress: list[Rule] = []
    for remote in crossing.remote_groups:
        far = HostGroup(f"{crossing.remote_site}{REMOTE_SEPARATOR}{remote.id}", remote.kind, remote.area, remote.cidr)
        for port in crossing.flow.ports:
            if crossing.outgoing or not crossing.flow.one_way:
                egress.append(Rule(own, far, port, RuleKind.DECLARED, crossing.flow.id))
            if not crossing.outgoing or not crossing.flow.one_way:
                ingress.append(Rule(far, own, port, RuleKind.DECLARED, crossing.flow.id))
    return ingress, egress


def _public_services(
    settings: AwsSettings, parent: pulumi.Resource, links: Sequence[PlannedLink], areas: Mapping[str, AwsAreaNetwork]
) -> None:
    """One security group per public service here, in its area's VPC, with exactly its cross-site flows' rules."""
    by_service: dict[str, list[CrossSiteFlow]] = {}
    for planned in links:
        for crossing in planned.flows:
            if crossing.local.public_service is not None:
                by_service.setdefault(crossing.local.public_service, []).append(crossing)
    for service, crossings in by_service.items():
        area_id = crossings[0].local_area
        network = areas.get(area_id)
        if network is None:
            raise TargetError(f"public service {service}: its area {area_id} has no network at this site")
        group = aws.ec2.SecurityGroup(
            service,
            name=service,
            description=f"kiban: exactly the cross-site flows of public service {service}",
            vpc_id=network.vpc.id,
            revoke_rules_on_delete=True,
            region=settings.region,
            tags=tags(service, site=links[0].site.id, area=area_id, **{"public-service": service}),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        ingress: list[Rule] = []
        egress: list[Rule] = []
        for crossing in crossings:
            inbound, outbound = _service_rules(crossing, network.area.supernet)
            ingress += inbound
            egress += outbound
        plan_rules(service, group, "in", ingress, None, settings.region)
        plan_rules(service, group, "out", egress, None, settings.region)


def site_links(
    settings: AwsSettings,
    parent: pulumi.Resource,
    links: Sequence[PlannedLink],
    areas: Mapping[str, AwsAreaNetwork],
    groups: Sequence[AwsDeployedGroup] = (),
) -> dict[str, Any]:
    """Every link of the site, as planned; nothing at all for a site without links. Returns the ``links`` export."""
    if not links:
        return {}
    site = links[0].site
    if site.target != Target.AWS:
        raise TargetError(f"site {site.id} is built on {site.target.value}, not aws")
    outside = [
        str(planned.link.direct_connect.outside_cidr)
        for planned in links
        if planned.link.direct_connect is not None and planned.link.direct_connect.outside_cidr is not None
    ]
    gateway, tables, attachments = _area_tables(settings, parent, site, areas, list(dict.fromkeys(outside)))
    exported = {}
    for planned in links:
        area_id = planned.local_prefixes[0][0]
        if area_id not in tables:
            raise TargetError(f"link {planned.link.id}: area {area_id} has no network at site {site.id}")
        link_table = _link_table(settings, planned, gateway, areas, attachments)
        exported[planned.link.id] = _link(settings, parent, planned, gateway, tables, link_table)
    _public_services(settings, parent, links, areas)
    _routes_to_gateway(settings, links, groups, gateway, attachments)
    return exported
