"""The AWS backend: what each kiban component becomes in an AWS organisation (pulumi-aws 7.x).

Two scopes of resources, as in the Government Cloud:
- the network, owned by the deploying (platform) account with the stack's default ``aws``
  provider: a VPC per security area, a subnet per tier and zone, network ACLs, route tables,
  VPC peerings for declared flows between areas, the high areas' VPC endpoints, and the
  middleware (job manager, hub, load balancer, database, monitoring, time and name);
- each business's, made in its own account (``tenancy: account``): an Organizations account per
  business and environment, a provider that assumes the account's access role, and the tiers'
  security groups, placement groups, instances, volumes and load balancers, in the platform's
  subnets shared to that account with AWS RAM. ``tenancy: single`` puts them in the platform's
  account instead, separated by subnets, security groups and tags.
No internet gateway, NAT gateway or transit gateway is made anywhere: no planned flow reaches
"anywhere", and the only paths between areas are the peerings below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from kiban_platform.backends import Backend, HostGroupDeployment, TargetError
from kiban_platform.backends.aws.groups import GroupNetwork, ZoneSubnet, deploy_group, tags
from kiban_platform.backends.aws.plan import (
    acl_entries,
    check_spec,
    endpoint_subnet,
    needs_peering,
    peer_pairs,
    zonal_subnets,
    zones_of,
)
from kiban_platform.backends.aws.settings import AwsSettings
from kiban_platform.backends.handles import AreaNetwork, DeployedGroup, DeployedTenant, VendorAccess, Zones, own
from kiban_platform.network.flows import FlowPlan
from kiban_platform.network.plan import NetworkPlan, Segment, Subnet
from kiban_platform.spec.model import (
    Area,
    AreaLevel,
    Business,
    FailureDomains,
    MiddlewareRole,
    MiddlewareService,
    PlatformSpec,
)

HTTPS = 443
# Provider settings a business account's provider inherits from the stack's ``aws:`` config, so a
# local endpoint profile (moto) or a named profile reaches the same place for every account.
_INHERITED_PROVIDER_KEYS = {
    "endpoints": "endpoints",
    "skipCredentialsValidation": "skip_credentials_validation",
    "skipRequestingAccountId": "skip_requesting_account_id",
    "skipMetadataApiCheck": "skip_metadata_api_check",
    "skipRegionValidation": "skip_region_validation",
    "profile": "profile",
    "accessKey": "access_key",
    "secretKey": "secret_key",
    "insecure": "insecure",
    "stsRegion": "sts_region",
}


@dataclass(frozen=True)
class AwsAreaNetwork(AreaNetwork):
    """An area's VPC, the area component its peerings belong to, and its platform subnets per role and zone."""

    vpc: aws.ec2.Vpc
    component: pulumi.Resource
    platform_subnets: Mapping[MiddlewareRole, tuple[ZoneSubnet, ...]]


@dataclass(frozen=True)
class AwsVendorAccess(VendorAccess):
    """The deploying (platform) account's number, which owns every subnet RAM shares; None in one account."""

    owner_account_id: pulumi.Output[str] | None


@dataclass(frozen=True)
class AwsDeployedGroup(DeployedGroup):
    """A host group's route table, and the CIDRs (with their areas) its declared flows reach in other areas."""

    name: str
    route_table: aws.ec2.RouteTable
    peers: tuple[tuple[str, str], ...]


@dataclass
class _Tenancy:
    """Where one business's compute lives: its account's provider, and what must exist before it is used."""

    provider: pulumi.ProviderResource | None
    ready: list[pulumi.Resource]
    share: aws.ram.ResourceShare | None = None


