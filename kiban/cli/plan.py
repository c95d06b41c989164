"""The placement command, `kiban plan`: every VM on a blade, in a table, JSON or CSV."""

from __future__ import annotations

import functools
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kiban.cli.common import QuietOption, SpecArgument, emit, fail, or_exit
from kiban.cli.spec import load

if TYPE_CHECKING:
    from kiban.cli.progress import Steps
    from kiban.planning import SitePlacement
    from kiban_platform.placement.plan import PlacementPlan
    from kiban_platform.spec.model import PlatformSpec
    from kiban_platform.spec.sites import Site

# The planner's defaults (kiban_platform.placement.options), written out here because the option
# list is built whenever the command line starts and that module loads pydantic; a test keeps the
# two equal.
DEFAULT_WORK_LIMIT = 10.0
DEFAULT_TIME_LIMIT = 300.0
DEFAULT_SEED = 0


class PlanFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


FormatOption = Annotated[
    PlanFormat, typer.Option("--format", "-f", help="table, json (placements and summary) or csv (placements)")
]
TimeLimitOption = Annotated[
    float,
    typer.Option(
        "--time-limit",
        min=0.1,
        help="wall-clock ceiling in seconds, a safety net: when it stops the solver before its work limit, "
        "a warning says the plan may differ on another machine",
    ),
]
WorkLimitOption = Annotated[
    float,
    typer.Option(
        "--work-limit",
        min=0.1,
        help="solver budget in reference seconds (about wall seconds on an idle 2-core machine), counted in "
        "deterministic work, not by the clock: the same spec, seed and work limit give the same plan under any load",
    ),
]
PreviousOption = Annotated[
    Path | None,
    typer.Option(
        "--previous",
        help="a previous `kiban plan --format json` file: keep every VM on its blade unless it must move, "
        "and report each move and why",
    ),
]
SeedOption = Annotated[
    int, typer.Option("--seed", min=0, help="solver seed: the same spec and seed give the same plan")
]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="write to this file instead of stdout")]


def make_plan(
    platform: PlatformSpec,
    spec_file: Path,
    time_limit: float,
    seed: int,
    work_limit: float = DEFAULT_WORK_LIMIT,
    previous: Path | None = None,
) -> PlacementPlan:
    """Plan ``platform`` (against ``previous`` when given); a SpecError carries the spec's line numbers."""
    # OR-Tools takes most of a second to load and only this command needs it.
    from kiban.planning import place
    from kiban_platform.placement.options import PlanOptions

    plan = place(platform, spec_file, PlanOptions(time_limit=time_limit, seed=seed, work_limit=work_limit), previous)
    if plan.stopped_by_time_limit:
        typer.echo(f"warning: {plan.time_limit_warning()}", err=True)
    return plan


def emit_plan(plan: PlacementPlan, output_format: PlanFormat, out: Path | None) -> None:
    """Print the plan (or write it whole to ``out``: `--previous PLAN --out PLAN` never leaves half a plan)."""
    from kiban_platform.placement import report

    if output_format == PlanFormat.TABLE:
        from kiban.cli.placement_tables import plan_tables
        from kiban.cli.terminal import show

        show(plan_tables(plan), out)
    elif output_format == PlanFormat.JSON:
        emit(report.plan_json_text(plan), out)
    else:
        emit(report.plan_csv_text(plan), out)


SiteOption = Annotated[
    str | None,
    typer.Option(
        "--site",
        help="a spec with sites: this site only; for an on-prem site the output is a one-site plan, "
        "the file --previous reads",
    ),
]


