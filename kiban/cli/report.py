"""`kiban report`: one self-contained HTML page of a city's platform, from its spec or its stacks' states."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kiban.cli.common import QuietOption, fail, or_exit, write_atomically

InputsArgument = Annotated[
    list[Path],
    typer.Argument(
        help="one platform spec (YAML), or one or more stack states (JSON: a kiban render, a `pulumi stack export` "
        "or `pulumi stack output --json`; several site stacks of one hybrid city); told apart by content",
        show_default=False,
        metavar="INPUT",
    ),
]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="the HTML file to write, e.g. out/report.html")]
SpecOption = Annotated[
    Path | None,
    typer.Option(
        "--spec",
        help="with states: the spec they were built from, for what a state lacks (names, vendors, VM sizes, "
        "licences, peak months)",
    ),
]


def is_state(path: Path) -> bool:
    """A JSON object is a state; anything else is read as a spec (its own reader reports what is wrong)."""
    from kiban_platform.spec.jsonsource import read_json_bytes

    raw = or_exit(lambda: read_json_bytes(path, "spec or state file"))
    return raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def report_command(
    inputs: InputsArgument,
    out: OutOption,
    spec: SpecOption = None,
    quiet: QuietOption = False,
    no_embedded_font: Annotated[
        bool,
        typer.Option(
            "--no-embedded-font",
            help="leave the Japanese font out (a smaller file; readers then need a Japanese font of their own)",
        ),
    ] = False,
) -> None:
    """Write one HTML page of the city that opens offline, in Japanese and English, from a spec or stack states.

    The page: the city at a glance, the network picture, the flow matrix, the racks, capacity and cost, and one
    sheet per business.

    From a spec: its plans (placement as `kiban plan` makes it, with its default work limit). From states: what
    the stacks deployed (their `inventory` output); add --spec for names, vendors, sizes, licences and peak months.
    """
    from kiban.cli.progress import Steps

    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir() or not folder.is_dir():
        # Refused before any planning, with the words every --out uses (write_output fails here, writing nothing).
        write_atomically(out, "")
    states = [is_state(path) for path in inputs]
    if any(states) and not all(states):
        spec_files = ", ".join(str(path) for path, state in zip(inputs, states, strict=True) if not state)
        raise fail(f"{spec_files}: a spec among states: give one spec, or one or more states (and --spec SPEC)")
    if not states[0] and len(inputs) > 1:
        raise fail(f"{inputs[1]}: one spec at a time: give one spec, or one or more states (and --spec SPEC)")
    if not states[0] and spec is not None:
        raise fail(f"{spec}: --spec goes with states; the input {inputs[0]} is a spec already")
    from graphviz import ExecutableNotFound

    from kiban.report.html import report_html
    from kiban.report.model import report_from_spec, report_from_states
    from kiban.report.picture import PictureLayoutError

    with Steps(quiet) as steps:
        if states[0]:
            steps.step("reading the states")
            report = or_exit(lambda: report_from_states(inputs, spec))
        else:
            steps.step("planning the spec (placement with kiban plan's work limit)")
            report = or_exit(lambda: report_from_spec(inputs[0]))
        steps.step("drawing the report")
        warnings: list[str] = []
        try:
            page = report_html(report, warn=warnings.append, embed_font=not no_embedded_font)
        except ExecutableNotFound:
            raise fail("kiban report: Graphviz's `dot` is not installed (Debian: apt-get install graphviz)") from None
        except PictureLayoutError as error:
            raise fail(f"kiban report: {error}") from None
    for line in [*warnings, *(f"note: {note}" for note in report.notes)]:
        typer.echo(line, err=True)
    write_atomically(out, page)
    figures = report.figures
    typer.echo(
        f"wrote {out}: {figures.areas} areas, {figures.businesses} businesses, {figures.vms} VMs"
        + (f", {figures.sites} sites" if figures.sites else ""),
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
