"""The ``kiban`` command: one subcommand per job, bad input answered with located errors and exit 2."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from typer import _click as click
from typer.core import TyperGroup

from kiban import plan_command as plan_cli
from kiban import reports
from kiban.output import write_output
from kiban.schema import spec_json_schema
from kiban_platform.network.flows import plan_flows
from kiban_platform.network.inventory import network_plan_json
from kiban_platform.network.plan import plan_network
from kiban_platform.spec.catalogue import available_versions, load_catalogue
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.problems import SpecError

EXIT_BAD_INPUT = 2


class GuardedGroup(TyperGroup):
    """The last resort: input that exhausts the interpreter is bad input (exit 2, the files named), not a traceback.

    Every reader refuses deep nesting and alias bombs itself (spec/source.py, spec/jsonsource.py); this
    catches what a reader missed, so the documented exit codes hold whatever the input. Other exceptions
    are bugs and stay tracebacks, where tests see them.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["kiban.arguments"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (RecursionError, MemoryError) as error:
            arguments: list[str] = ctx.meta.get("kiban.arguments", [])
            outputs = {after for before, after in itertools.pairwise(arguments) if before in ("--out", "-o")}
            files = [a for a in arguments if a not in outputs and Path(a).is_file()] or ["input"]
            for file in files:
                typer.echo(
                    f"{file}: (top level): too large or too deeply nested to read ({type(error).__name__}): refused",
                    err=True,
                )
            raise typer.Exit(EXIT_BAD_INPUT) from None


app = typer.Typer(
    cls=GuardedGroup,
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


def write_atomically(out: Path, text: str) -> None:
    """Write the whole file or nothing (kiban.output); a file that cannot be written is bad input, exit 2."""
    _or_exit(lambda: write_output(out, text))


def _load(spec: Path) -> PlatformSpec:
    return _or_exit(lambda: load_spec(spec))


SpecArgument = Annotated[Path, typer.Argument(help="platform spec file (YAML), e.g. specs/sample-city.yaml")]


@app.command()
def validate(
    spec: SpecArgument,
    target: Annotated[
        str | None,
        typer.Option(help="also run this target's own checks (aws, openstack) with its default settings"),
    ] = None,
) -> None:
    """Check a platform spec; exit 0 when valid, else print FILE: field.path: problem lines and exit 2."""
    if target is None:
        platform = _load(spec)
    else:
        # Imported here: the target registry loads the Pulumi SDK (never a provider SDK), which plain validation skips.
        from kiban_platform.backends import TargetError, check_target, target_problems

        try:
            check_target(target)
        except TargetError as error:
            typer.echo(f"validate: {error}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        platform = _or_exit(lambda: load_spec(spec, lambda checked: target_problems(target, checked)))
    blades = sum(len(chassis.blades) for chassis in platform.failure_domains.chassis)
    typer.echo(
        f"{spec}: valid: {platform.municipality.name} ({platform.municipality.name_en}), "
        f"{len(platform.areas)} areas, {len(platform.businesses)} businesses, "
        f"{len(platform.middleware.items())} middleware roles, "
        f"{len(platform.failure_domains.chassis)} chassis / {blades} blades, {len(platform.flows)} declared flows"
        + (f"; fits target {target}" if target is not None else "")
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
        write_atomically(out, text)
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
        typer.echo(json.dumps(network_plan_json(network, flows), indent=2, ensure_ascii=False))
        return
    console = _console()
    console.print(reports.segment_table(platform, network))
    console.print(reports.flow_matrix(platform, flows))
    console.print(reports.crossing_rules_table(platform, flows))


@app.command("plan")
def plan_command(
    spec: SpecArgument,
    output_format: plan_cli.FormatOption = plan_cli.PlanFormat.TABLE,
    time_limit: plan_cli.TimeLimitOption = plan_cli.DEFAULT_TIME_LIMIT,
    seed: plan_cli.SeedOption = plan_cli.DEFAULT_SEED,
    out: plan_cli.OutOption = None,
    previous: plan_cli.PreviousOption = None,
    work_limit: plan_cli.WorkLimitOption = plan_cli.DEFAULT_WORK_LIMIT,
) -> None:
    """Place every VM on a blade: fewest blades, then licences, then chassis; replicas on distinct chassis.

    With --previous, moving as few VMs as possible off the previous plan's blades comes first.
    """
    platform = _load(spec)
    plan = _or_exit(lambda: plan_cli.make_plan(platform, spec, time_limit, seed, work_limit, previous))
    plan_cli.emit_plan(plan, output_format, out, _console)


@app.command()
def catalog(
    version: Annotated[int | None, typer.Option(help="catalogue version (default: newest)")] = None,
) -> None:
    """List the built-in catalogue of standardised businesses (標準準拠システム) a spec can start from."""
    chosen = version if version is not None else available_versions()[-1]
    catalogue = _or_exit(lambda: load_catalogue(chosen))
    _console().print(reports.catalogue_table(catalogue))


@app.command("render")
def render_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="state file to write (pulumi stack export format)")],
    stack: Annotated[str | None, typer.Option(help="stack to render: stacks/Pulumi.<STACK>.yaml")] = None,
    spec: Annotated[Path | None, typer.Option(help="render this spec without a stack (default settings)")] = None,
    target: Annotated[str | None, typer.Option(help="with --spec: the target, e.g. openstack")] = None,
) -> None:
    """Run the Pulumi program under mocks (no cloud, no CLI) and write the state `pulumi up` would leave."""
    # Imported here: the Pulumi SDK and provider load only for the commands that run the program.
    from kiban import render as rendering

    if (stack is None) == (spec is None) or (spec is not None and target is None) or (stack and target):
        typer.echo("render: give --stack NAME, or --spec FILE --target TARGET", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        if stack is not None:
            config = rendering.load_stack_config(rendering.PROJECT_DIR, stack)
        else:
            assert spec is not None and target is not None
            config = rendering.spec_stack_config(rendering.PROJECT_DIR, spec, target)
        document = _or_exit(lambda: rendering.render(config))
    except rendering.RenderError as error:
        typer.echo(f"render: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    write_atomically(out, rendering.dumps_state(document))
    summary = rendering.summarize(document["deployment"]["resources"])
    for line in rendering.summary_lines(summary, config.stack):
        typer.echo(line)
    typer.echo(f"wrote {out}", err=True)


def main() -> None:
    app()


# The operators' commands live in their own module; registered last so it can use the helpers above.
from kiban import operate  # noqa: E402

operate.register(app)

# The auditors' commands (kiban diff, kiban audit) likewise.
from kiban import audit_commands  # noqa: E402

audit_commands.register(app)

# kiban init: a city's own Pulumi project (kiban/init_project.py).
from kiban.init_project import init_command  # noqa: E402

app.command("init")(init_command)
