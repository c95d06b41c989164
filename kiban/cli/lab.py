"""`kiban lab up|verify|down`: the spec's network design built on this Linux host, and checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from kiban.cli.common import QuietOption, SpecArgument, fail, or_exit
from kiban.cli.operate import PASS_THROUGH

Result = TypeVar("Result")

lab_app = typer.Typer(
    name="lab",
    help="Build the spec's network design on this Linux host (root) and verify it: namespaces, bridges, a router.",
    no_args_is_help=True,
)


def _run_lab(action: Callable[[], Result]) -> Result:
    """Run a lab action: spec problems and lab problems (not root, no nft) both exit 2 with the reason."""
    from kiban.lab.build import LabError

    try:
        return or_exit(action)
    except LabError as error:
        raise fail(f"lab: {error}") from None


@lab_app.command("up")
def lab_up_command(
    spec: SpecArgument,
    quiet: QuietOption = False,
    ssh: Annotated[
        bool,
        typer.Option(
            "--ssh",
            help="the rehearsal: a real sshd in every host (the spec's management user, port and a lab key), "
            "and an inventory reaching the hosts over SSH through the bastions",
        ),
    ] = False,
) -> None:
    """Create (or bring up to date) the lab for SPEC; running it twice changes nothing."""
    from kiban.cli.progress import Steps
    from kiban.lab import session
    from kiban.lab.hybrid import HybridLab

    with Steps(quiet) as steps:
        topology, inventory = _run_lab(lambda: session.up_lab(spec, progress=steps.step, ssh=ssh))
    sites = ""
    if isinstance(topology, HybridLab):
        sites = f"{len(topology.sites)} sites joined by {len(topology.links)} links, "
    typer.echo(
        f"lab up: {sites}{len(topology.namespaces)} namespaces, {len(topology.segments)} bridged segments, "
        f"{len(topology.rules)} router rules; inventory {inventory}"
    )
    if ssh:
        typer.echo(f"lab up: sshd in every host; SSH inventory {session.ssh_inventory_path(spec)}")


@lab_app.command("verify", context_settings=PASS_THROUGH)
def lab_verify_command(context: typer.Context, spec: SpecArgument, quiet: QuietOption = False) -> None:
    """Run the testinfra suite against the lab; extra arguments go to pytest.

    On a terminal (and without --quiet) pytest counts the checks as they run ([ 12/40]).
    """
    from kiban.cli.progress import Steps
    from kiban.lab import session
    from kiban.verify.run import run_suite

    with Steps(quiet) as steps:
        inventory = _run_lab(lambda: session.ready_inventory(spec, progress=steps.step))
    # The suite writes to the terminal itself, so the display has ended; pytest's own progress line then
    # counts the checks instead of giving a percentage. The operator's arguments come after and win.
    counting = ["-o", "console_output_style=count"] if steps.shown else []
    raise typer.Exit(run_suite(inventory, [*counting, *context.args]))


@lab_app.command("down")
def lab_down_command(spec: SpecArgument, quiet: QuietOption = False) -> None:
    """Remove what SPEC's lab made (namespaces, bridges, listener), and nothing else: another spec's lab stays.

    A spec whose lab is not up: "no lab of SPEC is up", nothing removed, exit 0 (down is idempotent).
    """
    from kiban.cli.progress import Steps
    from kiban.lab import session

    with Steps(quiet) as steps:
        steps.step("removing the lab", 0, 1)
        removed = _run_lab(lambda: session.down(spec))
    if removed:
        typer.echo(f"lab down: removed {len(removed)} items")
    else:
        typer.echo(f"lab down: no lab of {spec} is up; nothing removed")


def register(app: typer.Typer) -> None:
    app.add_typer(lab_app)
