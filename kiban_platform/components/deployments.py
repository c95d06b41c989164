"""Describe host groups for a backend: their hosts, their cloud-init user data and the flow plan's rules.

Pure description from the plans (no resource is made here), so a test can describe one business's
tiers or one area's middleware and build that component alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from kiban_platform.backends import HostGroupDeployment
from kiban_platform.network.flows import FlowPlan, GroupKind, HostGroup, balanced_ports
from kiban_platform.network.hosts import PlannedHost
from kiban_platform.network.plan import NetworkPlan, Subnet
from kiban_platform.spec.model import (
    Business,
    MiddlewareRole,
    MiddlewareService,
    PlatformSpec,
    Port,
    TierName,
    tier_ports,
)
from kiban_platform.templates import AreaServices, render_user_data


def _user_data(
    host: PlannedHost,
    services: AreaServices,
    flows: FlowPlan,
    database_password: pulumi.Input[str] | None,
) -> pulumi.Input[str]:
    if host.vm.middleware_role != MiddlewareRole.DATABASE:
        return render_user_data(host, services, flows)
    if database_password is None:
        raise ValueError(f"{host.name}: set the secret kiban:databaseAdminPassword for the database nodes")
    # Rendering inside apply keeps the user data secret: the password is a secret Output.
    return pulumi.Output.from_input(database_password).apply(
        lambda password: render_user_data(host, services, flows, password)
    )


def describe_group(
    group: HostGroup,
    subnet: Subnet,
    hosts: Sequence[PlannedHost],
    flows: FlowPlan,
    services: AreaServices,
    ports: Sequence[Port],
    balanced: bool,
    anti_affinity: bool,
    database_password: pulumi.Input[str] | None = None,
) -> HostGroupDeployment:
    """``balanced``: put the group's single ports (not ranges) behind a load balancer at the service address."""
    return HostGroupDeployment(
        group=group,
        subnet=subnet,
        hosts=tuple(hosts),
        user_data={host.name: _user_data(host, services, flows, database_password) for host in hosts},
        ingress=tuple(rule for rule in flows.rules if rule.destination.id == group.id),
        egress=tuple(rule for rule in flows.rules if rule.source.id == group.id),
        balanced_ports=balanced_ports(ports) if balanced else (),
        anti_affinity=anti_affinity,
    )


def middleware_deployments(
    spec: PlatformSpec,
    area_id: str,
    network: NetworkPlan,
    flows: FlowPlan,
    hosts: Sequence[PlannedHost],
    services: AreaServices,
    database_password: pulumi.Input[str] | None = None,
) -> list[tuple[MiddlewareRole, MiddlewareService, HostGroupDeployment]]:
    """Each platform role the area runs, its service, and its host group."""
    described = []
    for role, service in spec.platform_services():
        if area_id not in service.areas:
            continue
        subnet = network.role_subnet(area_id, role)
        group = HostGroup(f"{role.value}@{area_id}", GroupKind.MIDDLEWARE, area_id, subnet.cidr, role=role)
        deployment = describe_group(
            group,
            subnet,
            [host for host in hosts if host.group == group.id],
            flows,
            services,
            service.ports,
            # Operators jump through one named bastion: a balancer would hide which host key answers.
            balanced=role != MiddlewareRole.BASTION,
            anti_affinity=service.anti_affinity,
            database_password=database_password,
        )
        described.append((role, service, deployment))
    return described


def business_deployments(
    business: Business,
    network: NetworkPlan,
    flows: FlowPlan,
    hosts: Sequence[PlannedHost],
    services: AreaServices,
) -> list[HostGroupDeployment]:
    """The business's tiers as host groups, in the spec's tier order."""
    tiers = []
    for tier_name, tier in business.tiers.items():
        subnet = network.tier_subnet(business.id, tier_name)
        group = HostGroup(
            f"{business.id}/{tier_name.value}",
            GroupKind.BUSINESS_TIER,
            business.area,
            subnet.cidr,
            business=business.id,
            tier=tier_name,
        )
        tiers.append(
            describe_group(
                group,
                subnet,
                [host for host in hosts if host.group == group.id],
                flows,
                services,
                tier_ports(tier_name, tier),
                # Web tiers are reached through a load balancer; app, db and batch are called directly.
                balanced=tier_name == TierName.WEB,
                anti_affinity=tier.anti_affinity,
            )
        )
    return tiers
