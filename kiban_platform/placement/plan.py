"""The placement planner: every VM of a spec on a blade in a chassis, with what it saves and how it fails.

``plan_placement`` is the one entry point (with ``previous``, it keeps every VM where a
previous plan had it unless it must move); ``placement_hints`` is what the Pulumi program
needs from a plan (each instance's availability zone and host aggregate).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from kiban_platform.placement.baseline import baseline_units, dedicated_blades, nova_first_fit_blades
from kiban_platform.placement.bounds import LowerBounds, lower_bounds
from kiban_platform.placement.demand import MONTHS, RESOURCES, blade_capacity, monthly_demand, problem_from_spec
from kiban_platform.placement.feasibility import capacity_problem, no_placement_problem, shape_problems
from kiban_platform.placement.first_fit import first_fit_decreasing, nova_first_fit
from kiban_platform.placement.options import PlanOptions
from kiban_platform.placement.plan_document import PlacedFleet, read_plan_document
from kiban_platform.placement.previous import Continuity, continuity, keep_previous, previous_bins
from kiban_platform.placement.problem import PackingProblem, bins_used, licence_hosts
from kiban_platform.placement.solver import SolveResult, SolverOptions, solve_packing
from kiban_platform.placement.survival import ChassisLoss, chassis_losses
from kiban_platform.placement.verify import verify_placement
from kiban_platform.spec.instances import VirtualMachine, expand_vms
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.problems import SpecError


@dataclass(frozen=True)
class Placement:
    vm: VirtualMachine
    chassis: str
    blade: str


@dataclass(frozen=True)
class BladeUse:
    chassis: str
    blade: str
    vms: tuple[str, ...]
    capacity: tuple[int, int, int]  # vCPU (after overcommit), RAM GB, disk GB
    peak: tuple[int, int, int]  # the largest monthly sum of each resource
    peak_month: tuple[int, int, int]  # the month of each peak (the first, when several tie)


@dataclass(frozen=True)
class LicenceUse:
    product: str
    blades: tuple[str, ...]
    annual_cost_jpy: int  # per blade

    @property
    def total_jpy(self) -> int:
        return self.annual_cost_jpy * len(self.blades)


@dataclass(frozen=True)
class ChassisInfo:
    id: str
    availability_zone: str
    host_aggregate: str
    blades: int


@dataclass(frozen=True)
class PlacementPlan:
    placements: tuple[Placement, ...]  # in expand_vms order
    blades: tuple[BladeUse, ...]  # the blades used, in spec order
    chassis: tuple[ChassisInfo, ...]  # every chassis of the spec, in spec order
    licences: tuple[LicenceUse, ...]
    survival: tuple[ChassisLoss, ...]
    bounds: LowerBounds
    first_fit: int
    first_fit_decreasing: int | None  # None when it found no placement on the spec's blades
    dedicated_baseline: int
    dedicated_by_unit: Mapping[str, int]
    solve: SolveResult
    options: PlanOptions
    continuity: Continuity | None = None  # what changed against the previous plan, when one was given

    @property
    def stopped_by_time_limit(self) -> bool:
        """The wall-clock ceiling, not the deterministic budget, ended the search: another machine may differ."""
        return self.solve.stopped_by_deadline

    def time_limit_warning(self) -> str:
        return (
            f"the time limit ({self.options.time_limit:g} s of wall clock) stopped the solver before its "
            f"deterministic budget (work limit {self.options.work_limit:g}); this plan may differ from one made "
            "on a faster or less busy machine: raise the time limit (or lower the work limit) for a reproducible plan"
        )

    @property
    def blades_used(self) -> int:
        return len(self.blades)

    @property
    def blades_available(self) -> int:
        return sum(info.blades for info in self.chassis)

    @property
    def chassis_used(self) -> int:
        return len({use.chassis for use in self.blades})

    @property
    def lower_bound(self) -> int:
        return self.bounds.best

    @property
    def best_bound(self) -> int:
        """The best proven lower bound on blades: the combinatorial bounds or the solver's, if higher."""
        phase = self.solve.phase("blades")
        solver_bound = math.ceil(phase.bound - 1e-6) if phase is not None else 0
        return max(self.lower_bound, min(solver_bound, self.blades_used))

    @property
    def gap(self) -> float:
        """How far the blade count may be above the optimum: (used - best bound) / used."""
        return (self.blades_used - self.best_bound) / self.blades_used if self.blades_used else 0.0

    @property
    def optimal(self) -> bool:
        """Every objective (blades, licences, chassis) proven optimal, by the solver or by a bound."""
        return self.blades_used == self.best_bound and all(
            phase.optimal for phase in self.solve.phases if phase.name != "blades"
        )

    @property
    def licence_cost_jpy(self) -> int:
        return sum(use.total_jpy for use in self.licences)

    @property
    def survives_any_chassis_loss(self) -> bool:
        return all(loss.survives for loss in self.survival)


class PlacementHint(NamedTuple):
    """Where the Pulumi program puts an instance: its chassis as an availability zone and host aggregate."""

    chassis_id: str
    availability_zone: str
    host_aggregate: str
    blade_id: str


def placement_hints(result: PlacementPlan) -> dict[str, PlacementHint]:
    """VM name -> (chassis id, OpenStack availability zone, host aggregate, blade id)."""
    chassis = {info.id: info for info in result.chassis}
    return {
        p.vm.name: PlacementHint(
            p.chassis, chassis[p.chassis].availability_zone, chassis[p.chassis].host_aggregate, p.blade
        )
        for p in result.placements
    }