class AwsBackend(Backend):
    target = "aws"
    zonal_subnets = True

    def __init__(self, settings: AwsSettings) -> None:
        self.settings = settings

    def check(self, spec: PlatformSpec, network: NetworkPlan | None = None, flows: FlowPlan | None = None) -> None:
        check_spec(spec, self.settings, network, flows)

    @property
    def _region(self) -> str:
        return self.settings.region

    # -- hardware -------------------------------------------------------------------------------------
    def hardware_pool(self, parent: pulumi.Resource, failure_domains: FailureDomains) -> Zones:
        configured = pulumi.Config("aws").get("region")
        if configured is not None and configured != self._region:
            raise TargetError(
                f"aws:region is {configured} but kiban:aws.region is {self._region}: set both to the same region"
            )
        # AWS owns the hardware: a chassis becomes an availability zone, and nothing is created for it.
        return Zones(zones_of(failure_domains, self.settings))

    # -- identity -------------------------------------------------------------------------------------
    def vendor_access(self, parent: pulumi.Resource, vendors: Sequence[str]) -> AwsVendorAccess:
        # A vendor's people reach its business account through the organisation's IAM Identity Center
        # permission sets, which the city manages centrally (as Control Tower does); kiban makes none.
        outputs = {"tenancy": self.settings.tenancy, "environment": self.settings.environment}
        if self.settings.tenancy != "account":
            return AwsVendorAccess(outputs, None)
        # The caller identity's id is the deploying account's number: the owner of every subnet shared by RAM.
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent))
        return AwsVendorAccess(outputs, identity.id)

    # -- networks -------------------------------------------------------------------------------------
    def _subnets(
        self,
        parent: pulumi.Resource,
        name: str,
        cidr: Any,
        area: Area,
        vpc: aws.ec2.Vpc,
        zones: Zones,
        labels: Mapping[str, str],
    ) -> tuple[ZoneSubnet, ...]:
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
                region=self._region,
                tags=tags(f"{name}-{zone}", area=area.id, subnet=name, **{"failure-domain": chassis}, **labels),
                opts=pulumi.ResourceOptions(parent=parent),
            )
            made.append(ZoneSubnet(f"{name}-{chassis}", chassis, zone, block, subnet))
        return tuple(made)

    def security_area(
        self,
        parent: pulumi.Resource,
        area: Area,
        platform_segment: Segment | None,
        hosts_per_subnet: Mapping[str, int],
        dns_servers: Sequence[str],
        zones: Zones,
    ) -> AwsAreaNetwork:
        opts = pulumi.ResourceOptions(parent=parent)
        vpc = aws.ec2.Vpc(
            area.id,
            cidr_block=str(area.supernet),
            # Interface endpoints answer on their private DNS names only with both on.
            enable_dns_support=True,
            enable_dns_hostnames=True,
            instance_tenancy="default",
            region=self._region,
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
                region=self._region,
                tags=tags(f"kiban-{area.id}", area=area.id),
                opts=opts,
            )
            aws.ec2.VpcDhcpOptionsAssociation(
                area.id, vpc_id=vpc.id, dhcp_options_id=options.id, region=self._region, opts=opts
            )
        platform_subnets = {}
        if platform_segment is not None:
            for subnet in platform_segment.subnets:
                assert subnet.role is not None  # the platform segment is cut by middleware role
                platform_subnets[subnet.role] = self._subnets(
                    parent, f"{area.id}-{subnet.name}", subnet.cidr, area, vpc, zones, {"role": subnet.role.value}
                )
        if area.level == AreaLevel.HIGH and self.settings.high_area_endpoints:
            outputs["endpoints"] = self._endpoints(parent, area, vpc, zones)
        return AwsAreaNetwork(area, outputs, vpc, parent, platform_subnets)

    def _endpoints(self, parent: pulumi.Resource, area: Area, vpc: aws.ec2.Vpc, zones: Zones) -> list[str]:
        """The high area's only way to AWS services: interface endpoints, no internet or NAT gateway."""
        opts = pulumi.ResourceOptions(parent=parent)
        name = f"{area.id}-endpoints"
        cidr = endpoint_subnet(area)
        subnets = self._subnets(parent, name, cidr, area, vpc, zones, {"role": "vpc-endpoints"})
        group = aws.ec2.SecurityGroup(
            name,
            name=name,
            description="kiban: HTTPS from inside the area to its VPC endpoints",
            vpc_id=vpc.id,
            region=self._region,
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
            region=self._region,
            opts=pulumi.ResourceOptions(parent=group),
        )
        acl = aws.ec2.NetworkAcl(
            name,
            vpc_id=vpc.id,
            subnet_ids=[zone.subnet.id for zone in subnets],
            region=self._region,
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
                region=self._region,
                opts=pulumi.ResourceOptions(parent=acl),
            )
        services = []
        for service in self.settings.high_area_endpoints:
            service_name = f"com.amazonaws.{self._region}.{service}"
            aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=vpc.id,
                service_name=service_name,
                vpc_endpoint_type="Interface",
                subnet_ids=[zone.subnet.id for zone in subnets],
                security_group_ids=[group.id],
                private_dns_enabled=True,
                region=self._region,
                tags=tags(f"{name}-{service}", area=area.id),
                opts=opts,
            )
            services.append(service_name)
        return services

    # -- between areas --------------------------------------------------------------------------------
    def area_links(
        self,
        parent: pulumi.Resource,
        areas: Mapping[str, AreaNetwork],
        groups: Sequence[DeployedGroup],
        flows: FlowPlan,
    ) -> None:
        """A VPC peering per pair of areas a declared flow joins, and a route per group per flow CIDR.

        Each peering belongs to the area component named second in its pair, each route to its group's
        route table: where they have always been, so their URNs stay put.
        """
        networks = {area_id: own(network, AwsAreaNetwork, self.target) for area_id, network in areas.items()}
        peerings = {}
        for pair in sorted(peer_pairs([network.area for network in networks.values()], flows)):
            first, second = networks[pair[0]], networks[pair[1]]
            peerings[pair] = aws.ec2.VpcPeeringConnection(
                f"{pair[0]}-{pair[1]}",
                vpc_id=first.vpc.id,
                peer_vpc_id=second.vpc.id,
                # Both VPCs are the platform account's: the request accepts itself.
                auto_accept=True,
                region=self._region,
                tags=tags(f"kiban-{pair[0]}-{pair[1]}", areas=f"{pair[0]},{pair[1]}"),
                opts=pulumi.ResourceOptions(parent=second.component),
            )
        for deployed in groups:
            routed = own(deployed, AwsDeployedGroup, self.target)
            area_id = routed.group.area
            for cidr, other_area in routed.peers:
                aws.ec2.Route(
                    f"{routed.name}-to-{cidr.replace('/', '-')}",
                    route_table_id=routed.route_table.id,
                    destination_cidr_block=cidr,
                    vpc_peering_connection_id=peerings[(min(area_id, other_area), max(area_id, other_area))].id,
                    region=self._region,
                    opts=pulumi.ResourceOptions(parent=routed.route_table),
                )

    def _group_network(
        self,
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
            self.settings.nacl_rule_limit,
        )
        acl = aws.ec2.NetworkAcl(
            name,
            vpc_id=area.vpc.id,
            subnet_ids=[zone.subnet.id for zone in zones],
            region=self._region,
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
                region=self._region,
                opts=pulumi.ResourceOptions(parent=acl),
            )
        table = aws.ec2.RouteTable(
            name,
            vpc_id=area.vpc.id,
            region=self._region,
            tags=tags(name, area=group.area, group=group.id),
            opts=opts,
        )
        for zone in zones:
            aws.ec2.RouteTableAssociation(
                f"{name}-{zone.chassis}",
                route_table_id=table.id,
                subnet_id=zone.subnet.id,
                region=self._region,
                opts=pulumi.ResourceOptions(parent=table),
            )
        return GroupNetwork(area.vpc, zones, acl, table)

    def _deployed(
        self, deployment: HostGroupDeployment, network: GroupNetwork, outputs: dict[str, Any]
    ) -> AwsDeployedGroup:
        """The group as ``area_links`` needs it: only the CIDRs at the other end of a declared flow, never an area."""
        group = deployment.group
        peers: dict[str, str] = {}
        for rule in (*deployment.ingress, *deployment.egress):
            if needs_peering(rule):
                other = rule.source if rule.destination.id == group.id else rule.destination
                peers[str(other.cidr)] = other.area
        return AwsDeployedGroup(group, outputs, deployment.name, network.route_table, tuple(sorted(peers.items())))

    # -- middleware -----------------------------------------------------------------------------------
    def middleware_tier(
        self,
        parent: pulumi.Resource,
        role: MiddlewareRole,
        service: MiddlewareService,
        deployment: HostGroupDeployment,
        network: AreaNetwork,
        zones: Zones,
    ) -> AwsDeployedGroup:
        area = own(network, AwsAreaNetwork, self.target)
        if role not in area.platform_subnets:
            raise TargetError(f"{deployment.group.id}: area {area.area.id} has no platform subnet for {role.value}")
        group_network = self._group_network(parent, deployment, area, area.platform_subnets[role])
        outputs = deploy_group(parent, deployment, group_network, None, [], self._image(parent), self.settings)
        return self._deployed(deployment, group_network, outputs)

    # -- businesses -----------------------------------------------------------------------------------
    def business_tenant(
        self,
        parent: pulumi.Resource,
        business: Business,
        segment: Segment,
        tiers: Sequence[HostGroupDeployment],
        dns_servers: Sequence[str],
        network: AreaNetwork,
        zones: Zones,
        access: VendorAccess,
    ) -> DeployedTenant:
        area = own(network, AwsAreaNetwork, self.target)
        owner = own(access, AwsVendorAccess, self.target).owner_account_id
        networks = []
        for deployment in tiers:
            subnet: Subnet = deployment.subnet
            assert subnet.tier is not None
            labels = {"business": business.id, "tier": subnet.tier.value}
            blocks = self._subnets(parent, subnet.name, subnet.cidr, area.area, area.vpc, zones, labels)
            networks.append(self._group_network(parent, deployment, area, blocks))
        tenancy = self._tenancy(parent, business, networks, owner)
        groups = []
        image = self._image(parent, tenancy.provider)
        for deployment, group_network in zip(tiers, networks, strict=True):
            group_outputs = deploy_group(
                parent, deployment, group_network, tenancy.provider, tenancy.ready, image, self.settings
            )
            groups.append(self._deployed(deployment, group_network, group_outputs))
        outputs: dict[str, Any] = {"tenancy": self.settings.tenancy}
        if self.settings.tenancy == "account":
            outputs["account_name"] = self._account_name(business)
        outputs["tiers"] = {group.group.id: group.outputs for group in groups}
        return DeployedTenant(outputs, tuple(groups))

    def _account_name(self, business: Business) -> str:
        return f"kiban-{business.id}-{self.settings.environment}"

    def _tenancy(
        self,
        parent: pulumi.Resource,
        business: Business,
        networks: Sequence[GroupNetwork],
        owner: pulumi.Output[str] | None,
    ) -> _Tenancy:
        if self.settings.tenancy == "single":
            return _Tenancy(None, [])
        if owner is None:
            raise TargetError("a business account's subnets are shared by RAM: vendor_access gives no owner account")
        opts = pulumi.ResourceOptions(parent=parent)
        account = aws.organizations.Account(
            business.id,
            name=self._account_name(business),
            email=self.settings.account_email_of(business.id),
            parent_id=self.settings.organization_parent_id,
            role_name=self.settings.access_role,
            # Vendors never see the organisation's bills.
            iam_user_access_to_billing="DENY",
            # Deleting the stack must not close an account that holds a city's resident data.
            close_on_deletion=False,
            tags=tags(self._account_name(business), business=business.id, environment=self.settings.environment),
            opts=opts,
        )
        config = pulumi.Config("aws")
        inherited: dict[str, Any] = {}
        for key, argument in _INHERITED_PROVIDER_KEYS.items():
            value = config.get_object(key) if key == "endpoints" else config.get(key)
            if value is not None:
                inherited[argument] = value
        for flag in (
            "skip_credentials_validation",
            "skip_requesting_account_id",
            "skip_metadata_api_check",
            "skip_region_validation",
            "insecure",
        ):
            if flag in inherited:
                inherited[flag] = str(inherited[flag]).lower() == "true"
        role = self.settings.access_role
        provider = aws.Provider(
            business.id,
            region=self._region,
            assume_roles=[
                aws.ProviderAssumeRoleArgs(
                    # An Organizations account's id is its 12-digit account number.
                    role_arn=account.id.apply(lambda account_id: f"arn:aws:iam::{account_id}:role/{role}"),
                    session_name=f"kiban-{business.id}"[:64],
                )
            ],
            default_tags=aws.ProviderDefaultTagsArgs(tags={"kiban:business": business.id}),
            **inherited,
            opts=opts,
        )
        # The network stays the platform account's; the business account gets its tier subnets through RAM.
        share = aws.ram.ResourceShare(
            business.id,
            name=f"kiban-{business.id}-{self.settings.environment}",
            allow_external_principals=False,
            region=self._region,
            tags=tags(f"kiban-{business.id}", business=business.id),
            opts=opts,
        )
        share_opts = pulumi.ResourceOptions(parent=share)
        ready: list[pulumi.Resource] = [
            aws.ram.PrincipalAssociation(
                business.id,
                principal=account.id,
                # A resource share's id is its ARN.
                resource_share_arn=share.id,
                region=self._region,
                opts=share_opts,
            )
        ]
        for network in networks:
            for zone in network.zones:
                ready.append(
                    aws.ram.ResourceAssociation(
                        zone.name,
                        resource_arn=pulumi.Output.concat(
                            "arn:aws:ec2:", self._region, ":", owner, ":subnet/", zone.subnet.id
                        ),
                        resource_share_arn=share.id,
                        region=self._region,
                        opts=share_opts,
                    )
                )
        return _Tenancy(provider, ready, share)

    def _image(self, parent: pulumi.Resource, provider: pulumi.ProviderResource | None = None) -> pulumi.Input[str]:
        if self.settings.ami is not None:
            return self.settings.ami
        # Looked up in the account that launches the instances: an AMI is shared to it by the city.
        image = aws.ec2.get_ami_output(
            most_recent=True,
            owners=[self.settings.ami_owner],
            filters=[aws.ec2.GetAmiFilterArgs(name="name", values=[self.settings.ami_name])],
            region=self._region,
            opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider),
        )
        return image.id
