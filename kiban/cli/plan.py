"""The placement command, `kiban plan`: every VM on a blade, in a table, JSON or CSV."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kiban.cli.common import QuietOption, SpecArgument, emit, or_exit
from kiban.cli.spec import load

if TYPE_CHECKING:
    from kiban_platform.placement.plan import PlacementPlan
    from kiban_platform.spec.model import PlatformSpec

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
    from kiban_platform.placement.options import PlanOptions
    from kiban_platform.placement.plan import plan_placement, previous_placements
    from kiban_platform.spec.problems import SpecError, with_lines
    from kiban_platform.spec.source import read_yaml

    # Read first: a previous file that is not a plan is reported against that file, with no spec lines.
    before = previous_placements(previous) if previous is not None else None
    options = PlanOptions(time_limit=time_limit, seed=seed, work_limit=work_limit)
    try:
        plan = plan_placement(platform, options, spec_file, previous=before)
    except SpecError as error:
        raise SpecError(error.file, with_lines(error.problems, read_yaml(spec_file).lines)) from None
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


def plan_command(
    spec: SpecArgument,
    output_format: FormatOption = PlanFormat.TABLE,
    time_limit: TimeLimitOption = DEFAULT_TIME_LIMIT,
    seed: SeedOption = DEFAULT_SEED,
    out: OutOption = None,
    previous: PreviousOption = None,
    work_limit: WorkLimitOption = DEFAULT_WORK_LIMIT,
    quiet: QuietOption = False,
) -> None:
    """Place every VM on a blade: fewest blades, then licences, then chassis; replicas on distinct chassis.

    With --previous, moving as few VMs as possible off the previous plan's blades comes first.
    """
    from kiban.cli.progress import Steps

    with Steps(quiet) as steps:
        steps.step("reading the spec")
        platform = load(spec, one_place_for="kiban plan")
        steps.step(f"placing VMs on blades (work limit {work_limit:g})")
        placed = or_exit(lambda: make_plan(platform, spec, time_limit, seed, work_limit, previous))
    emit_plan(placed, output_format, out)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_command)