def _blade_uses(spec: PlatformSpec, vms: list[VirtualMachine], blade_of: Mapping[str, str]) -> list[BladeUse]:
    domains = spec.failure_domains
    uses = []
    for chassis, blade in domains.blades():
        on_blade = [vm for vm in vms if blade_of[vm.name] == blade.id]
        if not on_blade:
            continue
        totals = [[0] * len(RESOURCES) for _ in MONTHS]
        for vm in on_blade:
            for month_total, demand in zip(totals, monthly_demand(vm), strict=True):
                for k, value in enumerate(demand):
                    month_total[k] += value
        peak = tuple(max(month[k] for month in totals) for k in range(len(RESOURCES)))
        peak_month = tuple(
            next(MONTHS[m] for m, month in enumerate(totals) if month[k] == peak[k]) for k in range(len(RESOURCES))
        )
        uses.append(
            BladeUse(
                chassis.id,
                blade.id,
                tuple(vm.name for vm in on_blade),
                blade_capacity(blade, domains.vcpu_overcommit),
                (peak[0], peak[1], peak[2]),
                (peak_month[0], peak_month[1], peak_month[2]),
            )
        )
    return uses


# A previous plan: its file, the fleet the Pulumi program placed, or VM -> (chassis or None, blade).
PreviousPlan = PlacedFleet | Path | str | Mapping[str, tuple[str | None, str]]


def previous_placements(previous: PreviousPlan) -> dict[str, tuple[str | None, str]]:
    """VM -> (chassis, blade) of a previous plan; a file that is not a kiban plan raises SpecError naming it."""
    if isinstance(previous, PlacedFleet):
        return {vm: (chassis, blade) for vm, (chassis, blade) in previous.where.items()}
    if isinstance(previous, Mapping):
        return dict(previous)
    where, _ = read_plan_document(Path(previous))
    return where


def plan_placement(
    spec: PlatformSpec,
    options: PlanOptions | None = None,
    file: Path | str = "<spec>",
    previous: PreviousPlan | None = None,
) -> PlacementPlan:
    """Place every VM of ``spec``; raise SpecError (located at the field to change) when none fits.

    With ``previous`` (a plan file or a placed fleet), moving as few VMs as possible off the
    blades it gave them comes first, then blades, licences and chassis; the plan's
    ``continuity`` lists each move with its reason.
    """
    options = options or PlanOptions()
    deadline = time.monotonic() + options.time_limit
    where = previous_placements(previous) if previous is not None else None
    problems = shape_problems(spec)
    if problems:
        raise SpecError(file, problems)
    vms = expand_vms(spec)
    problem = problem_from_spec(spec, vms)
    bounds = lower_bounds(problem)
    too_few = capacity_problem(spec, bounds, len(vms))
    if too_few is not None:
        raise SpecError(file, [too_few])

    nova = nova_first_fit(problem)
    ffd = first_fit_decreasing(problem)
    starts = [nova, ffd]
    # The baselines are figures of the spec alone, so they are counted on the problem without previous bins.
    planning = problem
    if where is not None:
        planning = previous_bins(problem, spec, where)
        starts.insert(0, keep_previous(planning))
    solver_options = SolverOptions(options.work_limit, options.seed, options.workers, deadline=deadline)
    solved = solve_packing(planning, solver_options, starts, bounds.best)
    if solved.assignment is None:
        raise SpecError(
            file, [no_placement_problem(spec, len(vms), bounds.best, solved.infeasible, options.work_limit)]
        )
    plan = _assemble(spec, vms, problem, bounds, ffd, solved, options)
    if where is None:
        return plan
    now = {p.vm.name: (p.chassis, p.blade) for p in plan.placements}
    moves_phase = solved.phase("moves")
    # Without a previous bin still in the spec, no move could have been avoided.
    proven = not planning.has_previous or (moves_phase is not None and moves_phase.optimal)
    return replace(plan, continuity=continuity(spec, vms, where, now, proven))


def _assemble(
    spec: PlatformSpec,
    vms: list[VirtualMachine],
    problem: PackingProblem,
    bounds: LowerBounds,
    ffd: tuple[int, ...] | None,
    solved: SolveResult,
    options: PlanOptions,
) -> PlacementPlan:
    assert solved.assignment is not None
    blade_of = {vm.name: problem.bins[b].id for vm, b in zip(vms, solved.assignment, strict=True)}
    violations = verify_placement(vms, spec, blade_of)
    if violations:
        # The solver's model and the verifier disagree: a bug, never something a spec can cause.
        raise AssertionError("the plan breaks its own rules:\n" + "\n".join(map(str, violations)))
    chassis_of_blade = {blade.id: chassis.id for chassis, blade in spec.failure_domains.blades()}
    chassis_of = {name: chassis_of_blade[blade] for name, blade in blade_of.items()}
    placements = tuple(Placement(vm, chassis_of[vm.name], blade_of[vm.name]) for vm in vms)

    costs = problem.licence_costs
    licences = tuple(
        LicenceUse(product, tuple(problem.bins[b].id for b in sorted(bins)), costs[product])
        for product, bins in sorted(licence_hosts(problem, solved.assignment).items())
    )
    chassis_info = tuple(
        ChassisInfo(c.id, c.openstack_zone, c.openstack_aggregate, len(c.blades)) for c in spec.failure_domains.chassis
    )
    units = dedicated_blades(problem, baseline_units(vms), SolverOptions(seed=options.seed))
    return PlacementPlan(
        placements=placements,
        blades=tuple(_blade_uses(spec, vms, blade_of)),
        chassis=chassis_info,
        licences=licences,
        survival=tuple(chassis_losses(vms, chassis_of, [c.id for c in spec.failure_domains.chassis])),
        bounds=bounds,
        first_fit=nova_first_fit_blades(problem),
        first_fit_decreasing=bins_used(ffd) if ffd is not None else None,
        dedicated_baseline=sum(units.values()),
        dedicated_by_unit=units,
        solve=solved,
        options=options,
    )
