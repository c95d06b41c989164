"""A placement plan (and a cloud site's zone spread) as terminal tables (rich); the data comes from
kiban_platform.placement.report and kiban.planning."""

from __future__ import annotations

from rich.console import Group
from rich.rule import Rule
from rich.table import Table

from kiban.planning import ZoneSpread, single_zone_groups, zone_summary
from kiban_platform.placement.demand import RESOURCES
from kiban_platform.placement.plan import PlacementPlan
from kiban_platform.placement.report import saving
from kiban_platform.spec.sites import Site


def _percent(used: int, capacity: int) -> str:
    return f"{used}/{capacity} ({100 * used / capacity:.0f}%)" if capacity else str(used)


def summary_table(plan: PlacementPlan) -> Table:
    table = Table(title="Placement plan: blades to buy and what they save", title_justify="left")
    table.add_column("measure", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("meaning")
    verdict = "optimal" if plan.optimal else f"gap {100 * plan.gap:.1f}%"
    rows = [
        ("blades used", f"{plan.blades_used} of {plan.blades_available}", verdict),
        (
            "dedicated baseline",
            str(plan.dedicated_baseline),
            f"one set of blades per business (today): the plan uses {100 * saving(plan):.0f}% fewer",
        ),
        ("first fit", str(plan.first_fit), "Nova-style: spec order, peak size all year"),
        (
            "lower bound",
            str(plan.lower_bound),
            f"capacity {plan.bounds.capacity}, anti-affinity {plan.bounds.anti_affinity}, "
            f"Martello-Toth L2 {plan.bounds.martello_toth}",
        ),
        ("chassis used", f"{plan.chassis_used} of {len(plan.chassis)}", ""),
        (
            "per-host licences",
            f"¥{plan.licence_cost_jpy:,}/year",
            "; ".join(f"{use.product}: {len(use.blades)} blades" for use in plan.licences) or "none",
        ),
        (
            "chassis loss",
            "survives" if plan.survives_any_chassis_loss else "TIER DOWN",
            "every redundant tier keeps a replica whichever chassis fails"
            if plan.survives_any_chassis_loss
            else "a redundant tier loses all its replicas with one chassis: see below",
        ),
        (
            "solver",
            plan.solve.method,
            f"seed {plan.options.seed}, work limit {plan.options.work_limit:g}, "
            f"time limit {plan.options.time_limit:g} s"
            + (" (reached: the plan may differ on another machine)" if plan.stopped_by_time_limit else ""),
        ),
    ]
    if plan.continuity is not None:
        kept = plan.continuity
        rows.append(
            (
                "previous plan",
                f"{len(kept.moves)} moved",
                f"{len(kept.kept)} kept, {len(kept.added)} added, {len(kept.removed)} removed"
                + ("" if kept.fewest_moves_proven else "; fewest moves not proven"),
            )
        )
    for row in rows:
        table.add_row(*row)
    return table


def blades_table(plan: PlacementPlan) -> Table:
    table = Table(title="Blades: peak monthly use / capacity (month of the peak); VMs on each", title_justify="left")
    for column in ("chassis", "blade", "vCPU", "RAM GB", "disk GB", "VMs"):
        table.add_column(column, no_wrap=column != "VMs")
    for use in plan.blades:
        cells = [f"{_percent(use.peak[k], use.capacity[k])} m{use.peak_month[k]}" for k in range(len(RESOURCES))]
        table.add_row(use.chassis, use.blade, *cells, ", ".join(use.vms))
    return table


def survival_table(plan: PlacementPlan) -> Table:
    table = Table(title="If one chassis is lost", title_justify="left")
    for column in ("chassis", "VMs lost", "redundant tiers down", "single-replica tiers down"):
        table.add_column(column, no_wrap=column == "chassis")
    for loss in plan.survival:
        accepted = [group for group in loss.tiers_down if group not in loss.redundant_tiers_down]
        table.add_row(
            loss.chassis,
            str(loss.vms_lost),
            ", ".join(loss.redundant_tiers_down) or "none",
            ", ".join(accepted) or "none",
        )
    return table


def moves_table(plan: PlacementPlan) -> Table:
    moved = plan.continuity.moves if plan.continuity is not None else ()
    title = "Moves from the previous plan: " + (f"{len(moved)} VMs" if moved else "none, every VM stays on its blade")
    table = Table(title=title, title_justify="left")
    for column in ("VM", "from", "to", "reason", "why"):
        table.add_column(column, no_wrap=column != "why")
    for move in moved:
        table.add_row(move.vm, move.from_blade, move.to_blade, move.reason, move.detail)
    return table


def plan_tables(plan: PlacementPlan) -> Group:
    tables = [summary_table(plan)]
    if plan.continuity is not None:
        tables.append(moves_table(plan))
    return Group(*tables, blades_table(plan), survival_table(plan))


def site_heading(site: Site) -> Rule:
    where = f", {site.region}" if site.region else ""
    return Rule(f"site {site.id} ({site.kind.value}, {site.target.value}{where})", align="left")


def zone_summary_table(spread: ZoneSpread) -> Table:
    table = Table(
        title=f"Site {spread.site.id}: zone spread (a cloud site has no blades: replicas go round robin over "
        "the chassis, each an availability zone)",
        title_justify="left",
    )
    for column in ("zone", "chassis", "VMs", "vCPU", "RAM GB", "disk GB"):
        table.add_column(column, no_wrap=True, justify="left" if column in ("zone", "chassis") else "right")
    for entry in zone_summary(spread):
        table.add_row(
            entry["zone"],
            entry["chassis"],
            str(entry["vms"]),
            str(entry["vcpu"]),
            str(entry["ram_gb"]),
            str(entry["disk_gb"]),
        )
    return table


def zone_groups_table(spread: ZoneSpread) -> Table:
    single = set(single_zone_groups(spread))
    table = Table(title=f"Site {spread.site.id}: each group's replicas and their zones", title_justify="left")
    for column in ("group", "replicas", "zones", "VMs (zone, address)"):
        table.add_column(column, no_wrap=column != "VMs (zone, address)")
    for group, hosts in spread.groups().items():
        zones = {spread.zone_of(host) for host in hosts}
        spread_text = f"{len(zones)}" + (" (one zone: lost with it)" if group in single else "")
        members = "\n".join(f"{host.name} {spread.zone_of(host)} {host.address}" for host in hosts)
        table.add_row(group, str(len(hosts)), spread_text, members)
    return table


def zone_spread_tables(spread: ZoneSpread) -> Group:
    if not spread.hosts:
        return Group(
            site_heading(spread.site),
            f"Site {spread.site.id} has no VMs kiban builds (its public services' flows are in `kiban plan-network`).",
        )
    return Group(site_heading(spread.site), zone_summary_table(spread), zone_groups_table(spread))
