"""AWS (pulumi-aws 7.x): security groups and their rules, network ACLs, instances, EBS, placement, exposure.

Property names and defaults are the provider schema's (pulumi-aws 7.51.1):
- an instance's root and EBS block devices are unencrypted unless ``encrypted``
  is true, except in a stack that turns on ``aws:ebs/encryptionByDefault``;
- IMDSv2 holds when ``metadataOptions.httpTokens`` is "required" (or the
  metadata endpoint is "disabled"); the schema's default is "optional";
- a load balancer is internet-facing unless ``internal`` is true;
- placement groups: "spread" and "partition" keep members apart, "cluster" packs them.
Network ACL deny entries are kept as facts but never credited against allow
entries (their order decides, and the audit does not evaluate it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiban.audit.facts import (
    Direction,
    Disk,
    Facts,
    GroupRemote,
    Link,
    Member,
    MetadataService,
    Permit,
    Remote,
    Route,
    Spread,
    parse_network,
)
from kiban.audit.interpreters._common import (
    blocks,
    flag,
    mapping,
    networks,
    number,
    port_span,
    protocol_name,
    strings,
    text,
    value,
)
from kiban.audit.interpreters.base import Handler, Interpreter, register
from kiban.audit.resource import Resource, Stack
from kiban.audit.values import MIN_ID_LENGTH

GROUP_TAGS = ("kiban-group", "kiban:group")
ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
SUBNET = "aws:ec2/subnet:Subnet"
PLACEMENT_SPREADS = {"spread": Spread.HARD, "partition": Spread.HARD, "cluster": Spread.NONE}
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
# A route's next hop, by the property that names it (aws:ec2/route:Route and a route table's inline routes).
ROUTE_TARGETS = (
    ("gatewayId", "gateway"),
    ("natGatewayId", "NAT gateway"),
    ("egressOnlyGatewayId", "egress-only internet gateway"),
    ("vpcPeeringConnectionId", "VPC peering"),
    ("transitGatewayId", "transit gateway"),
    ("networkInterfaceId", "network interface"),
    ("vpcEndpointId", "VPC endpoint"),
    ("carrierGatewayId", "carrier gateway"),
    ("localGatewayId", "local gateway"),
    ("coreNetworkArn", "core network"),
)


def _direction(is_egress: bool | None) -> Direction:
    return Direction.EGRESS if is_egress else Direction.INGRESS


def _permits(
    block: Mapping[str, Any],
    direction: Direction,
    scope: str | None,
    resource: Resource,
    view: Stack,
    *,
    protocol_key: str = "protocol",
    allow: bool = True,
    stateless: bool = False,
) -> list[Permit]:
    """The permits of one rule block: every CIDR, IPv6 CIDR and security group it names."""
    protocol = protocol_name(value(block, protocol_key))
    first, last = port_span(protocol, number(block, "fromPort"), number(block, "toPort"))
    remotes: list[Remote] = []
    remotes += networks(strings(block, "cidrBlocks") + strings(block, "ipv6CidrBlocks"))
    remotes += networks(
        [entry for key in ("cidrBlock", "ipv6CidrBlock", "cidrIpv4", "cidrIpv6") for entry in strings(block, key)]
    )
    for key in ("sourceSecurityGroupId", "referencedSecurityGroupId"):
        raw = text(block, key)
        if raw is not None:
            remotes.append(GroupRemote(view.ref(resource, key, raw) or raw))
    for raw in strings(block, "securityGroups"):
        remotes.append(GroupRemote(view.ref(resource, "securityGroups", raw) or raw))
    if flag(block, "self") is True and scope is not None:
        remotes.append(GroupRemote(scope))
    return [Permit(direction, protocol, first, last, remote, scope, allow, stateless) for remote in remotes]


def _group_ref(resource: Resource, view: Stack, key: str) -> str | None:
    return view.ref(resource, key, text(resource.inputs, key))


def _security_group_rule(resource: Resource, view: Stack) -> Facts:
    inputs = resource.inputs
    scope = _group_ref(resource, view, "securityGroupId")
    return Facts(permits=tuple(_permits(inputs, _direction(text(inputs, "type") == "egress"), scope, resource, view)))


def _vpc_rule(direction: Direction) -> Handler:
    def handler(resource: Resource, view: Stack) -> Facts:
        scope = _group_ref(resource, view, "securityGroupId")
        permits = _permits(resource.inputs, direction, scope, resource, view, protocol_key="ipProtocol")
        return Facts(permits=tuple(permits))

    return handler


def _kiban_group(inputs: Mapping[str, Any]) -> str | None:
    tags = mapping(inputs, "tags")
    return next((tags[key] for key in GROUP_TAGS if isinstance(tags.get(key), str)), None)


def _security_group(resource: Resource, view: Stack) -> Facts:
    permits: list[Permit] = []
    for key, direction in (("ingress", Direction.INGRESS), ("egress", Direction.EGRESS)):
        for block in blocks(resource.inputs, key):
            permits += _permits(block, direction, resource.urn, resource, view)
    return Facts(permits=tuple(permits), serves=_kiban_group(resource.inputs))


def _network_acl(resource: Resource, view: Stack) -> Facts:
    permits: list[Permit] = []
    for key, direction in (("ingress", Direction.INGRESS), ("egress", Direction.EGRESS)):
        for block in blocks(resource.inputs, key):
            allow = text(block, "action") == "allow"
            permits += _permits(block, direction, resource.urn, resource, view, allow=allow, stateless=True)
    return Facts(permits=tuple(permits))


def _network_acl_rule(resource: Resource, view: Stack) -> Facts:
    inputs = resource.inputs
    scope = _group_ref(resource, view, "networkAclId")
    allow = text(inputs, "ruleAction") == "allow"
    direction = _direction(flag(inputs, "egress"))
    return Facts(permits=tuple(_permits(inputs, direction, scope, resource, view, allow=allow, stateless=True)))


def _encryption_by_default(view: Stack) -> bool:
    """Whether the stack turns on account-wide EBS encryption (the resource's ``enabled`` defaults to true)."""
    cached = view.memo.get(ENCRYPTION_BY_DEFAULT)
    if cached is None:
        cached = any(
            resource.type == ENCRYPTION_BY_DEFAULT and flag(resource.inputs, "enabled") is not False
            for resource in view.resources.values()
        )
        view.memo[ENCRYPTION_BY_DEFAULT] = cached
    return bool(cached)


def _encrypted(block: Mapping[str, Any], view: Stack) -> bool | None:
    setting = flag(block, "encrypted")
    if setting is None and "encrypted" in block:
        return None  # secret or unknown: cannot tell
    return setting if setting is not None else _encryption_by_default(view)


def _disks(inputs: Mapping[str, Any], view: Stack) -> list[Disk]:
    disks: list[Disk] = []
    root = mapping(inputs, "rootBlockDevice")
    encrypted = _encrypted(root, view)
    if encrypted is not None:
        disks.append(Disk("root volume", encrypted))
    for block in blocks(inputs, "ebsBlockDevices"):
        encrypted = _encrypted(block, view)
        if encrypted is not None:
            disks.append(Disk(f"EBS volume {text(block, 'deviceName') or '?'}", encrypted))
    return disks


def _metadata(inputs: Mapping[str, Any], label: str) -> MetadataService:
    options = mapping(inputs, "metadataOptions")
    required = text(options, "httpTokens") == "required" or text(options, "httpEndpoint") == "disabled"
    return MetadataService(label, required)


def _zone(resource: Resource, view: Stack) -> str | None:
    zone = text(resource.inputs, "availabilityZone")
    if zone is not None:
        return zone
    subnet = view.resources.get(_group_ref(resource, view, "subnetId") or "")
    return text(subnet.inputs, "availabilityZone") if subnet is not None and subnet.type == SUBNET else None


def _instance(resource: Resource, view: Stack) -> Facts:
    inputs = resource.inputs
    group = _kiban_group(inputs)
    name = mapping(inputs, "tags").get("Name")
    placement = text(inputs, "placementGroup") or text(inputs, "placementGroupId")
    key = "placementGroup" if text(inputs, "placementGroup") else "placementGroupId"
    spread_ref = view.ref(resource, key, placement) if placement else None
    exposures = ("public IP address",) if flag(inputs, "associatePublicIpAddress") is True else ()
    return Facts(
        member=Member(group, _zone(resource, view), spread_ref, name if isinstance(name, str) else None),
        disks=tuple(_disks(inputs, view)),
        metadata=_metadata(inputs, "instance metadata service"),
        exposures=exposures,
    )


def _launch_template(resource: Resource, view: Stack) -> Facts:
    inputs = resource.inputs
    disks = []
    for mapping_block in blocks(inputs, "blockDeviceMappings"):
        ebs = mapping(mapping_block, "ebs")
        if ebs or "ebs" in mapping_block:
            encrypted = _encrypted(ebs, view)
            if encrypted is not None:
                disks.append(Disk(f"EBS volume {text(mapping_block, 'deviceName') or '?'}", encrypted))
    public = any(flag(block, "associatePublicIpAddress") is True for block in blocks(inputs, "networkInterfaces"))
    return Facts(
        disks=tuple(disks),
        metadata=_metadata(inputs, "launch template metadata service"),
        exposures=("public IP address (launch template)",) if public else (),
    )


def _volume(resource: Resource, view: Stack) -> Facts:
    encrypted = _encrypted(resource.inputs, view)
    return Facts(disks=(Disk("EBS volume", encrypted),) if encrypted is not None else ())


def _placement_group(resource: Resource, view: Stack) -> Facts:
    strategy = text(resource.inputs, "strategy") or "none"
    return Facts(spread=(PLACEMENT_SPREADS.get(strategy, Spread.NONE), strategy))


def _subnet(resource: Resource, view: Stack) -> Facts:
    inputs = resource.inputs
    ranges = [parse_network(text(inputs, key)) for key in ("cidrBlock", "ipv6CidrBlock")]
    public = ("public IP on launch (subnet)",) if flag(inputs, "mapPublicIpOnLaunch") is True else ()
    return Facts(subnets=tuple(network for network in ranges if network is not None), exposures=public)


def _vpc(resource: Resource, view: Stack) -> Facts:
    ranges = [parse_network(text(resource.inputs, key)) for key in ("cidrBlock", "ipv6CidrBlock")]
    return Facts(subnets=tuple(network for network in ranges if network is not None))


def _load_balancer(resource: Resource, view: Stack) -> Facts:
    internal = flag(resource.inputs, "internal") is True
    return Facts(exposures=() if internal else ("internet-facing load balancer",))


def _exposure(label: str) -> Handler:
    def handler(resource: Resource, view: Stack) -> Facts:
        return Facts(exposures=(label,))

    return handler


def _next_hop(block: Mapping[str, Any], resource: Resource, view: Stack) -> tuple[str, str | None] | None:
    for key, kind in ROUTE_TARGETS:
        raw = text(block, key)
        if raw is None and key in block and block is resource.inputs:
            # Unknown during a preview (a gateway made in the same run): its dependency says which it is.
            raw = ""
        if raw is None:
            continue
        target = view.ref(resource, key, raw or None) if block is resource.inputs else view.ids.get(raw, raw)
        if kind == "gateway":
            # gatewayId names an internet gateway ("igw-…") or a virtual private gateway ("vgw-…"), or is "local".
            known = view.resources.get(target or "")
            if (known is not None and known.type == INTERNET_GATEWAY) or raw.startswith("igw-"):
                kind = "internet gateway"
            elif raw == "local":
                kind = "local"
        return kind, target
    return None


def _route_of(block: Mapping[str, Any], keys: tuple[str, str], resource: Resource, view: Stack) -> Route | None:
    hop = _next_hop(block, resource, view)
    if hop is None:
        return None
    destination = parse_network(text(block, keys[0]) or text(block, keys[1]))
    table = _group_ref(resource, view, "routeTableId") if block is resource.inputs else None
    return Route(destination, hop[0], hop[1], table)


def _route(resource: Resource, view: Stack) -> Facts:
    route = _route_of(resource.inputs, ("destinationCidrBlock", "destinationIpv6CidrBlock"), resource, view)
    return Facts(routes=(route,) if route is not None else ())


def _route_table(resource: Resource, view: Stack) -> Facts:
    routes = [
        _route_of(block, ("cidrBlock", "ipv6CidrBlock"), resource, view) for block in blocks(resource.inputs, "routes")
    ]
    return Facts(
        routes=tuple(route for route in routes if route is not None), network_of=_group_ref(resource, view, "vpcId")
    )


def _gateway(kind: str) -> Handler:
    def handler(resource: Resource, view: Stack) -> Facts:
        vpc = _group_ref(resource, view, "vpcId")
        return Facts(links=(Link(kind, (vpc,)),) if vpc is not None else ())

    return handler


def _gateway_attachment(resource: Resource, view: Stack) -> Facts:
    vpc, gateway = _group_ref(resource, view, "vpcId"), _group_ref(resource, view, "internetGatewayId")
    return Facts(links=(Link("internet gateway", (vpc,), gateway),) if vpc is not None else ())


def _nat_gateway(resource: Resource, view: Stack) -> Facts:
    subnet = view.resources.get(_group_ref(resource, view, "subnetId") or "")
    vpc = _group_ref(subnet, view, "vpcId") if subnet is not None and subnet.type == SUBNET else None
    vpc = vpc or _group_ref(resource, view, "vpcId")
    return Facts(links=(Link("NAT gateway", (vpc,)),) if vpc is not None else ())


def _peering(resource: Resource, view: Stack) -> Facts:
    ends = tuple(end for end in (_group_ref(resource, view, key) for key in ("vpcId", "peerVpcId")) if end)
    return Facts(links=(Link("VPC peering", ends),) if len(ends) == 2 else ())


def _account(arn: str | None) -> str | None:
    parts = arn.split(":") if arn else []
    return parts[4] if len(parts) > 4 and parts[4] else None


def _provider(resource: Resource, view: Stack) -> Facts:
    """The account a provider acts in: the role it assumes, else the one account it is allowed."""
    inputs = resource.inputs
    for block in [*blocks(inputs, "assumeRoles"), mapping(inputs, "assumeRole")]:
        account = _account(text(block, "roleArn"))
        if account is not None:
            # The account may be the stack's own (aws:organizations/account:Account, whose id is its number).
            key = "assumeRoles" if "assumeRoles" in inputs else "assumeRole"
            owned = view.ids.get(account) if len(account) >= MIN_ID_LENGTH else None
            return Facts(provider_scope=owned or view.ref(resource, key) or f"account {account}")
    allowed = value(inputs, "allowedAccountIds")
    if isinstance(allowed, str) and allowed.startswith("["):
        allowed = [entry.strip(' "') for entry in allowed.strip("[]").split(",") if entry.strip(' "')]
    if isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], str):
        return Facts(provider_scope=f"account {allowed[0]}")
    return Facts()


