"""The OpenStack backend: what each kiban component becomes on the city's on-prem OpenStack.

Two scopes of resources:
- the platform's own: host aggregates, the areas' platform segments and the middleware,
  made with the stack's default ``openstack`` provider (the platform operator's project);
- each business's: a Keystone project with quotas and its vendor's group, its VLAN (an admin
  operation, so made by the default provider and handed to the project), and its tiers, made by
  a provider scoped to that project so instances, volumes and load balancers count against its
  quotas and its vendor sees them.
No router is made: each subnet's gateway (its first address) is the city's own L3 firewall,
which carries only the flow plan's rules between segments and areas.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_openstack as openstack

from kiban_platform.backends import Backend, HostGroupDeployment, TargetError, target_error
from kiban_platform.backends.handles import AreaNetwork, DeployedGroup, DeployedTenant, VendorAccess, Zones, own
from kiban_platform.backends.openstack.checks import link_problems, spec_problems
from kiban_platform.backends.openstack.groups import Scope, deploy_group
from kiban_platform.backends.openstack.handles import OpenStackAreaNetwork, OpenStackVendorAccess
from kiban_platform.backends.openstack.links import site_links
from kiban_platform.backends.openstack.settings import OpenStackSettings
from kiban_platform.backends.openstack.sizing import GroupShape, allocation_pool, project_quotas
from kiban_platform.network.flows import FlowPlan
from kiban_platform.network.plan import NetworkPlan, Segment, Subnet
from kiban_platform.network.sites import PlannedLink
from kiban_platform.spec.model import Area, Business, FailureDomains, MiddlewareRole, MiddlewareService, PlatformSpec
from kiban_platform.spec.sites import Encryption, Target

VLAN = "vlan"
# Provider settings a business provider inherits from the stack's ``openstack:`` config (camelCase keys).
_INHERITED_PROVIDER_KEYS = {
    "authUrl": "auth_url",
    "cloud": "cloud",
    "userName": "user_name",
    "userId": "user_id",
    "userDomainName": "user_domain_name",
    "userDomainId": "user_domain_id",
    "projectDomainName": "project_domain_name",
    "projectDomainId": "project_domain_id",
    "region": "region",
    "cacertFile": "cacert_file",
    "endpointType": "endpoint_type",
}


def vendor_resource_name(vendor: str) -> str:
    """A stable ASCII resource name for a vendor named in Japanese: the same vendor, the same name."""
    return "vendor-" + hashlib.sha256(vendor.encode("utf-8")).hexdigest()[:12]


class OpenStackBackend(Backend):
    target = "openstack"

    def __init__(self, settings: OpenStackSettings) -> None:
        self.settings = settings

    def check(self, spec: PlatformSpec, network: NetworkPlan | None = None, flows: FlowPlan | None = None) -> None:
        # The same rules as `kiban validate --target openstack`, with this stack's settings (no plan needed).
        problems = spec_problems(spec, self.settings)
        if problems:
            raise target_error(problems)

    # -- hardware -------------------------------------------------------------------------------------
    def hardware_pool(self, parent: pulumi.Resource, failure_domains: FailureDomains) -> Zones:
        for chassis in failure_domains.chassis:
            # One availability zone per chassis: a replica's zone is its chassis, so replicas never share one.
            openstack.compute.AggregateV2(
                chassis.id,
                name=chassis.openstack_aggregate,
                zone=chassis.openstack_zone,
                hosts=[self.settings.hypervisors.get(blade.id, blade.id) for blade in chassis.blades],
                metadata={"kiban-chassis": chassis.id},
                region=self.settings.region,
                opts=pulumi.ResourceOptions(parent=parent),
            )
        return Zones({chassis.id: chassis.openstack_zone for chassis in failure_domains.chassis})

    # -- identity -------------------------------------------------------------------------------------
    def vendor_access(self, parent: pulumi.Resource, vendors: Sequence[str]) -> OpenStackVendorAccess:
        invoke = pulumi.InvokeOutputOptions(parent=parent)
        role_id = openstack.identity.get_role_output(name=self.settings.vendor_role, opts=invoke).id
        operator_group_id = openstack.identity.get_group_output(name=self.settings.operator_group, opts=invoke).id
        vendor_groups: dict[str, pulumi.Output[str]] = {}
        for vendor in vendors:
            existing = self.settings.vendor_groups.get(vendor)
            if existing is not None:
                vendor_groups[vendor] = openstack.identity.get_group_output(name=existing, opts=invoke).id
            else:
                # Keystone allows non-ASCII group names: the group carries the vendor's registered name.
                group = openstack.identity.GroupV3(
                    vendor_resource_name(vendor),
                    name=vendor[:64],
                    description=f"kiban: business-application vendor {vendor}",
                    region=self.settings.region,
                    opts=pulumi.ResourceOptions(parent=parent),
                )
                vendor_groups[vendor] = group.id
        outputs = {
            "vendor_groups": {vendor: self.settings.vendor_groups.get(vendor, vendor[:64]) for vendor in vendors}
        }
        return OpenStackVendorAccess(outputs, role_id, operator_group_id, vendor_groups)

    # -- networks -------------------------------------------------------------------------------------
    def _network(
        self, parent: pulumi.Resource, name: str, segment: Segment, tenant_id: pulumi.Input[str] | None
    ) -> openstack.networking.Network:
        return openstack.networking.Network(
            name,
            name=name,
            segments=[
                openstack.networking.NetworkSegmentArgs(
                    network_type=VLAN,
                    physical_network=self.settings.physical_network,
                    segmentation_id=segment.vlan,
                )
            ],
            admin_state_up=True,
            shared=False,
            port_security_enabled=True,
            tenant_id=tenant_id,
            tags=["kiban", f"area:{segment.area}", f"segment:{segment.name}"],
            region=self.settings.region,
            # Provider networks are an admin operation: always the stack's default provider.
            opts=pulumi.ResourceOptions(parent=parent),
        )

    def _subnet(
        self,
        network: openstack.networking.Network,
        name: str,
        subnet: Subnet,
        fixed_hosts: int,
        dns_servers: Sequence[str],
        tenant_id: pulumi.Input[str] | None,
    ) -> openstack.networking.Subnet:
        pool = allocation_pool(subnet, fixed_hosts)
        return openstack.networking.Subnet(
            name,
            name=name,
            network_id=network.id,
            cidr=str(subnet.cidr),
            ip_version=4,
            gateway_ip=str(subnet.gateway),
            # Without room for a pool there is no DHCP: every port has its fixed address anyway.
            enable_dhcp=pool is not None,
            allocation_pools=[openstack.networking.SubnetAllocationPoolArgs(start=pool[0], end=pool[1])]
            if pool
            else None,
            dns_nameservers=list(dns_servers),
            tenant_id=tenant_id,
            tags=["kiban"],
            region=self.settings.region,
            opts=pulumi.ResourceOptions(parent=network),
        )

    def security_area(
        self,
        parent: pulumi.Resource,
        area: Area,
        platform_segment: Segment | None,
        hosts_per_subnet: Mapping[str, int],
        dns_servers: Sequence[str],
        zones: Zones,
    ) -> OpenStackAreaNetwork:
        if platform_segment is None:
            return OpenStackAreaNetwork(area, {"platform_vlan": None}, None, {})
        network = self._network(parent, f"{area.id}-platform", platform_segment, None)
        subnets = {}
        for subnet in platform_segment.subnets:
            assert subnet.role is not None  # the platform segment is cut by middleware role
            # Platform subnets are named alike in every area ("platform-database"): the area makes them unique.
            name = f"{area.id}-{subnet.name}"
            subnets[subnet.role] = self._subnet(
                network, name, subnet, hosts_per_subnet.get(subnet.name, 0), dns_servers, None
            )
        outputs = {"platform_vlan": platform_segment.vlan, "platform_network_id": network.id}
        return OpenStackAreaNetwork(area, outputs, network, subnets)

    # -- middleware -----------------------------------------------------------------------------------
    def middleware_tier(
        self,
        parent: pulumi.Resource,
        role: MiddlewareRole,
        service: MiddlewareService,
        deployment: HostGroupDeployment,
        network: AreaNetwork,
        zones: Zones,
    ) -> DeployedGroup:
        platform = own(network, OpenStackAreaNetwork, self.target)
        if platform.platform_network is None or role not in platform.platform_subnets:
            raise TargetError(f"{deployment.group.id}: area {platform.area.id} has no platform subnet for {role.value}")
        outputs = deploy_group(
            parent,
            deployment,
            Scope(None),
            platform.platform_network,
            platform.platform_subnets[role],
            zones,
            self.settings,
        )
        return DeployedGroup(deployment.group, outputs)

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
        vendors = own(access, OpenStackVendorAccess, self.target)
        opts = pulumi.ResourceOptions(parent=parent)
        project = openstack.identity.Project(
            business.id,
            name=f"kiban-{business.id}",
            description=f"{business.name} ({business.name_en}): {business.vendor}",
            enabled=True,
            tags=["kiban", f"area:{business.area}"],
            region=self.settings.region,
            opts=opts,
        )
        child = pulumi.ResourceOptions(parent=project)
        self._quotas(business, project, tiers, child)
        openstack.identity.RoleAssignment(
            f"{business.id}-vendor",
            project_id=project.id,
            group_id=vendors.vendor_groups[business.vendor],
            role_id=vendors.role_id,
            region=self.settings.region,
            opts=child,
        )
        # The deploying user belongs to the operators' group: this assignment lets the business provider
        # below scope a token to the new project, so it must exist before that provider is used.
        operators = openstack.identity.RoleAssignment(
            f"{business.id}-operators",
            project_id=project.id,
            group_id=vendors.operator_group_id,
            role_id=vendors.role_id,
            region=self.settings.region,
            opts=child,
        )
        provider = self._business_provider(business, project, operators, parent)
        # The business's own VLAN network: nothing of the area's platform segment is shared with it.
        business_network = self._network(parent, business.id, segment, project.id)
        groups = []
        for deployment in tiers:
            subnet = self._subnet(
                business_network,
                deployment.subnet.name,
                deployment.subnet,
                len(deployment.hosts),
                dns_servers,
                project.id,
            )
            outputs = deploy_group(parent, deployment, Scope(provider), business_network, subnet, zones, self.settings)
            groups.append(DeployedGroup(deployment.group, outputs))
        tiers_outputs = {group.group.id: group.outputs for group in groups}
        return DeployedTenant({"project_id": project.id, "vlan": segment.vlan, "tiers": tiers_outputs}, tuple(groups))

    # -- between areas --------------------------------------------------------------------------------
    def area_links(
        self,
        parent: pulumi.Resource,
        areas: Mapping[str, AreaNetwork],
        groups: Sequence[DeployedGroup],
        flows: FlowPlan,
    ) -> None:
        # Nothing to make: every segment's gateway is the city's own L3 firewall, which routes between
        # areas and carries only the flow plan's rules; the groups' security groups already hold them.
        return None

    # -- between sites --------------------------------------------------------------------------------
    def check_links(self, links: Sequence[PlannedLink], spec: PlatformSpec | None = None) -> None:
        problems = link_problems(links, spec)
        if problems:
            raise TargetError("; ".join(problems))

    def peer_outputs_needed(self, links: Sequence[PlannedLink]) -> list[str]:
        # AWS assigns each tunnel's outside address and pre-shared key: this end reads them from its stack.
        needed = [
            planned.peer.id
            for planned in links
            if planned.peer.target == Target.AWS and planned.link.encryption == Encryption.IPSEC
        ]
        return list(dict.fromkeys(needed))

    def site_links(
        self,
        parent: pulumi.Resource,
        links: Sequence[PlannedLink],
        areas: Mapping[str, AreaNetwork],
        peers: Mapping[str, pulumi.Output[Any]],
        groups: Sequence[DeployedGroup] = (),
    ) -> dict[str, Any]:
        self.check_links(links)
        owned = {area_id: own(network, OpenStackAreaNetwork, self.target) for area_id, network in areas.items()}
        return site_links(self.settings, parent, links, owned, peers)

    def _quotas(
        self,
        business: Business,
        project: openstack.identity.Project,
        tiers: Sequence[HostGroupDeployment],
        opts: pulumi.ResourceOptions,
    ) -> None:
        shapes = [
            GroupShape(
                tuple(host.vm for host in deployment.hosts),
                len(deployment.ingress) + len(deployment.egress),
                deployment.anti_affinity and len(deployment.hosts) > 1,
                len(deployment.balanced_ports),
            )
            for deployment in tiers
        ]
        volume_types = {tier.value: name for tier, name in self.settings.volume_types.items()}
        quotas = project_quotas(shapes, volume_types)
        region = self.settings.region
        openstack.compute.QuotaSetV2(
            business.id,
            project_id=project.id,
            instances=quotas.instances,
            cores=quotas.cores,
            ram=quotas.ram_mb,
            server_groups=quotas.server_groups,
            server_group_members=quotas.server_group_members,
            key_pairs=0,
            region=region,
            opts=opts,
        )
        per_type = {f"volumes_{kind}": str(count) for kind, count in sorted(quotas.volumes_by_type.items())}
        per_type |= {f"gigabytes_{kind}": str(size) for kind, size in sorted(quotas.gigabytes_by_type.items())}
        openstack.blockstorage.QuoteSetV3(
            business.id,
            project_id=project.id,
            volumes=quotas.volumes,
            gigabytes=quotas.gigabytes,
            volume_type_quota=per_type,
            snapshots=0,
            backups=0,
            backup_gigabytes=0,
            region=region,
            opts=opts,
        )
        openstack.networking.QuotaV2(
            business.id,
            project_id=project.id,
            network=quotas.networks,
            subnet=quotas.subnets,
            port=quotas.ports,
            router=0,
            floatingip=0,
            security_group=quotas.security_groups,
            security_group_rule=quotas.security_group_rules,
            region=region,
            opts=opts,
        )
        openstack.loadbalancer.Quota(
            business.id,
            project_id=project.id,
            loadbalancer=quotas.load_balancers,
            listener=quotas.listeners,
            pool=quotas.pools,
            member=quotas.members,
            health_monitor=quotas.health_monitors,
            region=region,
            opts=opts,
        )

    def _business_provider(
        self,
        business: Business,
        project: openstack.identity.Project,
        operators: openstack.identity.RoleAssignment,
        parent: pulumi.Resource,
    ) -> openstack.Provider:
        config = pulumi.Config("openstack")
        inherited: dict[str, Any] = {arg: config.get(key) for key, arg in _INHERITED_PROVIDER_KEYS.items()}
        return openstack.Provider(
            business.id,
            tenant_id=project.id,
            password=config.get_secret("password"),
            insecure=config.get_bool("insecure"),
            **inherited,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[operators]),
        )