def plan_command(
    spec: SpecArgument,
    output_format: FormatOption = PlanFormat.TABLE,
    time_limit: TimeLimitOption = DEFAULT_TIME_LIMIT,
    seed: SeedOption = DEFAULT_SEED,
    out: OutOption = None,
    previous: PreviousOption = None,
    work_limit: WorkLimitOption = DEFAULT_WORK_LIMIT,
    quiet: QuietOption = False,
    site: SiteOption = None,
) -> None:
    """Place every VM on a blade: fewest blades, then licences, then chassis; replicas on distinct chassis.

    With --previous, moving as few VMs as possible off the previous plan's blades comes first.
    A spec with sites: each on-prem site's blades are planned on their own, and each cloud site shows how its
    replicas spread over availability zones (a section per site).
    """
    from kiban.cli.progress import Steps

    with Steps(quiet) as steps:
        steps.step("reading the spec")
        platform = load(spec)
        if platform.sites:
            placements = _place_sites(steps, platform, spec, site, time_limit, seed, work_limit, previous)
        else:
            if site is not None:
                raise fail(f"{spec}: --site {site}: the spec has no sites: it is one implicit site, planned as a whole")
            steps.step(f"placing VMs on blades (work limit {work_limit:g})")
            placed = or_exit(lambda: make_plan(platform, spec, time_limit, seed, work_limit, previous))
    if not platform.sites:
        emit_plan(placed, output_format, out)
        return
    _emit_sites(platform, placements, output_format, out, one_site=site is not None)


def _place_sites(
    steps: Steps,
    platform: PlatformSpec,
    spec_file: Path,
    site_id: str | None,
    time_limit: float,
    seed: int,
    work_limit: float,
    previous: Path | None,
) -> list[SitePlacement]:
    """Each chosen site's placement: an on-prem site's blades planned on its own view, a cloud site's zones."""
    from kiban.planning import SitePlacement, places_on_blades, zone_spread
    from kiban_platform.network.site_plans import chosen_sites
    from kiban_platform.network.sites import SiteViewError, site_view
    from kiban_platform.spec.problems import Problem, SpecError

    try:
        sites = chosen_sites(platform, site_id)
    except SiteViewError as error:
        raise fail(f"{spec_file}: --site {site_id}: {error}") from None
    if previous is not None and (site_id is None or not places_on_blades(sites[0])):
        raise fail(
            f"{previous}: --previous is one on-prem site's plan: give --site with the on-prem site it was made for"
        )
    placements: list[SitePlacement] = []
    for site in sites:
        if not places_on_blades(site):
            steps.step(f"site {site.id}: spreading VMs over availability zones")
            spread = or_exit(functools.partial(zone_spread, platform, site, spec_file))
            placements.append(SitePlacement(site, spread=spread))
            continue
        steps.step(f"site {site.id}: placing VMs on blades (work limit {work_limit:g})")
        view = site_view(platform, site.id)

        def place(view: PlatformSpec = view, site: Site = site) -> PlacementPlan:
            try:
                return make_plan(view, spec_file, time_limit, seed, work_limit, previous)
            except SpecError as error:
                problems = [Problem(p.path, f"site {site.id}: {p.message}", p.line) for p in error.problems]
                raise SpecError(error.file, problems) from None

        placements.append(SitePlacement(site, plan=or_exit(place)))
    return placements


def _emit_sites(
    platform: PlatformSpec, placements: list[SitePlacement], output_format: PlanFormat, out: Path | None, one_site: bool
) -> None:
    """A section per site; `--site` of an on-prem site prints exactly what a spec without sites prints."""
    from kiban.planning import site_header, sites_csv, sites_json

    if one_site and placements[0].plan is not None:
        emit_plan(placements[0].plan, output_format, out)
        return
    if output_format == PlanFormat.JSON:
        document = sites_json(placements)
        if one_site:
            document = {"site": placements[0].site.id} | site_header(placements[0].site) | placements[0].document()
        emit(json.dumps(document, indent=2, ensure_ascii=False) + "\n", out)
    elif output_format == PlanFormat.CSV:
        emit(sites_csv(platform, placements), out)
    else:
        from rich.console import Group

        from kiban.cli.placement_tables import plan_tables, site_heading, zone_spread_tables
        from kiban.cli.terminal import show

        sections: list[Group] = []
        for placed in placements:
            if placed.plan is not None:
                sections.append(Group(site_heading(placed.site), plan_tables(placed.plan)))
            else:
                assert placed.spread is not None
                sections.append(zone_spread_tables(placed.spread))
        show(Group(*sections), out)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_command)
