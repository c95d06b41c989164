"""A placement plan as terminal tables (rich); the data comes from kiban_platform.placement.report."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table

from kiban_platform.placement.demand import RESOURCES
from kiban_platform.placement.plan import PlacementPlan
from kiban_platform.placement.report import saving


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
