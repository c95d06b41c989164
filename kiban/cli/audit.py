"""Auditors' commands: `kiban diff` (what a change means for security) and `kiban audit` (the model's rules).

Exit status, like diff(1) plus one: 0 no change (diff) or clean (audit), 1 changes
(diff), 2 bad input, 3 a finding at or above --fail-on (default high).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kiban.audit.report import Format
from kiban.cli.common import QuietOption, emit, fail, or_exit
from kiban.cli.render import render_document

if TYPE_CHECKING:
    from kiban.audit.findings import Severity
    from kiban.audit.state import StackState
    from kiban.cli.progress import Steps


class FailOn(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"

    def severity(self) -> Severity | None:
        from kiban.audit.findings import Severity

        return None if self == FailOn.NONE else Severity.parse(self.value)


FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="text (terminal), markdown (merge-request comment), json or sarif")
]


class DiffFormat(StrEnum):
    """`kiban diff`'s forms: the audit's four, and a self-contained page with the network picture in colour."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    SARIF = "sarif"
    HTML = "html"


DiffFormatOption = Annotated[
    DiffFormat,
    typer.Option(
        "--format",
        "-f",
        help="text (terminal), markdown (merge-request comment), json, sarif, or html (a page with the new network "
        "picture, the paths the change added, widened or removed in colour)",
    ),
]
FailOnOption = Annotated[
    FailOn,
    typer.Option("--fail-on", help="exit 3 when a finding is at or above this severity (none: never)"),
]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="write the report to this file, not stdout")]
TargetOption = Annotated[
    str | None, typer.Option("--target", help="with a spec: the target to render for, e.g. openstack")
]
SiteOption = Annotated[
    str | None,
    typer.Option("--site", help="with a spec of a hybrid city: the site to render (its target comes from the spec)"),
]


def _hybrid_checked(state: StackState) -> StackState:
    """The state, once the hybrid keys of its inventory pass the one schema (kiban_platform/spec/stack_outputs.py).

    The audit core reads them tolerantly; read unchecked, a garbage ``sites`` would make every site
    "unknown" and raise findings about a city that is not there. So garbage is bad input: exit 2.
    """
    from kiban_platform.spec.problems import SpecError
    from kiban_platform.spec.stack_outputs import state_hybrid_problems

    problems = state_hybrid_problems(state.resources, state.stack_path)
    if problems:
        raise SpecError(state.source, problems)
    return state


def _same_site(before: StackState, after: StackState) -> None:
    """Refuse (exit 2) two states of different sites of a hybrid city: a diff compares one stack over time."""
    from kiban_platform.spec.stack_outputs import state_site

    old_site, new_site = state_site(before.resources), state_site(after.resources)
    if old_site is not None and new_site is not None and old_site != new_site:
        raise fail(
            f"diff: {before.source} is the state of site {old_site} and {after.source} of site {new_site}: a diff "
            "compares one site's stack before and after a change; give --across-sites to compare two sites anyway"
        )


def _version() -> str:
    import importlib.metadata  # for SARIF only: it costs a listing of the installed packages' metadata

    try:
        return importlib.metadata.version("kiban")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def _rendered(
    command: str,
    stack: str | None,
    spec: Path | None,
    target: str | None,
    steps: Steps,
    stack_name: str | None = None,
    what: str = "",
    site: str | None = None,
) -> StackState:
    """Render a stack (stacks/Pulumi.<stack>.yaml) or a spec under mocks, as `kiban render` would.

    ``stack_name``: render a spec as this stack, so two specs compared render in one namespace (URNs
    and the fingerprints of their secrets then match resource for resource).
    """
    from kiban import render as rendering
    from kiban.audit.state import state_from_document

    try:
        if stack is not None:
            config = rendering.load_stack_config(rendering.PROJECT_DIR, stack)
            _, folder = rendering.read_project(rendering.PROJECT_DIR)
            artifact = (folder / f"Pulumi.{stack}.yaml").relative_to(rendering.PROJECT_DIR)
            source = f"stack {stack}"
        else:
            assert spec is not None
            if target is None and site is None:
                raise fail(f"{command}: a spec needs --target (e.g. --target openstack), or --site for a hybrid city")
            prefix = stack_name.removesuffix(f"-{site or target}") if stack_name is not None else None
            config = rendering.spec_stack_config(rendering.PROJECT_DIR, spec, target, site, prefix)
            if stack_name is not None:
                config.stack = stack_name
                # Two specs compared: re-planning placement for each would move VMs the edit never
                # touched and bury its meaning, so both sides keep replica i on chassis i mod n.
                config.config[f"{config.project}:placement"] = json.dumps({"enabled": False})
            artifact, source = spec, f"spec {spec} ({f'site {site}' if site else target})"
    except rendering.RenderError as error:
        raise fail(f"{command}: {error}") from None
    document = render_document(config, steps, command, what)
    return or_exit(lambda: _hybrid_checked(state_from_document(document, source, str(artifact))))


