"""`kiban render`: the Pulumi program under mocks, written as the state `pulumi up` would leave."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kiban.cli.common import QuietOption, fail, or_exit, write_atomically

if TYPE_CHECKING:
    from kiban.cli.progress import Steps
    from kiban.render import StackConfig


def render_document(
    config: StackConfig,
    steps: Steps,
    command: str,
    what: str = "",
    references: Mapping[str, Path] | None = None,
) -> dict[str, Any]:
    """Render ``config`` with its progress on ``steps`` (``what`` names the side of a comparison).

    ``references``: the state file of each stack the program reads (``--reference STACK=FILE``).
    Bad input exits 2: a spec's located problems, or ``COMMAND: what to fix`` for a stack.
    """
    from kiban import render as rendering

    label = f"{what}: " if what else ""
    try:
        return or_exit(
            lambda: rendering.render(
                config,
                progress=lambda step, resources: steps.step(label + step, resources),
                references=references,
            )
        )
    except rendering.RenderError as error:
        raise fail(f"{command}: {error}") from None


def render_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="state file to write (pulumi stack export format)")],
    stack: Annotated[str | None, typer.Option(help="stack to render: stacks/Pulumi.<STACK>.yaml")] = None,
    spec: Annotated[Path | None, typer.Option(help="render this spec without a stack (default settings)")] = None,
    target: Annotated[str | None, typer.Option(help="with --spec: the target, e.g. openstack")] = None,
    site: Annotated[
        str | None,
        typer.Option(help="with --spec of a hybrid city: the site to render (its target comes from the spec)"),
    ] = None,
    reference: Annotated[
        list[str] | None,
        typer.Option(
            help="STACK=STATE_FILE: the outputs of a stack this one reads by StackReference (a site stack of a "
            "hybrid city reads its peers'), from that stack's render; repeatable"
        ),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Run the Pulumi program under mocks (no cloud, no CLI) and write the state `pulumi up` would leave."""
    # The Pulumi SDK and the providers load only for the commands that run the program.
    from kiban import render as rendering
    from kiban.cli.progress import Steps

    if (
        (stack is None) == (spec is None)
        or (spec is not None and target is None and site is None)
        or (stack and (target or site))
    ):
        raise fail("render: give --stack NAME, or --spec FILE --target TARGET (a hybrid city: --spec FILE --site SITE)")
    try:
        if stack is not None:
            config = rendering.load_stack_config(rendering.PROJECT_DIR, stack)
        else:
            assert spec is not None
            config = rendering.spec_stack_config(rendering.PROJECT_DIR, spec, target, site)
    except rendering.RenderError as error:
        raise fail(f"render: {error}") from None
    references = parse_references(reference or [])
    with Steps(quiet, unit="resources") as steps:
        document = render_document(config, steps, "render", references=references)
        steps.step("writing the state", len(document["deployment"]["resources"]))
        write_atomically(out, rendering.dumps_state(document))
    summary = rendering.summarize(document["deployment"]["resources"])
    for line in rendering.summary_lines(summary, config.stack):
        typer.echo(line)
    typer.echo(f"wrote {out}", err=True)


def parse_references(values: list[str]) -> dict[str, Path]:
    """``--reference STACK=STATE_FILE`` options as {stack: file}; a malformed or repeated one exits 2."""
    references: dict[str, Path] = {}
    for value in values:
        name, separator, file = value.partition("=")
        if not separator or not name or not file:
            raise fail(f"render: --reference {value!r}: expected STACK=STATE_FILE, e.g. sample-hybrid-gc=out/gc.json")
        if name in references:
            raise fail(f"render: --reference {name}: given twice")
        references[name] = Path(file)
    return references


def register(app: typer.Typer) -> None:
    app.command("render")(render_command)
