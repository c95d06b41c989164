"""The AWS network of kiban: a VPC per area, zone subnets, network ACLs, route tables, and the peerings between areas.

All in the deploying (platform) account with the stack's default ``aws`` provider; a business
account gets its tier subnets through RAM (``backend``). No internet gateway or NAT gateway is
made: the only paths between areas are the peerings of ``area_links`` (a site's transit gateway,
``links``, joins no two areas).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from kiban_platform.backends import HostGroupDeployment
from kiban_platform.backends.aws.groups import GroupNetwork, ZoneSubnet, tags
from kiban_platform.backends.aws.plan import acl_entries, endpoint_subnet, needs_peering, peer_pairs, zonal_subnets
from kiban_platform.backends.aws.settings import AwsSettings
from kiban_platform.backends.handles import AreaNetwork, DeployedGroup, Zones
from kiban_platform.network.flows import FlowPlan
from kiban_platform.network.plan import Segment
from kiban_platform.spec.model import Area, AreaLevel, MiddlewareRole

HTTPS = 443


@dataclass(frozen=True)
class AwsAreaNetwork(AreaNetwork):
    """An area's VPC, the area component its peerings belong to, its platform subnets per role and zone,
    and the zones it spans (where a link's attachment subnets go when the area has no platform subnets)."""

    vpc: aws.ec2.Vpc
    component: pulumi.Resource
    platform_subnets: Mapping[MiddlewareRole, tuple[ZoneSubnet, ...]]
    zones: Zones = field(default_factory=lambda: Zones({}))


@dataclass(frozen=True)
class AwsDeployedGroup(DeployedGroup):
    """A host group's route table, and the CIDRs (with their areas) its declared flows reach in other areas."""

    name: str
    route_table: aws.ec2.RouteTable
    peers: tuple[tuple[str, str], ...]


def zone_subnets(
    settings: AwsSettings,
    parent: pulumi.Resource,
    name: str,
    cidr: Any,
    area: Area,
    vpc: aws.ec2.Vpc,
    zones: Zones,
    labels: Mapping[str, str],
) -> tuple[ZoneSubnet, ...]:
    """One AWS subnet per failure domain: the planned subnet's block for each chassis, in its zone."""
    made = []
    for chassis, block in zonal_subnets(cidr, list(zones.by_chassis)):
        zone = zones.of(chassis)
        subnet = aws.ec2.Subnet(
            f"{name}-{chassis}",
            vpc_id=vpc.id,
            cidr_block=str(block),
            availability_zone=zone,
            # No area gets public addresses: nothing in the plan is reachable from the internet.
            map_public_ip_on_launch=False,
            region=settings.region,
            tags=tags(f"{name}-{zone}", area=area.id, subnet=name, **{"failure-domain": chassis}, **labels),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        made.append(ZoneSubnet(f"{name}-{chassis}", chassis, zone, block, subnet))
    return tuple(made)


def area_network(
    settings: AwsSettings,
    parent: pulumi.Resource,
    area: Area,
    platform_segment: Segment | None,
    dns_servers: Sequence[str],
    zones: Zones,
) -> AwsAreaNetwork:
    """The area's VPC, its DHCP options, its platform subnets per role and zone, and a high area's endpoints."""
    opts = pulumi.ResourceOptions(parent=parent)
    vpc = aws.ec2.Vpc(
        area.id,
        cidr_block=str(area.supernet),
        # Interface endpoints answer on their private DNS names only with both on.
        enable_dns_support=True,
        enable_dns_hostnames=True,
        instance_tenancy="default",
        region=settings.region,
        tags=tags(f"kiban-{area.id}", area=area.id, level=area.level.value),
        opts=opts,
    )
    outputs: dict[str, Any] = {"vpc_id": vpc.id}
    if dns_servers:
        # Hosts resolve through their area's time and name nodes, as on-prem; not through AWS's resolver.
        options = aws.ec2.VpcDhcpOptions(
            area.id,
            domain_name_servers=list(dns_servers),
            ntp_servers=list(dns_servers),
            region=settings.region,
            tags=tags(f"kiban-{area.id}", area=area.id),
            opts=opts,
        )
        aws.ec2.VpcDhcpOptionsAssociation(
            area.id, vpc_id=vpc.id, dhcp_options_id=options.id, region=settings.region, opts=opts
        )
    platform_subnets = {}
    if platform_segment is not None:
        for subnet in platform_segment.subnets:
            assert subnet.role is not None  # the platform segment is cut by middleware role
            platform_subnets[subnet.role] = zone_subnets(
                settings, parent, f"{area.id}-{subnet.name}", subnet.cidr, area, vpc, zones, {"role": subnet.role.value}
            )
    if area.level == AreaLevel.HIGH and settings.high_area_endpoints:
        outputs["endpoints"] = _endpoints(settings, parent, area, vpc, zones)
    return AwsAreaNetwork(area, outputs, vpc, parent, platform_subnets, zones)


def _endpoints(settings: AwsSettings, parent: pulumi.Resource, area: Area, vpc: aws.ec2.Vpc, zones: Zones) -> list[str]:
    """The high area's only way to AWS services: interface endpoints, no internet or NAT gateway."""
    opts = pulumi.ResourceOptions(parent=parent)
    name = f"{area.id}-endpoints"
    cidr = endpoint_subnet(area)
    subnets = zone_subnets(settings, parent, name, cidr, area, vpc, zones, {"role": "vpc-endpoints"})
    group = aws.ec2.SecurityGroup(
        name,
        name=name,
        description="kiban: HTTPS from inside the area to its VPC endpoints",
        vpc_id=vpc.id,
        region=settings.region,
        tags=tags(name, area=area.id),
        opts=opts,
    )
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-in-https",
        security_group_id=group.id,
        ip_protocol="tcp",
        from_port=HTTPS,
        to_port=HTTPS,
        cidr_ipv4=str(area.supernet),
        description="hosts of this area only",
        region=settings.region,
        opts=pulumi.ResourceOptions(parent=group),
    )
    acl = aws.ec2.NetworkAcl(
        name,
        vpc_id=vpc.id,
        subnet_ids=[zone.subnet.id for zone in subnets],
        region=settings.region,
        tags=tags(name, area=area.id),
        opts=opts,
    )
    for number, (egress, first, last) in enumerate(((False, HTTPS, HTTPS), (True, 1024, 65535)), start=1):
        aws.ec2.NetworkAclRule(
            f"{name}-{'out' if egress else 'in'}-{number * 100}",
            network_acl_id=acl.id,
            rule_number=number * 100,
            egress=egress,
            protocol="6",
            rule_action="allow",
            cidr_block=str(area.supernet),
            from_port=first,
            to_port=last,
            region=settings.region,
            opts=pulumi.ResourceOptions(parent=acl),
        )
    services = []
    for service in settings.high_area_endpoints:
        service_name = f"com.amazonaws.{settings.region}.{service}"
        aws.ec2.VpcEndpoint(
            f"{name}-{service}",
            vpc_id=vpc.id,
            service_name=service_name,
            vpc_endpoint_type="Interface",
            subnet_ids=[zone.subnet.id for zone in subnets],
            security_group_ids=[group.id],
            private_dns_enabled=True,
            region=settings.region,
            tags=tags(f"{name}-{service}", area=area.id),
            opts=opts,
        )
        services.append(service_name)
    return services


def area_links(
    settings: AwsSettings,
    areas: Mapping[str, AwsAreaNetwork],
    groups: Sequence[AwsDeployedGroup],
    flows: FlowPlan,
) -> None:
    """A VPC peering per pair of areas a declared flow joins, and a route per group per flow CIDR.

    Each peering belongs to the area component named second in its pair, each route to its group's
    route table: where they have always been, so their URNs stay put.
    """
    peerings = {}
    for pair in sorted(peer_pairs([network.area for network in areas.values()], flows)):
        first, second = areas[pair[0]], areas[pair[1]]
        peerings[pair] = aws.ec2.VpcPeeringConnection(
            f"{pair[0]}-{pair[1]}",
            vpc_id=first.vpc.id,
            peer_vpc_id=second.vpc.id,
            # Both VPCs are the platform account's: the request accepts itself.
            auto_accept=True,
            region=settings.region,
            tags=tags(f"kiban-{pair[0]}-{pair[1]}", areas=f"{pair[0]},{pair[1]}"),
            opts=pulumi.ResourceOptions(parent=second.component),
        )
    for routed in groups:
        area_id = routed.group.area
        for cidr, other_area in routed.peers:
            aws.ec2.Route(
                f"{routed.name}-to-{cidr.replace('/', '-')}",
                route_table_id=routed.route_table.id,
                destination_cidr_block=cidr,
                vpc_peering_connection_id=peerings[(min(area_id, other_area), max(area_id, other_area))].id,
                region=settings.region,
                opts=pulumi.ResourceOptions(parent=routed.route_table),
            )


def group_network(
    settings: AwsSettings,
    parent: pulumi.Resource,
    deployment: HostGroupDeployment,
    area: AwsAreaNetwork,
    zones: tuple[ZoneSubnet, ...],
) -> GroupNetwork:
    """The owner's side of a host group: its network ACL and its route table (peering routes: ``area_links``)."""
    group = deployment.group
    name = deployment.name
    opts = pulumi.ResourceOptions(parent=parent)
    entries = acl_entries(
        group.cidr,
        area.area,
        deployment.ingress,
        deployment.egress,
        deployment.balanced_ports,
        settings.nacl_rule_limit,
    )
    acl = aws.ec2.NetworkAcl(
        name,
        vpc_id=area.vpc.id,
        subnet_ids=[zone.subnet.id for zone in zones],
        region=settings.region,
        tags=tags(name, area=group.area, group=group.id),
        opts=opts,
    )
    for entry in entries:
        aws.ec2.NetworkAclRule(
            f"{name}-{entry.identity}",
            network_acl_id=acl.id,
            rule_number=entry.number,
            egress=entry.egress,
            protocol=entry.protocol,
            rule_action="allow",
            cidr_block=entry.cidr,
            from_port=entry.first,
            to_port=entry.last,
            region=settings.region,
            opts=pulumi.ResourceOptions(parent=acl),
        )
    table = aws.ec2.RouteTable(
        name,
        vpc_id=area.vpc.id,
        region=settings.region,
        tags=tags(name, area=group.area, group=group.id),
        opts=opts,
    )
    for zone in zones:
        aws.ec2.RouteTableAssociation(
            f"{name}-{zone.chassis}",
            route_table_id=table.id,
            subnet_id=zone.subnet.id,
            region=settings.region,
            opts=pulumi.ResourceOptions(parent=table),
        )
    return GroupNetwork(area.vpc, zones, acl, table)


def deployed_group(deployment: HostGroupDeployment, network: GroupNetwork, outputs: dict[str, Any]) -> AwsDeployedGroup:
    """The group as ``area_links`` needs it: only the CIDRs at the other end of a declared flow, never an area."""
    group = deployment.group
    peers: dict[str, str] = {}
    for rule in (*deployment.ingress, *deployment.egress):
        if needs_peering(rule):
            other = rule.source if rule.destination.id == group.id else rule.destination
            peers[str(other.cidr)] = other.area
    return AwsDeployedGroup(group, outputs, deployment.name, network.route_table, tuple(sorted(peers.items())))
