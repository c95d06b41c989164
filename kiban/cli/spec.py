"""The spec's commands: `kiban validate`, `kiban schema`, `kiban plan-network` and `kiban catalog`."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kiban.cli.common import SpecArgument, emit, fail, or_exit

if TYPE_CHECKING:
    from kiban_platform.spec.model import PlatformSpec


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def load(spec: Path, one_place_for: str | None = None) -> PlatformSpec:
    """The spec, or its located problems and exit 2; ``one_place_for`` refuses a spec with sites for that work."""
    from kiban_platform.spec.load import load_spec

    return or_exit(lambda: load_spec(spec, one_place_for=one_place_for))


def validate_command(
    spec: SpecArgument,
    target: Annotated[
        str | None,
        typer.Option(help="also run this target's own checks (aws, openstack) with its default settings"),
    ] = None,
) -> None:
    """Check a platform spec; exit 0 when valid, else print FILE: field.path: problem lines and exit 2."""
    from kiban_platform.spec.load import load_spec

    if target is None:
        platform = load(spec)
        if platform.sites:
            # Each site's stack runs its own target's checks: validate runs them all, so exit 0 means every
            # site renders. The target registry loads the Pulumi SDK (never a provider SDK).
            or_exit(lambda: _check_sites(spec, platform))
    else:
        # The target registry loads the Pulumi SDK (never a provider SDK), which plain validation skips.
        from kiban_platform.backends import TargetError, check_target, target_problems

        try:
            check_target(target)
        except TargetError as error:
            raise fail(f"validate: {error}") from None
        platform = or_exit(lambda: load_spec(spec, lambda checked: target_problems(target, checked)))
    from kiban_platform.spec.operations_plan import operations_flow_ids

    blades = sum(len(chassis.blades) for chassis in platform.failure_domains.chassis)
    planned = len(operations_flow_ids(platform))
    typer.echo(
        f"{spec}: valid: {platform.municipality.name} ({platform.municipality.name_en}), "
        f"{len(platform.areas)} areas, {len(platform.businesses)} businesses, "
        f"{len(platform.middleware.items())} middleware roles, "
        f"{len(platform.failure_domains.chassis)} chassis / {blades} blades, "
        f"{len(platform.flows) - planned} declared flows"
        + (f", {planned} planned for the operations planes" if planned else "")
        + (f"; fits target {target}" if target is not None else "")
        + (f"; every site fits its target ({_site_targets(platform)})" if platform.sites else "")
    )


def _site_targets(platform: PlatformSpec) -> str:
    return ", ".join(
        f"{site.id}: {site.target.value}" + (f" {site.region}" if site.region else "") for site in platform.sites
    )


def _check_sites(spec_file: Path, platform: PlatformSpec) -> None:
    """SpecError, with the spec's line numbers, for what any site's stack would refuse."""
    from kiban_platform.backends.site_checks import site_problems
    from kiban_platform.spec.problems import SpecError, with_lines
    from kiban_platform.spec.source import read_yaml

    problems = site_problems(platform)
    if problems:
        raise SpecError(spec_file, with_lines(problems, read_yaml(spec_file).lines))


def schema_command(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write to this file instead of stdout")] = None,
) -> None:
    """Print the spec's JSON Schema, for editors' YAML validation (see README: editor set-up)."""
    from kiban.schema import spec_json_schema

    emit(json.dumps(spec_json_schema(), indent=2, ensure_ascii=False) + "\n", out)


SiteOption = Annotated[
    str | None,
    typer.Option("--site", help="a spec with sites: show this site only (its links and the flows with an end there)"),
]


def plan_network_command(
    spec: SpecArgument,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json")] = OutputFormat.TABLE,
    site: SiteOption = None,
) -> None:
    """Show each area's VLANs and subnets, and which areas may open connections to which (the flow matrix).

    For a spec with sites: the sites, the links between them, the flows that cross from one site to another
    (with their data class and link), and each site's segments and rules as its own stack plans them.
    """
    from kiban_platform.network.flows import plan_flows
    from kiban_platform.network.inventory import network_plan_json
    from kiban_platform.network.plan import plan_network

    platform = load(spec)
    if platform.sites:
        _plan_sites_network(spec, platform, output_format, site)
        return
    if site is not None:
        raise fail(f"{spec}: --site {site}: the spec has no sites: it is one implicit site, planned as a whole")
    network = plan_network(platform)
    flows = plan_flows(platform, network)
    if output_format == OutputFormat.JSON:
        typer.echo(json.dumps(network_plan_json(network, flows), indent=2, ensure_ascii=False))
        return
    from kiban.cli import reports
    from kiban.cli.terminal import stdout_console

    console = stdout_console()
    console.print(reports.segment_table(platform, network))
    console.print(reports.flow_matrix(platform, flows))
    console.print(reports.crossing_rules_table(platform, flows))


def _plan_sites_network(spec: Path, platform: PlatformSpec, output_format: OutputFormat, site_id: str | None) -> None:
    from kiban_platform.network.site_plans import (
        chosen_sites,
        cross_site_flows_at,
        hybrid_network_plan_json,
        plan_site_network,
        site_links,
    )
    from kiban_platform.network.sites import SiteViewError

    try:
        sites = chosen_sites(platform, site_id)
    except SiteViewError as error:
        raise fail(f"{spec}: --site {site_id}: {error}") from None
    if output_format == OutputFormat.JSON:
        document = hybrid_network_plan_json(platform, site_id)
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    from kiban.cli import site_reports
    from kiban.cli.terminal import stdout_console

    crossings = cross_site_flows_at(platform, site_id)
    console = stdout_console()
    console.print(site_reports.sites_table(sites))
    console.print(site_reports.links_table(site_links(platform, site_id)))
    console.print(site_reports.cross_site_matrix(sites, crossings))
    console.print(site_reports.cross_site_flows_table(crossings))
    for site in sites:
        console.print(site_reports.site_network_tables(plan_site_network(platform, site.id)))


def catalog_command(
    version: Annotated[int | None, typer.Option(help="catalogue version (default: newest)")] = None,
) -> None:
    """List the built-in catalogue of standardised businesses (標準準拠システム) a spec can start from."""
    from kiban.cli import reports
    from kiban.cli.terminal import stdout_console
    from kiban_platform.spec.catalogue import available_versions, load_catalogue

    chosen = version if version is not None else available_versions()[-1]
    catalogue = or_exit(lambda: load_catalogue(chosen))
    stdout_console().print(reports.catalogue_table(catalogue))


def register(app: typer.Typer) -> None:
    app.command("validate")(validate_command)
    app.command("schema")(schema_command)
    app.command("plan-network")(plan_network_command)
    app.command("catalog")(catalog_command)
