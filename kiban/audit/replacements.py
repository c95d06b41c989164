"""Which input changes make a provider create a new resource (Terraform ``ForceNew``), per resource type.

pulumi-openstack and pulumi-aws bridge the Terraform providers, and the bridge
replaces a resource exactly when Terraform would: when an input whose schema
says ``ForceNew`` changes, or when the resource's ``CustomizeDiff`` (or, for
plugin-framework resources, a ``RequiresReplace`` plan modifier) says so. This
table copies those facts from the providers' own sources, with the file each
came from, for every type kiban declares on either target (and the types the
audit interprets, so a planted gateway or floating IP is judged too). Property
names are the Pulumi (camelCase) input names, as they appear in a state's
``inputs``; a nested property is written ``block.field`` (list indices dropped).

Sources, read at the versions the pinned SDKs bridge:
- terraform-provider-openstack v3.4.0 (pulumi-openstack 5.5.x), ``openstack/resource_openstack_*.go``;
- terraform-provider-aws ``internal/service/**`` as patched by Pulumi (the ``patched-v5.14.0`` tree of
  pulumi/terraform-provider-aws), and for ``region`` the v6 guide
  ``website/docs/guides/enhanced-region-support.html.markdown`` ("Changing the value of region will force
  resource replacement"; every regional resource has it since v6, which pulumi-aws 7 bridges);
- the Pulumi engine itself (pulumi/pulumi ``pkg/resource/deploy/step_generator.go``, ``providerChanged``):
  a resource whose provider reference changes is replaced.

What is left out, and why: conditions known only to the cloud at plan time (an OpenStack instance is
re-created on a flavor change only when its old flavor was deleted; an AWS instance's
``launchTemplate.version`` when the template's default/latest version moved) are not replacements a
state can show, so they count as in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

PROVIDER_KEY = "(provider)"  # the pseudo-property audit.changes uses for a changed provider reference


class Condition(Protocol):
    """A replacement that depends on the values, not just on which property changed."""

    def forced(self, before: Mapping[str, Any], after: Mapping[str, Any], changed: frozenset[str]) -> tuple[str, ...]:
        """The properties that force a new resource under this condition (changed: top-level names)."""


@dataclass(frozen=True)
class WhenFlag:
    """``keys`` force a new resource when they change and the new inputs set ``flag`` true."""

    keys: tuple[str, ...]
    flag: str

    def forced(self, before: Mapping[str, Any], after: Mapping[str, Any], changed: frozenset[str]) -> tuple[str, ...]:
        setting = after.get(self.flag)
        on = setting is True or (isinstance(setting, str) and setting.lower() == "true")
        return tuple(key for key in self.keys if key in changed) if on else ()


@dataclass(frozen=True)
class WhenEquals:
    """``keys`` force a new resource when they change while ``key`` is ``value`` (e.g. a network load balancer)."""

    keys: tuple[str, ...]
    key: str
    value: str

    def forced(self, before: Mapping[str, Any], after: Mapping[str, Any], changed: frozenset[str]) -> tuple[str, ...]:
        return tuple(key for key in self.keys if key in changed) if after.get(self.key) == self.value else ()


@dataclass(frozen=True)
class EmptinessFlips:
    """``keys`` force a new resource when they go from empty to set or back, while ``key`` is ``value``."""

    keys: tuple[str, ...]
    key: str
    value: str

    def forced(self, before: Mapping[str, Any], after: Mapping[str, Any], changed: frozenset[str]) -> tuple[str, ...]:
        if after.get(self.key) != self.value:
            return ()
        return tuple(key for key in self.keys if key in changed and bool(before.get(key)) != bool(after.get(key)))


@dataclass(frozen=True)
class SwitchOf:
    """Changing *which* of ``keys`` is set forces a new resource; changing its value does not."""

    keys: tuple[str, ...]

    def forced(self, before: Mapping[str, Any], after: Mapping[str, Any], changed: frozenset[str]) -> tuple[str, ...]:
        was = tuple(key for key in self.keys if before.get(key) not in (None, ""))
        now = tuple(key for key in self.keys if after.get(key) not in (None, ""))
        return tuple(sorted(set(was) ^ set(now))) if was != now else ()


@dataclass(frozen=True)
class UnlessFromTo:
    """A change of ``key`` forces a new resource, except from ``source`` to ``target``."""

    key: str
    source: str
    target: str

    def forced(self, before: Mapping[str, Any], after: Mapping[str, Any], changed: frozenset[str]) -> tuple[str, ...]:
        if self.key not in changed or (before.get(self.key), after.get(self.key)) == (self.source, self.target):
            return ()
        return (self.key,)


@dataclass(frozen=True)
class WhenFromTo:
    """A change of ``key`` from ``source`` to ``target`` forces a new resource; any other change does not."""

    key: str
    source: str
    target: str

    def forced(self, before: Mapping[str, Any], after: Mapping[str, Any], changed: frozenset[str]) -> tuple[str, ...]:
        if self.key in changed and (before.get(self.key), after.get(self.key)) == (self.source, self.target):
            return (self.key,)
        return ()


@dataclass(frozen=True)
class ForceNew:
    """The force-new facts of one resource type and the provider file they come from."""

    source: str
    keys: frozenset[str]
    conditions: tuple[Condition, ...] = field(default=())


def _os(resource: str, *keys: str, conditions: tuple[Condition, ...] = ()) -> ForceNew:
    source = f"terraform-provider-openstack v3.4.0: openstack/resource_openstack_{resource}.go"
    return ForceNew(source, frozenset(("region", *keys)), conditions)


def _aws(path: str, *keys: str, regional: bool = True, conditions: tuple[Condition, ...] = ()) -> ForceNew:
    source = f"terraform-provider-aws (patched-v5.14.0, v6 region guide): internal/service/{path}"
    return ForceNew(source, frozenset((*(("region",) if regional else ()), *keys)), conditions)


_LOAD_BALANCER = _aws(
    "elbv2/load_balancer.go",
    "customerOwnedIpv4Pool",
    "internal",
    "loadBalancerType",
    "name",
    "namePrefix",
    "subnetMappings",
    # customizeDiffNLB: a network load balancer cannot change subnets, nor gain or lose all security groups.
    conditions=(
        WhenEquals(("subnets",), "loadBalancerType", "network"),
        EmptinessFlips(("securityGroups",), "loadBalancerType", "network"),
    ),
)
_SECURITY_GROUP_RULE = (
    "securityGroupId",
    # ModifyPlan: "When you modify a rule, you cannot change the rule's source type."
)
_RULE_SOURCES = SwitchOf(("cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"))

FORCE_NEW: dict[str, ForceNew] = {
    # -- OpenStack ------------------------------------------------------------------------------------
    "openstack:blockstorage/quoteSetV3:QuoteSetV3": _os("blockstorage_quotaset_v3", "projectId"),
    "openstack:blockstorage/volume:Volume": _os(
        "blockstorage_volume_v3",
        "availabilityZone",
        "snapshotId",
        "sourceVolId",
        "imageId",
        "backupId",
        "consistencyGroupId",
        "sourceReplica",
        "schedulerHints",  # every field of the block is ForceNew
    ),
    "openstack:compute/aggregateV2:AggregateV2": _os("compute_aggregate_v2"),
    "openstack:compute/instance:Instance": _os(
        "compute_instance_v2",
        "userData",
        "availabilityZoneHints",
        "availabilityZone",
        "networkMode",
        "networks",
        "hypervisorHostname",
        "configDrive",
        "keyPair",
        "blockDevices",  # every field of the block is ForceNew
        "schedulerHints",  # every field of the block is ForceNew
    ),
    "openstack:compute/quotaSetV2:QuotaSetV2": _os("compute_quotaset_v2", "projectId"),
    "openstack:compute/serverGroup:ServerGroup": _os(
        "compute_servergroup_v2", "name", "policies", "rules", "valueSpecs"
    ),
    "openstack:compute/volumeAttach:VolumeAttach": _os(
        "compute_volume_attach_v2", "instanceId", "volumeId", "multiattach", "tag", "vendorOptions"
    ),
    "openstack:identity/groupV3:GroupV3": _os("identity_group_v3", "domainId"),
    "openstack:identity/project:Project": _os("identity_project_v3", "domainId", "isDomain", "parentId"),
    "openstack:identity/roleAssignment:RoleAssignment": _os(
        "identity_role_assignment_v3", "domainId", "groupId", "projectId", "roleId", "userId"
    ),
    "openstack:loadbalancer/listener:Listener": _os(
        "lb_listener_v2", "protocol", "protocolPort", "tenantId", "loadbalancerId"
    ),
    "openstack:loadbalancer/loadBalancer:LoadBalancer": _os(
        "lb_loadbalancer_v2",
        "vipNetworkId",
        "vipSubnetId",
        "vipPortId",
        "tenantId",
        "vipAddress",
        "flavorId",
        "loadbalancerProvider",
        "availabilityZone",
    ),
    "openstack:loadbalancer/member:Member": _os(
        "lb_member_v2", "tenantId", "address", "protocolPort", "subnetId", "poolId"
    ),
    "openstack:loadbalancer/monitor:Monitor": _os("lb_monitor_v2", "poolId", "tenantId", "type"),
    "openstack:loadbalancer/pool:Pool": _os("lb_pool_v2", "tenantId", "protocol", "loadbalancerId", "listenerId"),
    "openstack:loadbalancer/quota:Quota": _os("lb_quota_v2", "projectId"),
    "openstack:networking/network:Network": _os(
        "networking_network_v2", "tenantId", "valueSpecs", "availabilityZoneHints", "transparentVlan"
    ),
    "openstack:networking/port:Port": _os(
        "networking_port_v2", "networkId", "macAddress", "tenantId", "deviceOwner", "deviceId", "valueSpecs"
    ),
    "openstack:networking/quotaV2:QuotaV2": _os("networking_quota_v2", "projectId"),
    "openstack:networking/secGroup:SecGroup": _os("networking_secgroup_v2", "tenantId", "deleteDefaultRules"),
    "openstack:networking/secGroupRule:SecGroupRule": _os(
        "networking_secgroup_rule_v2",
        "description",
        "direction",
        "ethertype",
        "portRangeMin",
        "portRangeMax",
        "protocol",
        "remoteGroupId",
        "remoteIpPrefix",
        "remoteAddressGroupId",
        "securityGroupId",
        "tenantId",
    ),
    "openstack:networking/subnet:Subnet": _os(
        "networking_subnet_v2",
        "networkId",
        "cidr",
        "prefixLength",
        "tenantId",
        "ipVersion",
        "ipv6AddressMode",
        "ipv6RaMode",
        "subnetpoolId",
        "valueSpecs",
    ),
    "openstack:networking/floatingIp:FloatingIp": _os(
        "networking_floatingip_v2", "address", "pool", "tenantId", "valueSpecs", "dnsName", "dnsDomain"
    ),
    "openstack:networking/floatingIpAssociate:FloatingIpAssociate": _os(
        "networking_floatingip_associate_v2", "floatingIp"
    ),
    "openstack:vpnaas/service:Service": _os("vpnaas_service_v2", "routerId", "subnetId", "tenantId", "valueSpecs"),
    "openstack:vpnaas/ikePolicy:IkePolicy": _os("vpnaas_ike_policy_v2", "tenantId", "valueSpecs"),
    "openstack:vpnaas/ipSecPolicy:IpSecPolicy": _os("vpnaas_ipsec_policy_v2", "tenantId", "valueSpecs"),
    "openstack:vpnaas/endpointGroup:EndpointGroup": _os(
        "vpnaas_endpoint_group_v2", "endpoints", "tenantId", "type", "valueSpecs"
    ),
    "openstack:vpnaas/siteConnection:SiteConnection": _os(
        "vpnaas_site_connection", "ikepolicyId", "ipsecpolicyId", "tenantId", "valueSpecs", "vpnserviceId"
    ),
    "openstack:networking/router:Router": _os(
        "networking_router_v2", "distributed", "tenantId", "valueSpecs", "availabilityZoneHints"
    ),
    "openstack:networking/routerInterface:RouterInterface": _os(
        "networking_router_interface_v2", "routerId", "subnetId", "portId"
    ),
    "openstack:networking/routerRoute:RouterRoute": _os(
        "networking_router_route_v2", "routerId", "destinationCidr", "nextHop"
    ),
    "openstack:networking/portSecGroupAssociate:PortSecGroupAssociate": _os(
        "networking_port_secgroup_associate_v2", "portId"
    ),
    "openstack:networking/subnetRoute:SubnetRoute": _os(
        "networking_subnet_route_v2", "subnetId", "destinationCidr", "nextHop"
    ),
    # -- AWS ------------------------------------------------------------------------------------------
    "aws:ebs/volume:Volume": _aws(
        "ec2/ebs_volume.go",
        "availabilityZone",
        "encrypted",
        "kmsKeyId",
        "multiAttachEnabled",
        "outpostArn",
        "snapshotId",
    ),
    "aws:ebs/encryptionByDefault:EncryptionByDefault": _aws("ec2/ebs_encryption_by_default.go"),
    "aws:ec2/instance:Instance": _aws(
        "ec2/ec2_instance.go",
        "ami",
        "associatePublicIpAddress",
        "availabilityZone",
        "cpuOptions.amdSevSnp",
        "cpuOptions.coreCount",
        "cpuOptions.threadsPerCore",
        "ebsBlockDevices",  # every field of the block is ForceNew
        "ebsOptimized",
        "enclaveOptions.enabled",
        "ephemeralBlockDevices",
        "hibernation",
        "hostId",
        "instanceMarketOptions",
        "ipv6AddressCount",
        "ipv6Addresses",
        "keyName",
        "launchTemplate.id",
        "launchTemplate.name",
        "networkInterfaces",  # every field of the block is ForceNew
        "placementGroup",
        "placementPartitionNumber",
        "privateDnsNameOptions",
        "privateIp",
        "rootBlockDevice.encrypted",
        "rootBlockDevice.kmsKeyId",
        "securityGroups",
        "subnetId",
        "tenancy",
        # customdiff.ForceNewIf("user_data"/"user_data_base64"): only with user_data_replace_on_change.
        conditions=(WhenFlag(("userData", "userDataBase64"), "userDataReplaceOnChange"),),
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": _aws("ec2/ec2_launch_template.go", "name", "namePrefix"),
    "aws:ec2/placementGroup:PlacementGroup": _aws(
        "ec2/ec2_placement_group.go", "name", "partitionCount", "spreadLevel", "strategy"
    ),
    "aws:ec2/eip:Eip": _aws("ec2/ec2_eip.go", "address", "domain", "networkBorderGroup", "publicIpv4Pool"),
    "aws:ec2/eipAssociation:EipAssociation": _aws(
        "ec2/ec2_eip_association.go",
        "allocationId",
        "allowReassociation",
        "instanceId",
        "networkInterfaceId",
        "privateIpAddress",
        "publicIp",
    ),
    "aws:ec2/volumeAttachment:VolumeAttachment": _aws(
        "ec2/ebs_volume_attachment.go", "deviceName", "instanceId", "volumeId"
    ),
    "aws:ec2/vpc:Vpc": _aws(
        "ec2/vpc_.go",
        "cidrBlock",  # also resourceVPCCustomizeDiff: ForceNew("cidr_block") unless IPAM derives it
        "ipv4IpamPoolId",
        "ipv4NetmaskLength",
        # resourceVPCCustomizeDiff: any tenancy change but dedicated → default re-creates the VPC.
        conditions=(UnlessFromTo("instanceTenancy", "dedicated", "default"),),
    ),
    "aws:ec2/subnet:Subnet": _aws(
        "ec2/vpc_subnet.go",
        "availabilityZone",
        "availabilityZoneId",
        "cidrBlock",
        "ipv6Native",
        "outpostArn",
        "vpcId",
    ),
    "aws:ec2/securityGroup:SecurityGroup": _aws(
        "ec2/vpc_security_group.go", "description", "name", "namePrefix", "vpcId"
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _aws("ec2/vpc_default_security_group.go", "vpcId"),
    "aws:ec2/securityGroupRule:SecurityGroupRule": _aws(
        "ec2/vpc_security_group_rule.go",
        "cidrBlocks",
        "fromPort",
        "ipv6CidrBlocks",
        "prefixListIds",
        "protocol",
        "securityGroupId",
        "self",
        "sourceSecurityGroupId",
        "toPort",
        "type",
    ),
    # Plugin-framework resources: RequiresReplace on security_group_id; ModifyPlan replaces on a source switch.
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _aws(
        "ec2/vpc_security_group_ingress_rule.go", *_SECURITY_GROUP_RULE, conditions=(_RULE_SOURCES,)
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _aws(
        "ec2/vpc_security_group_egress_rule.go (shares the ingress rule's resource)",
        *_SECURITY_GROUP_RULE,
        conditions=(_RULE_SOURCES,),
    ),
    "aws:ec2/networkAcl:NetworkAcl": _aws("ec2/vpc_network_acl.go", "vpcId"),
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": _aws("ec2/vpc_default_network_acl.go", "defaultNetworkAclId"),
    "aws:ec2/networkAclRule:NetworkAclRule": _aws(
        "ec2/vpc_network_acl_rule.go",
        "cidrBlock",
        "egress",
        "fromPort",
        "icmpCode",
        "icmpType",
        "ipv6CidrBlock",
        "networkAclId",
        "protocol",
        "ruleAction",
        "ruleNumber",
        "toPort",
    ),
    "aws:ec2/routeTable:RouteTable": _aws("ec2/vpc_route_table.go", "vpcId"),
    "aws:ec2/route:Route": _aws(
        "ec2/vpc_route.go",
        "routeTableId",
        "destinationCidrBlock",
        "destinationIpv6CidrBlock",
        "destinationPrefixListId",
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _aws(
        "ec2/vpc_route_table_association.go", "gatewayId", "subnetId"
    ),
    "aws:ec2/vpcDhcpOptions:VpcDhcpOptions": _aws(
        "ec2/vpc_dhcp_options.go",
        "domainName",
        "domainNameServers",
        "netbiosNameServers",
        "netbiosNodeType",
        "ntpServers",
    ),
    "aws:ec2/vpcDhcpOptionsAssociation:VpcDhcpOptionsAssociation": _aws("ec2/vpc_dhcp_options_association.go", "vpcId"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _aws("ec2/vpc_endpoint.go", "serviceName", "vpcEndpointType", "vpcId"),
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": _aws(
        "ec2/vpc_peering_connection.go", "peerOwnerId", "peerRegion", "peerVpcId", "vpcId"
    ),
    "aws:ec2/internetGateway:InternetGateway": _aws("ec2/vpc_internet_gateway.go"),  # vpcId: detach/attach
    # The links between sites (issue 13): Transit Gateway, site-to-site VPN, Direct Connect.
    "aws:ec2transitgateway/transitGateway:TransitGateway": _aws(
        "ec2/transitgateway_.go",
        "multicastSupport",
        # customizeDiff: turning the default route table association or propagation back on re-creates it.
        conditions=(
            WhenFromTo("defaultRouteTableAssociation", "disable", "enable"),
            WhenFromTo("defaultRouteTablePropagation", "disable", "enable"),
        ),
    ),
    "aws:ec2transitgateway/routeTable:RouteTable": _aws("ec2/transitgateway_route_table.go", "transitGatewayId"),
    "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation": _aws(
        "ec2/transitgateway_route_table_association.go", "transitGatewayAttachmentId", "transitGatewayRouteTableId"
    ),
    "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation": _aws(
        "ec2/transitgateway_route_table_propagation.go", "transitGatewayAttachmentId", "transitGatewayRouteTableId"
    ),
    "aws:ec2transitgateway/route:Route": _aws(
        "ec2/transitgateway_route.go",
        "blackhole",
        "destinationCidrBlock",
        "transitGatewayAttachmentId",
        "transitGatewayRouteTableId",
    ),
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": _aws(
        "ec2/transitgateway_vpc_attachment.go", "transitGatewayId", "vpcId"
    ),
    # A customer gateway has no update but its tags; bgpAsnExtended (newer than the tree read) is bgpAsn's
    # 32-bit form and follows it.
    "aws:ec2/customerGateway:CustomerGateway": _aws(
        "ec2/vpnsite_customer_gateway.go",
        "bgpAsn",
        "bgpAsnExtended",
        "certificateArn",
        "deviceName",
        "ipAddress",
        "type",
    ),
    # The tunnels' IKE/IPsec options, keys and the gateway it attaches to are modified in place.
    "aws:ec2/vpnConnection:VpnConnection": _aws(
        "ec2/vpnsite_connection.go",
        "enableAcceleration",
        "staticRoutesOnly",
        "tunnel1InsideCidr",
        "tunnel1InsideIpv6Cidr",
        "tunnel2InsideCidr",
        "tunnel2InsideIpv6Cidr",
        "tunnelInsideIpVersion",
        "type",
    ),
    "aws:directconnect/gateway:Gateway": _aws("directconnect/gateway.go", "amazonSideAsn", regional=False),
    "aws:directconnect/gatewayAssociation:GatewayAssociation": _aws(
        "directconnect/gateway_association.go", "associatedGatewayId", "associatedGatewayOwnerAccountId", "dxGatewayId"
    ),
    # bgpAsnLong (newer than the tree read) is bgpAsn's 32-bit form and follows it.
    "aws:directconnect/transitVirtualInterface:TransitVirtualInterface": _aws(
        "directconnect/transit_virtual_interface.go",
        "addressFamily",
        "amazonAddress",
        "bgpAsn",
        "bgpAsnLong",
        "bgpAuthKey",
        "connectionId",
        "customerAddress",
        "dxGatewayId",
        "name",
        "vlan",
    ),
    "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment": _aws(
        "ec2/vpc_internet_gateway_attachment.go", "internetGatewayId", "vpcId"
    ),
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": _aws(
        "ec2/vpc_egress_only_internet_gateway.go", "vpcId"
    ),
    "aws:ec2/natGateway:NatGateway": _aws(
        "ec2/vpc_nat_gateway.go",
        "allocationId",
        "connectivityType",
        "privateIp",
        "secondaryPrivateIpAddressCount",
        "subnetId",
    ),
    "aws:lb/loadBalancer:LoadBalancer": _LOAD_BALANCER,
    "aws:alb/loadBalancer:LoadBalancer": _LOAD_BALANCER,
    "aws:lb/listener:Listener": _aws("elbv2/listener.go", "loadBalancerArn"),
    "aws:lb/targetGroup:TargetGroup": _aws(
        "elbv2/target_group.go",
        "ipAddressType",
        "name",
        "namePrefix",
        "port",
        "protocol",
        "protocolVersion",
        "targetType",
        "vpcId",
    ),
    "aws:lb/targetGroupAttachment:TargetGroupAttachment": _aws(
        "elbv2/target_group_attachment.go", "targetGroupArn", "targetId", "port", "availabilityZone"
    ),
    # Organizations is a global service: no region argument (v6 guide, "Global services").
    "aws:organizations/account:Account": _aws(
        "organizations/account.go", "email", "iamUserAccessToBilling", "name", "roleName", regional=False
    ),
    "aws:ram/principalAssociation:PrincipalAssociation": _aws(
        "ram/principal_association.go", "resourceShareArn", "principal"
    ),
    "aws:ram/resourceAssociation:ResourceAssociation": _aws(
        "ram/resource_association.go", "resourceArn", "resourceShareArn"
    ),
    "aws:ram/resourceShare:ResourceShare": _aws("ram/resource_share.go", "permissionArns"),
}


def normalized_path(path: str) -> str:
    """ "ebsBlockDevices[0].volumeSize" -> "ebsBlockDevices.volumeSize" (list positions do not matter here)."""
    out = []
    depth = 0
    for char in path:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _related(path: str, key: str) -> bool:
    """Whether a change at ``path`` touches force-new property ``key`` (the same, inside it, or containing it)."""
    return path == key or path.startswith(key + ".") or key.startswith(path + ".")


def forcing(
    type_: str, paths: list[str], before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[str, ...] | None:
    """The changed properties that force a new ``type_`` resource, () for none; None when the type is not known.

    ``paths``: the changed property paths (audit.changes), ``before``/``after``: the raw inputs.
    """
    forced: list[str] = [PROVIDER_KEY] if PROVIDER_KEY in paths else []
    entry = FORCE_NEW.get(type_)
    if entry is None:
        return tuple(forced) if forced else None
    normalized = [normalized_path(path) for path in paths if not path.startswith("(")]
    for key in sorted(entry.keys):
        if any(_related(path, key) for path in normalized):
            forced.append(key)
    changed = frozenset(path.split(".", 1)[0] for path in normalized)
    for condition in entry.conditions:
        forced += [key for key in condition.forced(before, after, changed) if key not in forced]
    return tuple(forced)


def replace_keys(
    type_: str,
    changed: Iterable[str],
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> tuple[str, ...] | None:
    """The properties among ``changed`` (property paths) that force a new ``type_``; None for an unknown type.

    ``before``/``after``: the raw inputs, which conditional replacements read (an AWS instance's user data
    replaces it only with ``userDataReplaceOnChange``); without them only unconditional ones are found.
    """
    return forcing(type_, sorted(changed), before or {}, after or {})