_PERMITS = frozenset({"permits"})
INTERPRETER = register(
    Interpreter(
        "aws:",
        {
            "aws:ec2/securityGroupRule:SecurityGroupRule": (_security_group_rule, _PERMITS),
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (_vpc_rule(Direction.INGRESS), _PERMITS),
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (_vpc_rule(Direction.EGRESS), _PERMITS),
            "aws:ec2/securityGroup:SecurityGroup": (_security_group, frozenset({"permits", "serves"})),
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (_security_group, frozenset({"permits", "serves"})),
            "aws:ec2/networkAcl:NetworkAcl": (_network_acl, _PERMITS),
            "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": (_network_acl, _PERMITS),
            "aws:ec2/networkAclRule:NetworkAclRule": (_network_acl_rule, _PERMITS),
            "aws:ec2/instance:Instance": (_instance, frozenset({"member", "disks", "metadata", "exposures"})),
            "aws:ec2/launchTemplate:LaunchTemplate": (_launch_template, frozenset({"disks", "metadata", "exposures"})),
            "aws:ebs/volume:Volume": (_volume, frozenset({"disks"})),
            "aws:ec2/placementGroup:PlacementGroup": (_placement_group, frozenset({"spread"})),
            SUBNET: (_subnet, frozenset({"subnets", "exposures"})),
            "aws:ec2/vpc:Vpc": (_vpc, frozenset({"subnets"})),
            "aws:lb/loadBalancer:LoadBalancer": (_load_balancer, frozenset({"exposures"})),
            "aws:alb/loadBalancer:LoadBalancer": (_load_balancer, frozenset({"exposures"})),
            "aws:elb/loadBalancer:LoadBalancer": (_load_balancer, frozenset({"exposures"})),
            "aws:ec2/eip:Eip": (_exposure("elastic IP"), frozenset({"exposures"})),
            "aws:ec2/eipAssociation:EipAssociation": (_exposure("elastic IP association"), frozenset({"exposures"})),
            "aws:ec2/route:Route": (_route, frozenset({"routes"})),
            "aws:ec2/routeTable:RouteTable": (_route_table, frozenset({"routes", "network_of"})),
            INTERNET_GATEWAY: (_gateway("internet gateway"), frozenset({"links"})),
            "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment": (_gateway_attachment, frozenset({"links"})),
            "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": (
                _gateway("egress-only internet gateway"),
                frozenset({"links"}),
            ),
            "aws:ec2/natGateway:NatGateway": (_nat_gateway, frozenset({"links"})),
            "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": (_peering, frozenset({"links"})),
            "pulumi:providers:aws": (_provider, frozenset({"provider_scope"})),
        },
    )
)
