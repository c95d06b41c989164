"""HardwarePool: the blades and chassis; each chassis becomes one failure domain the target can place into."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from kiban_platform.backends import Backend
from kiban_platform.backends.handles import Zones
from kiban_platform.placement.fleet import PlacedFleet
from kiban_platform.spec.model import FailureDomains


@dataclass
class HardwarePoolArgs:
    failure_domains: FailureDomains
    backend: Backend
    placement: PlacedFleet | None = None


class HardwarePool(pulumi.ComponentResource):
    zones: Zones  # the target's zone of each chassis: every area and group places replicas by it

    def __init__(self, name: str, args: HardwarePoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kiban:compute:HardwarePool", name, None, opts)
        self.zones = args.backend.hardware_pool(self, args.failure_domains)
        self.register_outputs(
            {
                "chassis": [chassis.id for chassis in args.failure_domains.chassis],
                "blades": sum(len(chassis.blades) for chassis in args.failure_domains.chassis),
                **({"placement": dict(args.placement.sizing)} if args.placement is not None else {}),
                "zones": dict(self.zones.by_chassis),
            }
        )
