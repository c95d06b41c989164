"""Where the Pulumi program puts each VM: from a plan made now, or from a committed plan file.

A plan made on every `pulumi up` is optimal for today's spec, but a small edit can move many
VMs to other blades and zones, and a zone change replaces an instance. A city that wants
placement to change only when it decides commits the JSON of `kiban plan --format json` and
names it in `kiban:placement.planFile`: the program then takes every VM's blade from the file,
re-checks every rule against the current spec, and refuses a file the spec has outgrown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placement.options import PlacementSettings
from placement.verify import verify_placement
from spec.instances import expand_vms
from spec.model import PlatformSpec
from spec.problems import Problem, SpecError

# The summary figures procurement reads; a plan file carries them as `kiban plan` printed them.
SIZING_KEYS = ("blades_used", "chassis_used", "lower_bound", "first_fit", "dedicated_baseline", "optimal", "gap")
if TYPE_CHECKING:
    from placement.plan import PlacementPlan

REPLAN = "run `kiban plan SPEC --format json --out FILE` again and review the moves"


@dataclass(frozen=True)
class PlacedFleet:
    where: Mapping[str, tuple[str, str]]  # VM name -> (chassis id, blade id)
    sizing: Mapping[str, Any]  # SIZING_KEYS, plus "blades": blade -> its VMs
    source: str  # "planned now" or the plan file's path


def _blades_map(where: Mapping[str, tuple[str, str]]) -> dict[str, list[str]]:
    blades: dict[str, list[str]] = {}
    for vm, (_, blade) in where.items():
        blades.setdefault(blade, []).append(vm)
    return dict(sorted(blades.items()))


def fleet_from_plan(plan: PlacementPlan) -> PlacedFleet:
    where = {p.vm.name: (p.chassis, p.blade) for p in plan.placements}
    sizing = {
        "blades_used": plan.blades_used,
        "chassis_used": plan.chassis_used,
        "lower_bound": plan.lower_bound,
        "first_fit": plan.first_fit,
        "dedicated_baseline": plan.dedicated_baseline,
        "optimal": plan.optimal,
        "gap": round(plan.gap, 4),
        "blades": _blades_map(where),
    }
    return PlacedFleet(where, sizing, "planned now")


def load_plan_file(file: Path, spec: PlatformSpec) -> PlacedFleet:
    """The placements of a `kiban plan --format json` file, checked against ``spec``; SpecError if unusable."""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(file, [Problem((), f"plan file not found; {REPLAN}")]) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SpecError(file, [Problem((), f"not a kiban plan (JSON): {error}")]) from None
    placements = document.get("placements") if isinstance(document, dict) else None
    summary = document.get("summary") if isinstance(document, dict) else None
    if not isinstance(placements, list) or not isinstance(summary, dict):
        raise SpecError(file, [Problem((), "not a kiban plan: expected 'placements' and 'summary'")])

    chassis_of = {blade.id: chassis.id for chassis, blade in spec.failure_domains.blades()}
    assignment: dict[str, str] = {}
    problems: list[Problem] = []
    for index, entry in enumerate(placements):
        if not (isinstance(entry, dict) and isinstance(entry.get("vm"), str) and isinstance(entry.get("blade"), str)):
            problems.append(Problem(("placements", index), "needs 'vm' and 'blade'"))
            continue
        assignment[entry["vm"]] = entry["blade"]
        if entry["blade"] in chassis_of and entry.get("chassis") not in (None, chassis_of[entry["blade"]]):
            problems.append(
                Problem(
                    ("placements", index, "chassis"),
                    f"blade {entry['blade']} is in chassis {chassis_of[entry['blade']]}, not {entry['chassis']}",
                )
            )
    if problems:
        raise SpecError(file, problems)

    violations = verify_placement(expand_vms(spec), spec, assignment)
    if violations:
        lines = [Problem(("placements",), f"{violation}; {REPLAN}") for violation in violations[:20]]
        if len(violations) > 20:
            lines.append(Problem(("placements",), f"... and {len(violations) - 20} more"))
        raise SpecError(file, lines)

    where = {vm: (chassis_of[blade], blade) for vm, blade in assignment.items()}
    # Counts come from the placements themselves; bounds and baselines are as the plan computed them.
    sizing = {key: summary[key] for key in SIZING_KEYS if key in summary} | {
        "blades_used": len({blade for _, blade in where.values()}),
        "chassis_used": len({chassis for chassis, _ in where.values()}),
        "blades": _blades_map(where),
    }
    return PlacedFleet(where, sizing, str(file))


def place_fleet(
    spec: PlatformSpec, spec_file: Path, settings: PlacementSettings, project_dir: Path
) -> PlacedFleet | None:
    """The fleet's placement as the stack asks: from its plan file, planned now, or none (round robin)."""
    if settings.plan_file is not None:
        return load_plan_file(project_dir / settings.plan_file, spec)
    options = settings.plan_options()
    if options is None:
        return None
    # Imported here: OR-Tools loads slowly and a stack with a plan file never needs it.
    from placement.plan import plan_placement

    return fleet_from_plan(plan_placement(spec, options, spec_file))
