"""Describe one host group for a backend: its hosts, their cloud-init user data and the flow plan's rules."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from kiban_platform.backends import HostGroupDeployment
from kiban_platform.network.flows import FlowPlan, HostGroup, balanced_ports
from kiban_platform.network.hosts import PlannedHost
from kiban_platform.network.plan import Subnet
from kiban_platform.spec.model import MiddlewareRole, Port
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
