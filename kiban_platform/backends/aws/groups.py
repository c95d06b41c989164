"""One host group on AWS: its security groups, placement group, instances, volumes and network load balancer."""

from __future__ import annotations

import base64
import gzip
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from kiban_platform.backends import HostGroupDeployment, TargetError
from kiban_platform.backends.aws.plan import instance_type, volume_size
from kiban_platform.backends.aws.settings import AwsSettings
from kiban_platform.backends.rules import describe_rule, remote_cidr
from kiban_platform.network.flows import Rule
from kiban_platform.spec.model import Port, Protocol

SPREAD = "spread"
DATA_DEVICE = "/dev/sdf"
ROOT_VOLUME_TYPE = "gp3"
# Kept small: a container on the host cannot reach the instance metadata service.
METADATA_HOP_LIMIT = 1


@dataclass(frozen=True)
class ZoneSubnet:
    """One zone's block of a planned subnet, as an AWS subnet."""

    name: str
    chassis: str
    zone: str
    cidr: ipaddress.IPv4Network
    subnet: aws.ec2.Subnet


@dataclass(frozen=True)
class GroupNetwork:
    vpc: aws.ec2.Vpc
    zones: tuple[ZoneSubnet, ...]
    acl: aws.ec2.NetworkAcl
    route_table: aws.ec2.RouteTable


def tags(name: str, **labels: str) -> dict[str, str]:
    """AWS tags: the console's Name, and kiban's labels under a ``kiban:`` prefix (what verify and audit read)."""
    return {"Name": name, "kiban": "true", **{f"kiban:{key}": value for key, value in sorted(labels.items())}}


def _slug(group_id: str) -> str:
    return group_id.replace("/", "-").replace("@", "-").replace(":", "-").replace("_", "-")


def _span(port: Port) -> str:
    return str(port.first) if port.first == port.last else f"{port.first}-{port.last}"


def plan_rules(
    name: str,
    group: aws.ec2.SecurityGroup,
    direction: str,
    rules: Sequence[Rule],
    provider: pulumi.ProviderResource | None,
    region: str,
) -> None:
    opts = pulumi.ResourceOptions(parent=group, provider=provider)
    for rule in rules:
        other = rule.source.id if direction == "in" else rule.destination.id
        label = f"{name}-{direction}-{_slug(other)}-{rule.port.protocol.value}{_span(rule.port)}"
        arguments: dict[str, Any] = {
            "security_group_id": group.id,
            "ip_protocol": rule.port.protocol.value,
            "from_port": rule.port.first,
            "to_port": rule.port.last,
            "cidr_ipv4": remote_cidr(rule, direction),
            "description": describe_rule(rule)[:255],
            "region": region,
            "opts": opts,
        }
        if direction == "in":
            aws.vpc.SecurityGroupIngressRule(label, **arguments)
        else:
            aws.vpc.SecurityGroupEgressRule(label, **arguments)


def _compressed(text: str) -> str:
    # EC2 takes at most 16 KB of user data; a node with many planned sources writes a long nftables
    # set. Cloud-init reads gzip; mtime=0 keeps the render deterministic.
    return base64.b64encode(gzip.compress(text.encode("utf-8"), mtime=0)).decode("ascii")


