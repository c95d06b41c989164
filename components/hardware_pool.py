"""HardwarePool: the blades and chassis; each chassis becomes one failure domain the target can place into."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from backends import Backend
from placement.plan import PlacementPlan
from spec.model import FailureDomains


@dataclass
class HardwarePoolArgs:
    failure_domains: FailureDomains
    backend: Backend
    placement: PlacementPlan | None = None


def sizing(plan: PlacementPlan) -> dict[str, Any]:
    """What procurement reads from the plan: blades and chassis used, and what they are compared with."""
    return {
        "blades_used": plan.blades_used,
        "chassis_used": plan.chassis_used,
        "lower_bound": plan.lower_bound,
        "first_fit": plan.first_fit,
        "dedicated_baseline": plan.dedicated_baseline,
        "optimal": plan.optimal,
        "gap": round(plan.gap, 4),
        "blades": {use.blade: list(use.vms) for use in plan.blades},
    }


class HardwarePool(pulumi.ComponentResource):
    zones: dict[str, Any]

    def __init__(self, name: str, args: HardwarePoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kiban:compute:HardwarePool", name, None, opts)
        outputs = args.backend.hardware_pool(self, args.failure_domains)
        self.zones = outputs.get("zones", {})
        self.register_outputs(
            {
                "chassis": [chassis.id for chassis in args.failure_domains.chassis],
                "blades": sum(len(chassis.blades) for chassis in args.failure_domains.chassis),
                **({"placement": sizing(args.placement)} if args.placement is not None else {}),
                **outputs,
            }
        )