def _side(
    command: str,
    name: str,
    path: Path | None,
    stack: str | None,
    spec: Path | None,
    target: str | None,
    steps: Steps,
    stack_name: str | None = None,
    site: str | None = None,
) -> StackState:
    from kiban.audit.state import load_state

    given = [option for option, value in ((name, path), ("stack", stack), ("spec", spec)) if value is not None]
    if len(given) != 1:
        what = "nothing" if not given else " and ".join(given)
        raise fail(f"{command}: {name}: give one of a state file, --{name}-stack or --{name}-spec (got {what})")
    if path is not None:
        steps.step(f"{name}: reading {path}")
        return or_exit(lambda: _hybrid_checked(load_state(path)))
    return _rendered(command, stack, spec, target, steps, stack_name, what=f"{name} {stack or spec}", site=site)


def diff_command(
    old: Annotated[
        Path | None, typer.Argument(help="the state before: a `pulumi stack export` or `kiban render` file")
    ] = None,
    new: Annotated[Path | None, typer.Argument(help="the state after")] = None,
    old_stack: Annotated[
        str | None, typer.Option("--old-stack", help="render stacks/Pulumi.<STACK>.yaml as the state before")
    ] = None,
    new_stack: Annotated[str | None, typer.Option("--new-stack", help="render this stack as the state after")] = None,
    old_spec: Annotated[
        Path | None, typer.Option("--old-spec", help="render this spec (with --target) as the state before")
    ] = None,
    new_spec: Annotated[
        Path | None, typer.Option("--new-spec", help="render this spec (with --target) as the state after")
    ] = None,
    target: TargetOption = None,
    site: SiteOption = None,
    output_format: DiffFormatOption = DiffFormat.TEXT,
    fail_on: FailOnOption = FailOn.HIGH,
    out: OutOption = None,
    quiet: QuietOption = False,
    across_sites: Annotated[
        bool,
        typer.Option(
            "--across-sites",
            help="compare the states of two different sites of a hybrid city (refused without it: every "
            "resource of one site would read as removed and the other's as added)",
        ),
    ] = False,
) -> None:
    """Compare two states: changes by area, tenant and resource, and what they mean for security.

    Each side is a state file, a stack (--old-stack/--new-stack) or a spec (--old-spec/--new-spec with --target), rendered offline; a side given by an option leaves the positional file to the other side.

    Exit 0 no change, 1 changes, 2 bad input, 3 a finding at or above --fail-on.
    """  # noqa: E501 - typer shows each paragraph as written
    from kiban.audit.diff import DIFF_RULES, diff_states
    from kiban.cli.progress import Steps

    files = [path for path in (old, new) if path is not None]
    old_path = files.pop(0) if files and old_stack is None and old_spec is None else None
    new_path = files.pop(0) if files and new_stack is None and new_spec is None else None
    if files:
        raise fail(f"diff: {files[0]}: one state file too many (each side is a file, a stack or a spec)")
    # Two specs render as one stack (the new spec's), so the diff compares like with like.
    shared = f"{new_spec.stem}-{site or target}" if old_spec is not None and new_spec is not None else None
    # Progress only where a side is rendered: two state files compare in well under a second.
    rendered = any(side is not None for side in (old_stack, new_stack, old_spec, new_spec))
    with Steps(quiet or not rendered, unit="resources") as steps:
        before = _side("diff", "old", old_path, old_stack, old_spec, target, steps, shared, site)
        after = _side("diff", "new", new_path, new_stack, new_spec, target, steps, shared, site)
        if not across_sites:
            _same_site(before, after)
        steps.step("comparing", len(after.resources))
        report = diff_states(before, after)
    # Each form imports only its own writer: JSON needs no rich.
    if output_format == DiffFormat.TEXT:
        from kiban.audit.report.text import diff_text
        from kiban.cli.terminal import show

        show(diff_text(report), out)
    elif output_format == DiffFormat.MARKDOWN:
        from kiban.audit.report.markdown import diff_markdown

        emit(diff_markdown(report), out)
    elif output_format == DiffFormat.JSON:
        from kiban.audit.report.structure import diff_json

        emit(json.dumps(diff_json(report), indent=2, ensure_ascii=False) + "\n", out)
    elif output_format == DiffFormat.HTML:
        from graphviz import ExecutableNotFound

        from kiban.report.diff_html import diff_html, diff_pictures
        from kiban.report.picture import PictureLayoutError

        try:
            page = diff_html(
                report, diff_pictures([before], [after]), warn=lambda message: typer.echo(message, err=True)
            )
        except ExecutableNotFound:
            raise fail("kiban diff: Graphviz's `dot` is not installed (Debian: apt-get install graphviz)") from None
        except PictureLayoutError as error:
            raise fail(f"kiban diff: {error}") from None
        emit(page, out)
    else:
        from kiban.audit.report import sarif

        log = sarif.sarif_log(
            "kiban diff",
            _version(),
            list(DIFF_RULES.values()),
            report.findings,
            after.artifact,
            changes=report.changes,
        )
        emit(json.dumps(log, indent=2, ensure_ascii=False) + "\n", out)
    raise typer.Exit(report.exit_code(fail_on.severity()))


