"""The body of ``kiban plan``: the command in kiban/cli.py only loads the spec and calls these."""

from __future__ import annotations

import io
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from kiban_platform.placement.options import DEFAULT_SEED, DEFAULT_TIME_LIMIT, DEFAULT_WORK_LIMIT, PlanOptions
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.problems import SpecError, with_lines
from kiban_platform.spec.source import read_yaml

if TYPE_CHECKING:
    from kiban_platform.placement.plan import PlacementPlan

__all__ = ["DEFAULT_SEED", "DEFAULT_TIME_LIMIT", "DEFAULT_WORK_LIMIT", "PlanFormat", "emit_plan", "make_plan"]


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
    # Imported here: OR-Tools takes most of a second to load and only this command needs it.
    from kiban_platform.placement.plan import plan_placement, previous_placements

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


def emit_plan(plan: PlacementPlan, output_format: PlanFormat, out: Path | None, console: Callable[[], Console]) -> None:
    """Print the plan (or write it to ``out``) in the chosen format."""
    from kiban import placement_tables
    from kiban_platform.placement import report

    if output_format == PlanFormat.TABLE:
        if out is None:
            console().print(placement_tables.plan_tables(plan))
            return
        capture = Console(width=160, no_color=True, highlight=False, record=True, file=io.StringIO())
        capture.print(placement_tables.plan_tables(plan))
        text = capture.export_text()
    else:
        text = report.plan_json_text(plan) if output_format == PlanFormat.JSON else report.plan_csv_text(plan)
        if out is None:
            typer.echo(text, nl=False)
            return
    _write(out, text)
    typer.echo(f"wrote {out}", err=True)


def _write(out: Path, text: str) -> None:
    """The whole file or nothing (kiban.output): `--previous PLAN --out PLAN` must never leave half a plan."""
    from kiban.output import write_output

    try:
        write_output(out, text)
    except SpecError as error:
        for line in error.lines():
            typer.echo(line, err=True)
        raise typer.Exit(2) from None