def deploy_group(
    parent: pulumi.Resource,
    deployment: HostGroupDeployment,
    network: GroupNetwork,
    provider: pulumi.ProviderResource | None,
    ready: Sequence[pulumi.Resource],
    image: pulumi.Input[str],
    settings: AwsSettings,
) -> dict[str, Any]:
    name = deployment.name
    group = deployment.group
    region = settings.region
    # In a business account the subnets exist for it only once RAM has shared them.
    opts = pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(ready))
    labels = {"area": group.area, "group": group.id}

    security_group = aws.ec2.SecurityGroup(
        name,
        name=name,
        description=f"kiban: exactly the flow plan's rules of {group.id}",
        vpc_id=network.vpc.id,
        # No inline rules: the provider then deletes AWS's default allow-all egress rule, and the
        # standalone rules below are the plan's, one resource each.
        revoke_rules_on_delete=True,
        region=region,
        tags=tags(name, **labels),
        opts=opts,
    )
    plan_rules(name, security_group, "in", deployment.ingress, provider, region)
    plan_rules(name, security_group, "out", deployment.egress, provider, region)

    placement = None
    if settings.placement_groups and deployment.anti_affinity and len(deployment.hosts) > 1:
        # Distinct racks inside each zone; the zones themselves come from the replica's chassis.
        placement = aws.ec2.PlacementGroup(
            name,
            name=f"kiban-{name}",
            strategy=SPREAD,
            spread_level="rack",
            region=region,
            tags=tags(name, **labels),
            opts=opts,
        )

    zones = {zone.chassis: zone for zone in network.zones}
    instances: dict[str, aws.ec2.Instance] = {}
    for host in deployment.hosts:
        vm = host.vm
        zone = zones[host.chassis.id]
        if ipaddress.IPv4Address(host.address) not in zone.cidr:
            raise TargetError(f"{vm.name}: planned address {host.address} is not in its zone's block {zone.cidr}")
        host_labels = {
            **labels,
            "role": vm.role,
            "failure-domain": host.chassis.id,
            **({"business": vm.business} if vm.business else {}),
            **({"tier": vm.tier.value} if vm.tier else {}),
        }
        user_data = pulumi.Output.from_input(deployment.user_data[vm.name]).apply(_compressed)
        instance = aws.ec2.Instance(
            vm.name,
            ami=image,
            instance_type=instance_type(vm.vcpu, vm.ram_gb, settings.instance_types),
            availability_zone=zone.zone,
            subnet_id=zone.subnet.id,
            private_ip=str(host.address),
            vpc_security_group_ids=[security_group.id],
            associate_public_ip_address=False,
            placement_group=placement.name if placement else None,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",  # IMDSv2 only: no token, no credentials
                http_put_response_hop_limit=METADATA_HOP_LIMIT,
            ),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                encrypted=True,
                kms_key_id=settings.kms_key_id,
                volume_type=ROOT_VOLUME_TYPE,
                delete_on_termination=True,
            ),
            user_data_base64=user_data,
            # The user data carries the planned rules: a changed plan must rebuild the host, as on-prem.
            user_data_replace_on_change=True,
            region=region,
            tags=tags(vm.name, **host_labels),
            volume_tags=tags(f"{vm.name}-root", **host_labels),
            opts=opts,
        )
        volume = aws.ebs.Volume(
            f"{vm.name}-data",
            availability_zone=zone.zone,
            size=volume_size(settings.volume_types[vm.disk.tier], vm.disk.size_gb),
            type=settings.volume_types[vm.disk.tier],
            encrypted=True,
            kms_key_id=settings.kms_key_id,
            region=region,
            tags=tags(f"{vm.name}-data", **host_labels, disk=vm.disk.tier.value, **{"disk-gb": str(vm.disk.size_gb)}),
            opts=opts,
        )
        aws.ec2.VolumeAttachment(
            f"{vm.name}-data",
            device_name=DATA_DEVICE,
            instance_id=instance.id,
            volume_id=volume.id,
            region=region,
            opts=pulumi.ResourceOptions(parent=instance, provider=provider),
        )
        instances[vm.name] = instance

    outputs: dict[str, Any] = {
        "security_group_id": security_group.id,
        "instances": list(instances),
        "zones": {host.name: zones[host.chassis.id].zone for host in deployment.hosts},
    }
    if deployment.balanced_ports:
        outputs["service_address"] = str(deployment.subnet.service_address)
        _load_balancer(parent, deployment, network, security_group, instances, provider, opts, settings)
    return outputs


def _health_port(port: Port, balanced: Sequence[Port]) -> int:
    """Where a target group checks health: NLB checks cannot be UDP, so a UDP port uses the group's first TCP port."""
    if port.protocol == Protocol.TCP:
        return port.first
    tcp = [other.first for other in balanced if other.protocol == Protocol.TCP]
    return tcp[0] if tcp else port.first


