"""The ``kiban`` command: one subcommand per job, bad input answered with located errors and exit 2.

One module per group of commands, each registering its commands on ``app``:

- ``spec``: validate, plan-network, schema, catalog;
- ``plan``: plan (placement on blades);
- ``render``: render (the Pulumi program under mocks);
- ``audit``: diff, audit;
- ``operate``: inventory, playbook, verify;
- ``report``: report (one HTML page of the city, from a spec or states);
- ``lab``: lab up|verify|down;
- ``init``: init (a city's own Pulumi project).

``common`` holds what they share (exit codes, bad input, ``--out`` files), ``terminal`` the rich
side (tables, progress). A command module imports at its top only what defining its options needs;
what a command runs on (the spec model and catalogue, OR-Tools, Pulumi, jinja2, rich) it imports in
its body, so ``kiban --help`` and ``kiban diff`` load only what they use.
"""

from __future__ import annotations

import typer

from kiban.cli import audit, lab, operate, plan, render, report, spec
from kiban.cli.common import EXIT_BAD_INPUT, GuardedGroup
from kiban.cli.init import init_command

__all__ = ["EXIT_BAD_INPUT", "app", "main"]

app = typer.Typer(
    cls=GuardedGroup,
    name="kiban",
    help="kiban (基盤): plan, build and check a city's shared platform (共通基盤) from one spec.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# In the order `kiban --help` lists them.
for group in (spec, plan, render, operate, audit, report, lab):
    group.register(app)
app.command("init")(init_command)


def main() -> None:
    app()