def audit_command(
    state: Annotated[
        Path | None, typer.Argument(help="the state to audit: a `pulumi stack export` or `kiban render` file")
    ] = None,
    stack: Annotated[str | None, typer.Option("--stack", help="render stacks/Pulumi.<STACK>.yaml and audit it")] = None,
    spec: Annotated[Path | None, typer.Option("--spec", help="render this spec (with --target) and audit it")] = None,
    target: TargetOption = None,
    site: SiteOption = None,
    waivers: Annotated[Path | None, typer.Option("--waivers", "-w", help="YAML waivers file (docs/AUDIT.md)")] = None,
    output_format: FormatOption = Format.TEXT,
    fail_on: FailOnOption = FailOn.HIGH,
    out: OutOption = None,
    quiet: QuietOption = False,
) -> None:
    """Check one stack against the model's rules (KB-*): areas, exposure, encryption, IMDSv2, redundancy, tenancy.

    Exit 0 clean, 2 bad input, 3 a failure (not waived; an expired waiver is one) at or above --fail-on.
    """
    from kiban.audit.engine import run_audit
    from kiban.audit.rules import all_rules
    from kiban.audit.state import load_state
    from kiban.audit.waivers import EXPIRED, UNUSED, load_waivers
    from kiban.cli.progress import Steps

    if sum(value is not None for value in (state, stack, spec)) != 1:
        raise fail("audit: give one of a state file, --stack NAME or --spec FILE --target TARGET")
    with Steps(quiet or state is not None, unit="resources") as steps:
        if state is not None:
            subject = or_exit(lambda: _hybrid_checked(load_state(state)))
        else:
            subject = _rendered("audit", stack, spec, target, steps, site=site)
        accepted = or_exit(lambda: load_waivers(waivers, [rule.id for rule in all_rules()])) if waivers else []
        steps.step("checking the rules", len(subject.resources))
        report = run_audit(subject, accepted)
    if output_format == Format.TEXT:
        from kiban.audit.report.text import audit_text
        from kiban.cli.terminal import show

        show(audit_text(report), out)
    elif output_format == Format.MARKDOWN:
        from kiban.audit.report.markdown import audit_markdown

        emit(audit_markdown(report), out)
    elif output_format == Format.JSON:
        from kiban.audit.report.structure import audit_json

        emit(json.dumps(audit_json(report), indent=2, ensure_ascii=False) + "\n", out)
    else:
        from kiban.audit.report import sarif

        elsewhere = {EXPIRED: str(waivers), UNUSED: str(waivers)} if waivers else {}
        log = sarif.sarif_log("kiban audit", _version(), report.rules, report.findings, subject.artifact, elsewhere)
        emit(json.dumps(log, indent=2, ensure_ascii=False) + "\n", out)
    raise typer.Exit(report.exit_code(fail_on.severity()))


def register(app: typer.Typer) -> None:
    app.command("diff")(diff_command)
    app.command("audit")(audit_command)
