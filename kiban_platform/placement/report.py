"""A placement plan as a JSON document or CSV; nothing here decides anything (tables: kiban/placement_tables.py).

The JSON shape is a contract (docs/PLACEMENT.md): ``placements`` (one object per VM)
and ``summary`` (integers and flags for procurement), then the detail per blade.
Nothing time-dependent goes in, so one spec and seed always give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from kiban_platform.placement.demand import RESOURCES
from kiban_platform.placement.plan import PlacementPlan

PLACEMENT_COLUMNS = (
    "vm",
    "business",
    "role",
    "tier",
    "replica",
    "chassis",
    "blade",
    "vcpu",
    "ram_gb",
    "disk_gb",
    "disk_tier",
)


def placement_rows(plan: PlacementPlan) -> list[dict[str, Any]]:
    """One row per VM; ``replica`` counts from 1, as in the VM's name."""
    return [
        {
            "vm": p.vm.name,
            "business": p.vm.business,
            "role": p.vm.role,
            "tier": p.vm.tier.value if p.vm.tier is not None else None,
            "replica": p.vm.replica + 1,
            "chassis": p.chassis,
            "blade": p.blade,
            "vcpu": p.vm.vcpu,
            "ram_gb": p.vm.ram_gb,
            "disk_gb": p.vm.disk.size_gb,
            "disk_tier": p.vm.disk.tier.value,
        }
        for p in plan.placements
    ]


def saving(plan: PlacementPlan) -> float:
    return round(1 - plan.blades_used / plan.dedicated_baseline, 4) if plan.dedicated_baseline else 0.0


def summary(plan: PlacementPlan) -> dict[str, Any]:
    return {
        "blades_used": plan.blades_used,
        "blades_available": plan.blades_available,
        "dedicated_baseline": plan.dedicated_baseline,
        "first_fit": plan.first_fit,
        "first_fit_decreasing": plan.first_fit_decreasing,
        "lower_bound": plan.lower_bound,
        "optimal": plan.optimal,
        "gap": round(plan.gap, 4),
        "saving_vs_dedicated": saving(plan),
        "chassis_used": plan.chassis_used,
        "chassis_available": len(plan.chassis),
        "bounds": {
            "capacity": plan.bounds.capacity,
            "anti_affinity": plan.bounds.anti_affinity,
            "martello_toth_l2": plan.bounds.martello_toth,
            "best_proven": plan.best_bound,
        },
        "licences": {
            "annual_cost_jpy": plan.licence_cost_jpy,
            "products": [
                {
                    "product": use.product,
                    "hosts": len(use.blades),
                    "blades": list(use.blades),
                    "annual_cost_jpy_per_host": use.annual_cost_jpy,
                    "annual_cost_jpy": use.total_jpy,
                }
                for use in plan.licences
            ],
        },
        "survival": {
            "survives_any_chassis_loss": plan.survives_any_chassis_loss,
            "chassis": [
                {
                    "chassis": loss.chassis,
                    "vms_lost": loss.vms_lost,
                    "tiers_down": list(loss.tiers_down),
                    "redundant_tiers_down": list(loss.redundant_tiers_down),
                }
                for loss in plan.survival
            ],
        },
        "dedicated_by_business": dict(plan.dedicated_by_unit),
        "solver": {
            "method": plan.solve.method,
            "seed": plan.options.seed,
            "time_limit": plan.options.time_limit,
            "work_limit": plan.options.work_limit,
            "workers": plan.options.workers,
            "stopped_by_time_limit": plan.stopped_by_time_limit,
            "phases": [
                {
                    "objective": phase.name,
                    "status": phase.status,
                    "value": phase.value,
                    "bound": round(phase.bound, 6),
                    "optimal": phase.optimal,
                }
                for phase in plan.solve.phases
            ],
        },
    }


def blade_rows(plan: PlacementPlan) -> list[dict[str, Any]]:
    zones = {info.id: info for info in plan.chassis}
    return [
        {
            "chassis": use.chassis,
            "blade": use.blade,
            "availability_zone": zones[use.chassis].availability_zone,
            "host_aggregate": zones[use.chassis].host_aggregate,
            "vms": list(use.vms),
            "peak": {
                resource: {"used": use.peak[k], "capacity": use.capacity[k], "month": use.peak_month[k]}
                for k, resource in enumerate(RESOURCES)
            },
        }
        for use in plan.blades
    ]


def move_rows(plan: PlacementPlan) -> list[dict[str, Any]]:
    """Each VM that left the blade the previous plan gave it, and why."""
    if plan.continuity is None:
        return []
    return [
        {
            "vm": move.vm,
            "from_chassis": move.from_chassis,
            "from_blade": move.from_blade,
            "to_chassis": move.to_chassis,
            "to_blade": move.to_blade,
            "reason": move.reason,
            "detail": move.detail,
        }
        for move in plan.continuity.moves
    ]


def continuity_summary(plan: PlacementPlan) -> dict[str, Any]:
    """The counts of a plan made against a previous one (empty without one)."""
    kept = plan.continuity
    if kept is None:
        return {}
    return {
        "moved": len(kept.moves),
        "kept": len(kept.kept),
        "added": len(kept.added),
        "removed": len(kept.removed),
        "removed_vms": list(kept.removed),
        "fewest_moves_proven": kept.fewest_moves_proven,
    }


def plan_json(plan: PlacementPlan) -> dict[str, Any]:
    """The plan document; a plan made against a previous one also has ``moves`` and the summary's counts."""
    document: dict[str, Any] = {
        "placements": placement_rows(plan),
        "summary": summary(plan) | continuity_summary(plan),
        "blades": blade_rows(plan),
    }
    if plan.continuity is not None:
        document["moves"] = move_rows(plan)
    return document


def plan_json_text(plan: PlacementPlan) -> str:
    return json.dumps(plan_json(plan), indent=2, ensure_ascii=False) + "\n"


def plan_csv_text(plan: PlacementPlan) -> str:
    """The placements only, one row per VM; an empty cell is null (a middleware VM has no business or tier)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=PLACEMENT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in placement_rows(plan):
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    return buffer.getvalue()
