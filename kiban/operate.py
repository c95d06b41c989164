"""Operators' commands: `kiban inventory`, `kiban playbook`, `kiban verify` and `kiban lab up|verify|down`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

Result = TypeVar("Result")

lab_app = typer.Typer(
    name="lab",
    help="Build the spec's network design on this Linux host (root) and verify it: namespaces, bridges, a router.",
    no_args_is_help=True,
)

# pytest's own options pass through `kiban verify` and `kiban lab verify` untouched.
PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}

SpecArgument = Annotated[Path, typer.Argument(help="platform spec file (YAML), e.g. specs/sample-city.yaml")]


def _fail(message: str) -> typer.Exit:
    from kiban.cli import EXIT_BAD_INPUT

    typer.echo(message, err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def inventory_command(
    state: Annotated[
        Path, typer.Argument(help="a kiban render, a `pulumi stack export`, or `pulumi stack output --json`")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Ansible YAML inventory to write")],
) -> None:
    """Write the stack's inventory as an Ansible inventory: groups by area, role and business."""
    from kiban.cli import _or_exit, write_atomically
    from kiban.verify.inventory import ansible_inventory, ansible_inventory_text, inventory_from_state

    document = _or_exit(lambda: inventory_from_state(state))
    write_atomically(out, ansible_inventory_text(ansible_inventory(document)))
    typer.echo(f"wrote {out}: {len(document['hosts'])} hosts, {len(document['flows'])} planned rules")


def playbook_command(
    state: Annotated[
        Path, typer.Argument(help="a kiban render, a `pulumi stack export`, or `pulumi stack output --json`")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Ansible playbook to write, e.g. site.yml")],
) -> None:
    """Write the day-two playbook: host firewalls, time sources, load-balancer backends and client lists.

    Boot user data never follows the city (a change would replace the server); run this playbook with the
    inventory of `kiban inventory` after every `pulumi up`: ansible-playbook -i inventory.yml site.yml.
    """
    from kiban.cli import _or_exit, write_atomically
    from kiban.verify.inventory import inventory_from_state
    from kiban_platform.templates.config import playbook

    document = _or_exit(lambda: inventory_from_state(state))
    write_atomically(out, playbook(document, state.name))
    typer.echo(f"wrote {out}: day-two files for {len(document['hosts'])} hosts")


def verify_command(
    context: typer.Context,
    inventory: Annotated[Path, typer.Option("--inventory", "-i", help="Ansible inventory from `kiban inventory`")],
) -> None:
    """Run the testinfra suite: services on their ports, time sync, firewalls, and isolation between areas.

    Arguments after the options go to pytest (for example -x or -k juki). Exit 0 when every check passes, 1 when
    one fails, 2 when the inventory cannot be read.
    """
    from kiban.cli import _or_exit
    from kiban.verify.run import check_inventory, run_suite

    # Read and checked here, before pytest: a broken inventory is one located message and exit 2,
    # not a page of collection errors.
    _or_exit(lambda: check_inventory(inventory))
    raise typer.Exit(run_suite(inventory, list(context.args)))


def _run_lab(action: Callable[[], Result]) -> Result:
    """Run a lab action: spec problems and lab problems (not root, no nft) both exit 2 with the reason."""
    from kiban.cli import _or_exit
    from kiban.lab.build import LabError

    try:
        return _or_exit(action)
    except LabError as error:
        raise _fail(f"lab: {error}") from None


@lab_app.command("up")
def lab_up_command(spec: SpecArgument) -> None:
    """Create (or bring up to date) the lab for SPEC; running it twice changes nothing."""
    from kiban.lab import session

    topology, inventory = _run_lab(lambda: session.up(spec))
    typer.echo(
        f"lab up: {len(topology.namespaces)} namespaces, {len(topology.segments)} bridged segments, "
        f"{len(topology.rules)} router rules; inventory {inventory}"
    )


@lab_app.command("verify", context_settings=PASS_THROUGH)
def lab_verify_command(context: typer.Context, spec: SpecArgument) -> None:
    """Run the testinfra suite against the lab; extra arguments go to pytest."""
    from kiban.lab import session

    raise typer.Exit(_run_lab(lambda: session.verify(spec, pytest_args=list(context.args))))


@lab_app.command("down")
def lab_down_command(spec: SpecArgument) -> None:
    """Remove the lab's namespaces, bridges and listener, and nothing else."""
    from kiban.lab import session

    removed = _run_lab(lambda: session.down(spec))
    typer.echo(f"lab down: removed {len(removed)} items" if removed else "lab down: nothing to remove")


def register(app: typer.Typer) -> None:
    app.command("inventory")(inventory_command)
    app.command("playbook")(playbook_command)
    app.command("verify", context_settings=PASS_THROUGH)(verify_command)
    app.add_typer(lab_app)
