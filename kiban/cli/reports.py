"""The network plans and the catalogue as terminal tables (rich); nothing here decides anything."""

from __future__ import annotations

from rich.table import Table

from kiban_platform.network.flows import FlowPlan, GroupKind, HostGroup
from kiban_platform.network.plan import NetworkPlan
from kiban_platform.spec.catalogue import Catalogue
from kiban_platform.spec.model import PlatformSpec

OUTSIDE = "outside"
DENIED = "-"


def _area_label(spec: PlatformSpec, area_id: str) -> str:
    area = spec.area(area_id)
    return f"{area.id} ({area.level}, {area.name})"


def segment_table(spec: PlatformSpec, network: NetworkPlan) -> Table:
    table = Table(title="Segments: one VLAN each (network plan)", title_justify="left")
    for column in ("area", "segment", "slot", "VLAN", "segment CIDR", "subnets"):
        table.add_column(column, no_wrap=column != "subnets")
    for segment in network.segments:
        subnets = "\n".join(
            f"{(subnet.tier or subnet.role or '').__str__():<16} {subnet.cidr}" for subnet in segment.subnets
        )
        label = segment.name
        if segment.business is not None:
            label = f"{segment.name} {spec.business(segment.business).name}"
        table.add_row(segment.area, label, str(segment.slot), str(segment.vlan), str(segment.cidr), subnets)
    return table


def _matrix_key(group: HostGroup) -> str:
    return OUTSIDE if group.kind == GroupKind.EXTERNAL else group.area


def flow_matrix(spec: PlatformSpec, flows: FlowPlan) -> Table:
    """Rows: who opens the connection; columns: who accepts it. Off the diagonal, only declared flows."""
    counts: dict[tuple[str, str], int] = {}
    for rule in flows.rules:
        key = (_matrix_key(rule.source), _matrix_key(rule.destination))
        counts[key] = counts.get(key, 0) + 1
    rows = [area.id for area in spec.areas]
    if any(source == OUTSIDE for source, _ in counts):
        rows.append(OUTSIDE)
    table = Table(
        title="Flow matrix: allowed rules from row to column (default deny; '-' = no path)",
        title_justify="left",
    )
    table.add_column("from \\ to", no_wrap=True)
    for area in spec.areas:
        table.add_column(f"{area.id}\n({area.level})", justify="right")
    for source in rows:
        label = f"{OUTSIDE} (declared external networks)" if source == OUTSIDE else _area_label(spec, source)
        cells = [str(counts[(source, area.id)]) if (source, area.id) in counts else DENIED for area in spec.areas]
        table.add_row(label, *cells)
    return table


def crossing_rules_table(spec: PlatformSpec, flows: FlowPlan) -> Table:
    purposes = {flow.id: flow.purpose for flow in spec.flows}
    table = Table(title="Rules that cross an area boundary (each from a declared flow)", title_justify="left")
    for column in ("flow", "from", "to", "port", "purpose"):
        table.add_column(column, no_wrap=column != "purpose")
    for rule in flows.rules:
        if rule.crosses_areas:
            flow_id = rule.flow or ""
            table.add_row(flow_id, rule.source.id, rule.destination.id, str(rule.port), purposes.get(flow_id, ""))
    return table


def catalogue_table(catalogue: Catalogue) -> Table:
    table = Table(title=f"Catalogue v{catalogue.version}: {catalogue.title}", title_justify="left")
    for column in ("no.", "catalog", "name", "name (en)", "area", "tiers (replicas x vCPU/GB)", "peak months"):
        table.add_column(column)
    for entry in catalogue.businesses:
        tiers = ", ".join(f"{name} {t.replicas}x{t.vcpu}/{t.ram_gb}" for name, t in entry.tiers.items())
        peaks = ",".join(map(str, entry.peak_months)) or DENIED
        table.add_row(str(entry.number), entry.id, entry.name, entry.name_en, entry.default_area_level, tiers, peaks)
    return table
