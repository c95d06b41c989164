"""One host group on OpenStack: its security group, server group, ports, instances, volumes and load balancer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_openstack as openstack

from kiban_platform.backends import HostGroupDeployment
from kiban_platform.backends.handles import Zones
from kiban_platform.backends.openstack.settings import OpenStackSettings
from kiban_platform.backends.rules import describe_rule, remote_cidr
from kiban_platform.network.flows import Rule

ANTI_AFFINITY = "anti-affinity"
# The OVN provider balances by source address and port only, and checks members by connecting.
LB_METHOD = "SOURCE_IP_PORT"
MONITOR_TYPES = {"tcp": "TCP", "udp": "UDP-CONNECT"}


@dataclass(frozen=True)
class Scope:
    """Where a group's resources live: the platform's own project, or a business project with its provider."""

    provider: pulumi.ProviderResource | None


def _slug(group_id: str) -> str:
    return group_id.replace("/", "-").replace("@", "-").replace(":", "-").replace("_", "-")


def _rule_name(group: str, direction: str, rule: Rule) -> str:
    other = rule.source.id if direction == "in" else rule.destination.id
    port = rule.port
    span = str(port.first) if port.first == port.last else f"{port.first}-{port.last}"
    return f"{group}-{direction}-{_slug(other)}-{port.protocol.value}{span}"


def deploy_group(
    parent: pulumi.Resource,
    deployment: HostGroupDeployment,
    scope: Scope,
    network: openstack.networking.Network,
    subnet: openstack.networking.Subnet,
    zones: Zones,
    settings: OpenStackSettings,
) -> dict[str, Any]:
    name = deployment.name
    opts = pulumi.ResourceOptions(parent=parent, provider=scope.provider)

    security_group = openstack.networking.SecGroup(
        name,
        name=name,
        description=f"kiban: exactly the flow plan's rules of {deployment.group.id}",
        # Neutron's default "allow all egress" rules are deleted: egress is the plan's rules below.
        delete_default_rules=True,
        region=settings.region,
        tags=["kiban", f"group:{deployment.group.id}"],
        opts=opts,
    )
    rules_opts = pulumi.ResourceOptions(parent=security_group, provider=scope.provider)
    for direction, rules in (("in", deployment.ingress), ("out", deployment.egress)):
        for rule in rules:
            openstack.networking.SecGroupRule(
                _rule_name(name, direction, rule),
                direction="ingress" if direction == "in" else "egress",
                ethertype="IPv4",
                protocol=rule.port.protocol.value,
                port_range_min=rule.port.first,
                port_range_max=rule.port.last,
                remote_ip_prefix=remote_cidr(rule, direction),
                security_group_id=security_group.id,
                description=describe_rule(rule),
                region=settings.region,
                opts=rules_opts,
            )

    server_group = None
    if deployment.anti_affinity and len(deployment.hosts) > 1:
        # Different compute hosts (blades); the availability zone per replica spreads them over chassis too.
        server_group = openstack.compute.ServerGroup(
            name, name=name, policies=ANTI_AFFINITY, region=settings.region, opts=opts
        )

    instances = {}
    for host in deployment.hosts:
        vm = host.vm
        port = openstack.networking.Port(
            vm.name,
            name=vm.name,
            network_id=network.id,
            fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=subnet.id, ip_address=str(host.address))],
            security_group_ids=[security_group.id],
            admin_state_up=True,
            region=settings.region,
            tags=["kiban", f"group:{deployment.group.id}"],
            opts=opts,
        )
        hints = [openstack.compute.InstanceSchedulerHintArgs(group=server_group.id)] if server_group else None
        instance = openstack.compute.Instance(
            vm.name,
            name=vm.name,
            flavor_name=settings.flavor(vm.vcpu, vm.ram_gb),
            image_name=settings.image,
            availability_zone=zones.of(host.chassis.id),
            networks=[openstack.compute.InstanceNetworkArgs(port=port.id)],
            scheduler_hints=hints,
            # Cloud-init reads the config drive: no area has a path to the metadata service.
            config_drive=True,
            user_data=deployment.user_data[vm.name],
            metadata={
                "kiban-group": deployment.group.id,
                "kiban-role": vm.role,
                "kiban-failure-domain": host.chassis.id,
                # The planner's blade: operators compare it with `openstack server show` after a migration.
                **({"kiban-blade": host.blade} if host.blade is not None else {}),
            },
            tags=["kiban", f"area:{vm.area}"],
            region=settings.region,
            opts=opts,
        )
        volume = openstack.blockstorage.Volume(
            f"{vm.name}-data",
            name=f"{vm.name}-data",
            size=vm.disk.size_gb,
            volume_type=settings.volume_types[vm.disk.tier],
            description=f"kiban: {vm.disk.tier.value} data disk of {vm.name}",
            region=settings.region,
            opts=opts,
        )
        openstack.compute.VolumeAttach(
            f"{vm.name}-data",
            instance_id=instance.id,
            volume_id=volume.id,
            region=settings.region,
            opts=pulumi.ResourceOptions(parent=instance, provider=scope.provider),
        )
        instances[vm.name] = instance

    outputs: dict[str, Any] = {"security_group_id": security_group.id, "instances": list(instances)}
    if deployment.balanced_ports:
        outputs["service_address"] = str(deployment.subnet.service_address)
        _load_balancer(parent, deployment, scope, subnet, security_group, settings)
    return outputs


def _load_balancer(
    parent: pulumi.Resource,
    deployment: HostGroupDeployment,
    scope: Scope,
    subnet: openstack.networking.Subnet,
    security_group: openstack.networking.SecGroup,
    settings: OpenStackSettings,
) -> None:
    name = deployment.name
    balancer = openstack.loadbalancer.LoadBalancer(
        name,
        name=name,
        vip_subnet_id=subnet.id,
        vip_address=str(deployment.subnet.service_address),
        loadbalancer_provider=settings.load_balancer_provider,
        # The VIP accepts what the members accept: the same security group.
        security_group_ids=[security_group.id],
        tags=["kiban", f"group:{deployment.group.id}"],
        region=settings.region,
        opts=pulumi.ResourceOptions(parent=parent, provider=scope.provider),
    )
    child = pulumi.ResourceOptions(parent=balancer, provider=scope.provider)
    for port in deployment.balanced_ports:
        protocol = port.protocol.value.upper()
        label = f"{name}-{port.protocol.value}{port.first}"
        listener = openstack.loadbalancer.Listener(
            label,
            name=label,
            loadbalancer_id=balancer.id,
            protocol=protocol,
            protocol_port=port.first,
            region=settings.region,
            opts=child,
        )
        pool = openstack.loadbalancer.Pool(
            label,
            name=label,
            listener_id=listener.id,
            protocol=protocol,
            lb_method=LB_METHOD,
            region=settings.region,
            opts=pulumi.ResourceOptions(parent=listener, provider=scope.provider),
        )
        pool_opts = pulumi.ResourceOptions(parent=pool, provider=scope.provider)
        openstack.loadbalancer.Monitor(
            label,
            name=label,
            pool_id=pool.id,
            type=MONITOR_TYPES[port.protocol.value],
            delay=10,
            timeout=5,
            max_retries=3,
            region=settings.region,
            opts=pool_opts,
        )
        for host in deployment.hosts:
            openstack.loadbalancer.Member(
                f"{label}-{host.name}",
                name=host.name,
                pool_id=pool.id,
                address=str(host.address),
                protocol_port=port.first,
                subnet_id=subnet.id,
                region=settings.region,
                opts=pool_opts,
            )