def _load_balancer(
    parent: pulumi.Resource,
    deployment: HostGroupDeployment,
    network: GroupNetwork,
    members: aws.ec2.SecurityGroup,
    instances: dict[str, aws.ec2.Instance],
    provider: pulumi.ProviderResource | None,
    opts: pulumi.ResourceOptions,
    settings: AwsSettings,
) -> None:
    """An internal network load balancer at the planned service address (the last zone's block holds it).

    A network load balancer, not an application one: it keeps a fixed private address (the address
    the other hosts' user data names), passes TCP and UDP through so TLS ends on the hosts, and keeps
    the client's address, so the members' security group still admits exactly the plan's sources.
    """
    name = deployment.name
    group = deployment.group
    region = settings.region
    labels = {"area": group.area, "group": group.id}
    balanced = deployment.balanced_ports
    service = deployment.subnet.service_address
    lb_group = aws.ec2.SecurityGroup(
        f"{name}-lb",
        name=f"{name}-lb",
        description=f"kiban: the plan's clients of {group.id}, to its members",
        vpc_id=network.vpc.id,
        revoke_rules_on_delete=True,
        region=region,
        tags=tags(f"{name}-lb", **labels),
        opts=opts,
    )
    plan_rules(
        f"{name}-lb", lb_group, "in", [rule for rule in deployment.ingress if rule.port in balanced], provider, region
    )
    child = pulumi.ResourceOptions(parent=lb_group, provider=provider)
    for port in balanced:
        span = f"{port.protocol.value}{port.first}"
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-lb-out-members-{span}",
            security_group_id=lb_group.id,
            ip_protocol=port.protocol.value,
            from_port=port.first,
            to_port=port.last,
            cidr_ipv4=str(group.cidr),
            description=f"load balancer -> members of {group.id} {port}",
            region=region,
            opts=child,
        )
    for health in sorted({_health_port(port, balanced) for port in balanced}):
        # Health checks come from the load balancer's own addresses: admitted by its group, not by a CIDR.
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-in-health-tcp{health}",
            security_group_id=members.id,
            ip_protocol="tcp",
            from_port=health,
            to_port=health,
            referenced_security_group_id=lb_group.id,
            description=f"health checks of the load balancer of {group.id}",
            region=region,
            opts=pulumi.ResourceOptions(parent=members, provider=provider),
        )
        if not any(port.protocol == Protocol.TCP and port.first == health for port in balanced):
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-lb-out-health-tcp{health}",
                security_group_id=lb_group.id,
                ip_protocol="tcp",
                from_port=health,
                to_port=health,
                cidr_ipv4=str(group.cidr),
                description=f"health checks of {group.id}",
                region=region,
                opts=child,
            )
    last = network.zones[-1]
    balancer = aws.lb.LoadBalancer(
        name,
        load_balancer_type="network",
        internal=True,
        subnet_mappings=[
            aws.lb.LoadBalancerSubnetMappingArgs(
                subnet_id=zone.subnet.id,
                private_ipv4_address=str(service) if zone is last and service in zone.cidr else None,
            )
            for zone in network.zones
        ],
        security_groups=[lb_group.id],
        # The service address lives in one zone; cross-zone balancing lets it reach every replica.
        enable_cross_zone_load_balancing=True,
        region=region,
        tags=tags(name, **labels),
        opts=opts,
    )
    for port in balanced:
        protocol = port.protocol.value.upper()
        label = f"{name}-{port.protocol.value}{port.first}"
        target_group = aws.lb.TargetGroup(
            label,
            port=port.first,
            protocol=protocol,
            target_type="instance",
            vpc_id=network.vpc.id,
            preserve_client_ip="true",
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                protocol="TCP", port=str(_health_port(port, balanced)), interval=10, healthy_threshold=3
            ),
            region=region,
            tags=tags(label, **labels),
            opts=pulumi.ResourceOptions(parent=balancer, provider=provider),
        )
        aws.lb.Listener(
            label,
            # A load balancer's and a target group's ids are their ARNs.
            load_balancer_arn=balancer.id,
            port=port.first,
            protocol=protocol,
            default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.id)],
            region=region,
            opts=pulumi.ResourceOptions(parent=balancer, provider=provider),
        )
        for host in deployment.hosts:
            aws.lb.TargetGroupAttachment(
                f"{label}-{host.name}",
                target_group_arn=target_group.id,
                target_id=instances[host.name].id,
                port=port.first,
                region=region,
                opts=pulumi.ResourceOptions(parent=target_group, provider=provider),
            )
