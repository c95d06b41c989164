"""Where the Pulumi program puts each VM: from a committed plan file, or from a plan made now.

A plan made on every `pulumi up` is optimal for today's spec, but a small edit can move many
VMs to other blades and zones, and a zone change replaces an instance. So the program takes
placements from a reviewed plan file (the JSON of `kiban plan --format json`) whenever there is
one: the file named by `kiban:placement.planFile`, or else `plans/<spec file stem>.json` of the
project. It takes every VM's blade from the file, re-checks every rule against the current
spec, and refuses a stale file with the command that updates it while moving as few VMs as
possible (`kiban plan SPEC --previous PLAN --format json --out PLAN`).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from kiban_platform.placement.options import PlacementSettings

# PlacedFleet is re-exported: components and the program know a placed fleet by this module.
from kiban_platform.placement.plan_document import PlacedFleet as PlacedFleet
from kiban_platform.placement.plan_document import read_plan_document
from kiban_platform.placement.verify import verify_placement
from kiban_platform.spec.instances import expand_vms
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.problems import Problem, SpecError

# The summary figures procurement reads; a plan file carries them as `kiban plan` printed them.
SIZING_KEYS = ("blades_used", "chassis_used", "lower_bound", "first_fit", "dedicated_baseline", "optimal", "gap")
if TYPE_CHECKING:
    from kiban_platform.placement.plan import PlacementPlan

PLANS_FOLDER = "plans"


def replan_command(
    plan_file: Path | str, spec_file: Path | str | None = None, site: str | None = None, previous: bool = True
) -> str:
    """The command that brings a stale plan file up to date, keeping every VM it can where it is.

    ``site``: the on-prem site of a hybrid city the file plans (``kiban plan`` refuses a site's plan as
    ``--previous`` without it). ``previous=False`` for a file that does not exist yet: there is nothing
    to keep, and ``--previous`` of a missing file is refused.
    """
    spec = str(spec_file) if spec_file is not None else "SPEC"
    site_option = f" --site {site}" if site is not None else ""
    previous_option = f" --previous {plan_file}" if previous else ""
    return f"kiban plan {spec}{site_option}{previous_option} --format json --out {plan_file}"


def _replan(plan_file: Path, spec_file: Path | None, site: str | None, previous: bool = True) -> str:
    spec = _shown(spec_file) if spec_file else None
    command = replan_command(_shown(plan_file), spec, site, previous)
    return f"run `{command}` and review the moves" if previous else f"run `{command}` and review the plan"


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


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


def load_plan_file(
    file: Path, spec: PlatformSpec, spec_file: Path | None = None, site: str | None = None
) -> PlacedFleet:
    """The placements of a `kiban plan --format json` file, checked against ``spec``; SpecError if unusable.

    A stale file (the spec has VMs it lacks, or a placement it has breaks a rule of the spec
    now) is refused with the command that brings it up to date, naming ``spec_file`` when given
    and ``site`` (the on-prem site of a hybrid city the file plans) when given.
    """
    try:
        placed, summary = read_plan_document(file)
    except SpecError as error:
        if error.problems[0].message == "plan file not found":
            hint = _replan(file, spec_file, site, previous=False)
            raise SpecError(file, [Problem((), f"plan file not found; {hint}")]) from None
        raise
    chassis_of = {blade.id: chassis.id for chassis, blade in spec.failure_domains.blades()}
    order = list(placed)
    problems: list[Problem] = []
    for vm, (chassis, blade) in placed.items():
        if blade in chassis_of and chassis not in (None, chassis_of[blade]):
            problems.append(
                Problem(
                    ("placements", order.index(vm), "chassis"),
                    f"blade {blade} is in chassis {chassis_of[blade]}, not {chassis}",
                )
            )
    if problems:
        raise SpecError(file, problems)
    assignment = {vm: blade for vm, (_, blade) in placed.items()}

    vms = expand_vms(spec)
    violations = verify_placement(vms, spec, assignment)
    if violations:
        missing = [vm.name for vm in vms if vm.name not in assignment]
        gone = [vm for vm in assignment if vm not in {v.name for v in vms}]
        what = []
        if missing:
            shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
            what.append(f"{len(missing)} VMs of the spec are not in it ({shown})")
        if gone:
            what.append(f"{len(gone)} VMs in it are no longer in the spec")
        broken = len(violations) - len(missing) - len(gone)
        if broken > 0:
            what.append(f"{broken} placements break the spec's rules now")
        lines = [Problem(("placements",), f"stale plan: {'; '.join(what)}; {_replan(file, spec_file, site)}")]
        lines += [Problem(("placements",), str(violation)) for violation in violations[:20]]
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


def default_plan_file(spec_file: Path, project_dir: Path, site: str | None = None) -> Path:
    """Where the reviewed plan of a spec lives: ``plans/<spec file stem>.json`` in the project.

    A site of a hybrid city has its own: ``plans/<spec file stem>-<site>.json`` (``kiban plan --site``).
    """
    name = f"{spec_file.stem}-{site}" if site is not None else spec_file.stem
    return project_dir / PLANS_FOLDER / f"{name}.json"


def plan_file_for(
    settings: PlacementSettings, spec_file: Path, project_dir: Path, site: str | None = None
) -> Path | None:
    """The plan file the program takes placements from, or None when it plans now or not at all.

    ``planFile`` when set; otherwise, unless placement is disabled or ``discoverPlanFile`` is
    false, the project's ``plans/<spec file stem>.json`` when it exists and the spec is a file
    of the project (a spec elsewhere, such as a copy being edited, is never matched by name).
    """
    if settings.plan_file is not None:
        return project_dir / settings.plan_file
    if not settings.enabled or not settings.discover_plan_file:
        return None
    candidate = default_plan_file(spec_file, project_dir, site)
    inside = (project_dir / spec_file).resolve().is_relative_to(project_dir.resolve())
    return candidate if inside and candidate.is_file() else None


def place_fleet(
    spec: PlatformSpec, spec_file: Path, settings: PlacementSettings, project_dir: Path, site: str | None = None
) -> PlacedFleet | None:
    """The fleet's placement as the stack asks: from its plan file, planned now, or none (round robin).

    ``site``: the on-prem site of a hybrid city whose view ``spec`` is (its plan file is its own).
    """
    plan_file = plan_file_for(settings, spec_file, project_dir, site)
    if plan_file is not None:
        return load_plan_file(plan_file, spec, spec_file, site)
    options = settings.plan_options()
    if options is None:
        return None
    # Imported here: OR-Tools loads slowly and a stack with a plan file never needs it.
    from kiban_platform.placement.plan import plan_placement

    plan = plan_placement(spec, options, spec_file)
    if plan.stopped_by_time_limit:
        print(f"warning: {plan.time_limit_warning()}", file=sys.stderr)
    return fleet_from_plan(plan)
