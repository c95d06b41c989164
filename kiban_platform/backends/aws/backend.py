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
No internet gateway or NAT gateway is made anywhere: no planned flow reaches "anywhere", and the
only paths between areas are the peerings of ``network.area_links``. In a spec with sites, a site
with links gets a transit gateway that joins no two areas (``links``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from kiban_platform.backends import Backend, HostGroupDeployment, TargetError
from kiban_platform.backends.aws.groups import GroupNetwork, deploy_group, tags
from kiban_platform.backends.aws.links import site_links
from kiban_platform.backends.aws.network import (
    AwsAreaNetwork,
    AwsDeployedGroup,
    area_network,
    deployed_group,
    group_network,
    zone_subnets,
)
from kiban_platform.backends.aws.network import area_links as link_areas
from kiban_platform.backends.aws.plan import check_links, check_spec, zones_of
from kiban_platform.backends.aws.settings import AwsSettings
from kiban_platform.backends.handles import AreaNetwork, DeployedGroup, DeployedTenant, VendorAccess, Zones, own
from kiban_platform.network.flows import FlowPlan
from kiban_platform.network.plan import NetworkPlan, Segment, Subnet
from kiban_platform.network.sites import PlannedLink
from kiban_platform.spec.model import (
    Area,
    Business,
    FailureDomains,
    MiddlewareRole,
    MiddlewareService,
    PlatformSpec,
)

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
class AwsVendorAccess(VendorAccess):
    """The deploying (platform) account's number, which owns every subnet RAM shares; None in one account."""

    owner_account_id: pulumi.Output[str] | None


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
        # aws:region against kiban:aws.region is the program's check (prepare), before anything is declared.
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
    def security_area(
        self,
        parent: pulumi.Resource,
        area: Area,
        platform_segment: Segment | None,
        hosts_per_subnet: Mapping[str, int],
        dns_servers: Sequence[str],
        zones: Zones,
    ) -> AwsAreaNetwork:
        return area_network(self.settings, parent, area, platform_segment, dns_servers, zones)

    # -- between areas --------------------------------------------------------------------------------
    def area_links(
        self,
        parent: pulumi.Resource,
        areas: Mapping[str, AreaNetwork],
        groups: Sequence[DeployedGroup],
        flows: FlowPlan,
    ) -> None:
        # Each peering is parented to an area, each route to its group's route table (``network.area_links``),
        # where they were made before links had a call of their own, so their URNs stay put.
        link_areas(
            self.settings,
            {area_id: own(network, AwsAreaNetwork, self.target) for area_id, network in areas.items()},
            [own(group, AwsDeployedGroup, self.target) for group in groups],
            flows,
        )

    # -- between sites --------------------------------------------------------------------------------
    def check_links(self, links: Sequence[PlannedLink], spec: PlatformSpec | None = None) -> None:
        check_links(links, self.settings, spec)

    def peer_outputs_needed(self, links: Sequence[PlannedLink]) -> list[str]:
        # AWS makes its end from the spec alone: the peer's outside address is declared (Link.addresses).
        return []

    def site_links(
        self,
        parent: pulumi.Resource,
        links: Sequence[PlannedLink],
        areas: Mapping[str, AreaNetwork],
        peers: Mapping[str, pulumi.Output[Any]],
        groups: Sequence[DeployedGroup] = (),
    ) -> dict[str, Any]:
        self.check_links(links)
        owned = {area_id: own(network, AwsAreaNetwork, self.target) for area_id, network in areas.items()}
        routed = [own(group, AwsDeployedGroup, self.target) for group in groups]
        return site_links(self.settings, parent, links, owned, routed)

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
        own_network = group_network(self.settings, parent, deployment, area, area.platform_subnets[role])
        outputs = deploy_group(parent, deployment, own_network, None, [], self._image(parent), self.settings)
        return deployed_group(deployment, own_network, outputs)

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
            blocks = zone_subnets(self.settings, parent, subnet.name, subnet.cidr, area.area, area.vpc, zones, labels)
            networks.append(group_network(self.settings, parent, deployment, area, blocks))
        tenancy = self._tenancy(parent, business, networks, owner)
        groups = []
        image = self._image(parent, tenancy.provider)
        for deployment, own_network in zip(tiers, networks, strict=True):
            group_outputs = deploy_group(
                parent, deployment, own_network, tenancy.provider, tenancy.ready, image, self.settings
            )
            groups.append(deployed_group(deployment, own_network, group_outputs))
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
