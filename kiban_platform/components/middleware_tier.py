"""MiddlewareTier: one shared middleware role (scheduler, hub, LB, database, monitoring, time) in one area."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from kiban_platform.backends import Backend, HostGroupDeployment
from kiban_platform.backends.handles import AreaNetwork, DeployedGroup, Zones
from kiban_platform.spec.model import MiddlewareRole, MiddlewareService


@dataclass
class MiddlewareTierArgs:
    role: MiddlewareRole
    service: MiddlewareService
    deployment: HostGroupDeployment
    backend: Backend
    network: AreaNetwork  # the area's network (its SecurityArea's ``network``): the role's subnet is there
    zones: Zones  # the HardwarePool's zones: each replica goes to its chassis' zone


class MiddlewareTier(pulumi.ComponentResource):
    deployed: DeployedGroup  # the group as made: what links to other areas attach to

    def __init__(self, name: str, args: MiddlewareTierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kiban:middleware:MiddlewareTier", name, None, opts)
        deployment = args.deployment
        self.deployed = args.backend.middleware_tier(
            self, args.role, args.service, deployment, args.network, args.zones
        )
        self.register_outputs(
            {
                "role": args.role.value,
                "area": deployment.group.area,
                "product": args.service.product,
                "hosts": [host.name for host in deployment.hosts],
                **self.deployed.outputs,
            }
        )
