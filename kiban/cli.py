"""The ``kiban`` command: one subcommand per job, bad input answered with located errors and exit 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from catalog import available_versions, load_catalogue
from kiban import reports
from kiban.schema import spec_json_schema
from network.flows import plan_flows
from network.plan import plan_network
from spec.load import load_spec
from spec.model import PlatformSpec
from spec.problems import SpecError

EXIT_BAD_INPUT = 2

app = typer.Typer(
    name="kiban",
    help="kiban (基盤): plan, build and check a city's shared platform (共通基盤) from one spec.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

Result = TypeVar("Result")


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def _console() -> Console:
    # A pipe gets a wide, colourless console so tables stay on one line per row in logs and files.
    interactive = sys.stdout.isatty()
    return Console(width=None if interactive else 160, no_color=not interactive, highlight=False)


def _or_exit(action: Callable[[], Result]) -> Result:
    """Run ``action``; on bad input print each located problem to stderr and exit 2."""
    try:
        return action()
    except SpecError as error:
        for line in error.lines():
            typer.echo(line, err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _load(spec: Path) -> PlatformSpec:
    return _or_exit(lambda: load_spec(spec))


SpecArgument = Annotated[Path, typer.Argument(help="platform spec file (YAML), e.g. specs/sample-city.yaml")]


@app.command()
def validate(spec: SpecArgument) -> None:
    """Check a platform spec; exit 0 when valid, else print FILE: field.path: problem lines and exit 2."""
    platform = _load(spec)
    blades = sum(len(chassis.blades) for chassis in platform.failure_domains.chassis)
    typer.echo(
        f"{spec}: valid: {platform.municipality.name} ({platform.municipality.name_en}), "
        f"{len(platform.areas)} areas, {len(platform.businesses)} businesses, "
        f"{len(platform.middleware.items())} middleware roles, "
        f"{len(platform.failure_domains.chassis)} chassis / {blades} blades, {len(platform.flows)} declared flows"
    )


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write to this file instead of stdout")] = None,
) -> None:
    """Print the spec's JSON Schema, for editors' YAML validation (see README: editor set-up)."""
    text = json.dumps(spec_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


@app.command("plan-network")
def plan_network_command(
    spec: SpecArgument,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json")] = OutputFormat.TABLE,
) -> None:
    """Show each area's VLANs and subnets, and which areas may open connections to which (the flow matrix)."""
    platform = _load(spec)
    network = plan_network(platform)
    flows = plan_flows(platform, network)
    if output_format == OutputFormat.JSON:
        typer.echo(json.dumps(reports.network_plan_json(network, flows), indent=2, ensure_ascii=False))
        return
    console = _console()
    console.print(reports.segment_table(platform, network))
    console.print(reports.flow_matrix(platform, flows))
    console.print(reports.crossing_rules_table(platform, flows))


@app.command()
def catalog(
    version: Annotated[int | None, typer.Option(help="catalogue version (default: newest)")] = None,
) -> None:
    """List the built-in catalogue of standardised businesses (標準準拠システム) a spec can start from."""
    chosen = version if version is not None else available_versions()[-1]
    catalogue = _or_exit(lambda: load_catalogue(chosen))
    _console().print(reports.catalogue_table(catalogue))


def main() -> None:
    app()
