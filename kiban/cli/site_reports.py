"""A hybrid city's plans as terminal tables (rich): sites, links, the flows between sites, each site's plans.

The data comes from ``kiban_platform.network.site_plans`` (and, for placement, ``kiban.planning``);
nothing here decides anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table

from kiban.cli import reports
from kiban_platform.network.site_plans import SiteNetworkPlan
from kiban_platform.spec.sites import Link, Site

DENIED = reports.DENIED


def sites_table(sites: Sequence[Site]) -> Table:
    table = Table(title="Sites: where the city runs, and the block of each area there", title_justify="left")
    for column in ("site", "kind", "target", "region", "ceiling", "areas (block)"):
        table.add_column(column, no_wrap=column != "areas (block)")
    for site in sites:
        areas = "\n".join(f"{area:<12} {block}" for area, block in site.areas.items())
        table.add_row(
            site.id,
            site.kind.value,
            site.target.value,
            site.region or DENIED,
            site.effective_ceiling.value,
            areas,
        )
    return table


def links_table(links: Sequence[Link]) -> Table:
    table = Table(title="Links between sites: the only areas each carries", title_justify="left")
    for column in ("link", "between", "carrier", "transport", "encryption", "areas", "tunnels", "initiated by"):
        table.add_column(column, no_wrap=column != "tunnels")
    for link in links:
        tunnels = "\n".join(str(tunnel.inside_cidr) for tunnel in link.tunnels) or DENIED
        table.add_row(
            link.id,
            " <-> ".join(link.between),
            link.carrier.value,
            link.transport.value,
            link.encryption.value,
            ", ".join(link.areas),
            tunnels,
            link.initiated_by or "either side",
        )
    return table


def _place(end: dict[str, Any]) -> str:
    return f"{end['site']}/{end['area']}"


def cross_site_matrix(sites: Sequence[Site], crossings: Sequence[dict[str, Any]]) -> Table:
    """Rows: the site and area that open the connection; columns: those that accept it; cells: flows (data class)."""
    places = [f"{site.id}/{area}" for site in sites for area in site.areas]
    for flow in crossings:  # a far end at a site not shown (with --site) still gets its row or column
        places += [place for place in (_place(flow["from"]), _place(flow["to"])) if place not in places]
    cells: dict[tuple[str, str], list[str]] = {}
    for flow in crossings:
        data = flow["data"] or "unclassified"
        cells.setdefault((_place(flow["from"]), _place(flow["to"])), []).append(f"{flow['flow']} ({data})")
    table = Table(
        title="Cross-site flow matrix: declared flows from row (site/area) to column, with their data class "
        "('-' = none crosses)",
        title_justify="left",
    )
    table.add_column("from \\ to", no_wrap=True)
    for place in places:
        table.add_column(place)
    for source in places:
        table.add_row(source, *("\n".join(cells.get((source, target), [])) or DENIED for target in places))
    return table


def cross_site_flows_table(crossings: Sequence[dict[str, Any]]) -> Table:
    table = Table(title="Cross-site flows: each over one link", title_justify="left")
    for column in ("flow", "from", "to", "ports", "one-way", "data", "basis", "link"):
        table.add_column(column, no_wrap=column in ("flow", "ports", "data", "link"))
    for flow in crossings:
        table.add_row(
            flow["flow"],
            f"{_place(flow['from'])} {flow['from']['end']}",
            f"{_place(flow['to'])} {flow['to']['end']}",
            ", ".join(flow["ports"]),
            "yes" if flow["one_way"] else "no",
            flow["data"] or DENIED,
            flow["basis"] or DENIED,
            flow["link"] or DENIED,
        )
    return table


def _titled(table: Table, site: Site) -> Table:
    table.title = f"Site {site.id}: {table.title}"
    return table


def site_network_tables(planned: SiteNetworkPlan) -> Group:
    """One site's segments, flow matrix and crossing rules, as its stack plans them."""
    site, view = planned.site, planned.view
    heading: RenderableType = Rule(f"site {site.id} ({site.kind.value}, {site.target.value})", align="left")
    if not planned.network.segments:
        return Group(
            heading,
            f"Site {site.id} has no segments: no business or platform service of the city runs there "
            "(its public services' flows are in the cross-site tables above).",
        )
    return Group(
        heading,
        _titled(reports.segment_table(view, planned.network), site),
        _titled(reports.flow_matrix(view, planned.flows), site),
        _titled(reports.crossing_rules_table(view, planned.flows), site),
    )
