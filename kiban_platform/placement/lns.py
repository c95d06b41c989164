"""Large neighbourhood search: CP-SAT on a few blades at a time, for cities too large for one model.

One CP-SAT model of a 2,000-VM city has hundreds of thousands of terms; its presolve
alone takes most of a minute. This search keeps a complete placement (from
first-fit-decreasing) and repeatedly hands CP-SAT a small neighbourhood: a handful of
blades with the VMs on them, every other VM fixed. CP-SAT re-packs them with the exact
model of ``placement.cpsat``; members of a group fixed outside the neighbourhood keep
their chassis off-limits. A re-packing is taken only when it is no worse, so the
placement only improves.

Two kinds of neighbourhood:
- *empty a blade*: one of the emptiest blades plus other lightly filled ones. CP-SAT
  first tries to free a blade, then moves as much load as it can off the emptiest one
  (``drain``), so a blade that cannot be freed today is closer to free next time;
- *consolidate a licence*: blades that pay for one per-host licensed product.

As many neighbourhoods as there are workers, on disjoint blades, are solved at once in
worker processes (``placement.workers``; threads do not help: measured, two CP-SAT
solves in one process take longer side by side than one after the other) and applied
in a fixed order; one whose premises another has changed is dropped. Neighbourhoods grow after CP-SAT proves
one cannot improve and shrink when it runs out of time. Choices come from
``random.Random(seed)`` and sub-solves stop on deterministic time; the budget adds a
fixed cost per model cell and per solve for the work CP-SAT's clock does not see, so
the search is deterministic and still tracks wall time. The loop stops on that budget
(or after ``PATIENCE`` moves without gain), never on the clock; only the caller's
wall-clock ceiling (``SolverOptions.deadline``) can end it sooner, and the result says so.

With a previous plan (items with a ``previous`` bin), every neighbourhood first keeps as
many items as it can on their previous bins, so the search never moves a kept VM.
"""

from __future__ import annotations

import random
import time
from contextlib import nullcontext
from dataclasses import dataclass, replace

from kiban_platform.placement.bounds import domain_bound, licence_host_bounds, lower_bounds
from kiban_platform.placement.cpsat import (
    DRAIN,
    MOVES,
    PhaseResult,
    SolveResult,
    SolverOptions,
    licence_units,
    licence_weights,
    phase_value,
    solve_exact,
    unavoidable_moves,
)
from kiban_platform.placement.problem import Assignment, PackingProblem, domains_used, licence_hosts, moves
from kiban_platform.placement.workers import WorkerPool

SMALLEST, FIRST, LARGEST = 3, 6, 14  # bins per neighbourhood
STEP_LIMIT = 1.5  # reference seconds per sub-solve
# Wall time on the reference machine that a sub-solve's CP-SAT work does not count: presolve,
# and building and reading the model in Python (per item x bin); measured with bench/plan.py.
SOLVE_OVERHEAD = 0.03
BUILD_COST_PER_CELL = 2.5e-5
LICENCE_MOVE_EVERY = 4  # while blades can still be saved, one move in this many consolidates a licence
LICENCE_ONLY_SHARE = 0.25  # the last quarter of the budget only consolidates licences
PATIENCE = 200  # moves in a row without any gain before the search gives up early


class _State:
    """The current placement and each bin's load, kept up to date as neighbourhoods are re-packed."""

    def __init__(self, problem: PackingProblem, start: Assignment) -> None:
        self.problem = problem
        self.assignment = list(start)
        self.groups = problem.groups()
        width = len(problem.resources) * len(problem.periods)
        self.load = [[0] * width for _ in problem.bins]
        for position, b in enumerate(start):
            self._add(position, b, 1)

    def _add(self, position: int, b: int, sign: int) -> None:
        row = self.load[b]
        index = 0
        for period in self.problem.items[position].demand:
            for value in period:
                row[index] += sign * value
                index += 1

    def fill(self, b: int) -> float:
        capacity = self.problem.bins[b].capacity
        width = len(capacity)
        return max(value / capacity[index % width] for index, value in enumerate(self.load[b]))

    def by_fill(self, exclude: set[int]) -> list[int]:
        return sorted((b for b in set(self.assignment) if b not in exclude), key=lambda b: (self.fill(b), b))

    def move(self, position: int, b: int) -> None:
        self._add(position, self.assignment[position], -1)
        self.assignment[position] = b
        self._add(position, b, 1)

    def apart(self, positions: list[int], bins: list[int]) -> bool:
        """Whether putting items ``positions`` on ``bins`` keeps every group's members in distinct domains."""
        inside = set(positions)
        for position, b in zip(positions, bins, strict=True):
            group = self.problem.items[position].group
            if group is None:
                continue
            domain = self.problem.bins[b].domain
            for other in self.groups[group]:
                if other not in inside and self.problem.bins[self.assignment[other]].domain == domain:
                    return False
        return True


@dataclass(frozen=True)
class _Job:
    kind: str  # "empty" or "licence"
    chosen: list[int]  # the neighbourhood's bins; the first is the one to drain
    positions: list[int]  # the items on them
    problem: PackingProblem
    start: Assignment
    bound: int
    phases: tuple[str, ...]
    seed: int
    deadline: float | None = None


def _subproblem(problem: PackingProblem, assignment: list[int], chosen: list[int]) -> tuple[PackingProblem, list[int]]:
    """The items on ``chosen`` bins, with the domains their groups hold elsewhere excluded."""
    inside = set(chosen)
    outside: dict[str, set[int]] = {}
    positions: list[int] = []
    for position, (item, b) in enumerate(zip(problem.items, assignment, strict=True)):
        if b in inside:
            positions.append(position)
        elif item.group is not None:
            outside.setdefault(item.group, set()).add(problem.bins[b].domain)
    local: dict[int | None, int] = {b: index for index, b in enumerate(chosen)}
    items = tuple(
        replace(
            problem.items[p],
            excluded_domains=frozenset(outside.get(problem.items[p].group or "", ())),
            # An item whose previous bin is outside the neighbourhood cannot go back to it here.
            previous=local.get(problem.items[p].previous),
        )
        for p in positions
    )
    bins = tuple(problem.bins[b] for b in chosen)
    return PackingProblem(problem.resources, problem.periods, problem.domains, bins, items, problem.licence_costs), (
        positions
    )


def _empty_a_bin(state: _State, rng: random.Random, size: int, exclude: set[int]) -> list[int]:
    """One of the three emptiest bins, then ``size - 1`` others drawn from the lightly filled ones."""
    used = state.by_fill(exclude)
    if len(used) < 2:
        return []
    target = rng.choice(used[:3])
    pool = [b for b in used[: 3 * size] if b != target]
    return [target, *rng.sample(pool, min(size - 1, len(pool)))]


def _consolidate_licence(
    state: _State, rng: random.Random, size: int, products: list[str], exclude: set[int]
) -> list[int]:
    """Bins paying for one product (drawn at random), topped up with lightly filled bins."""
    hosts = licence_hosts(state.problem, tuple(state.assignment))
    paying = {product: sorted(b for b in hosts.get(product, ()) if b not in exclude) for product in products}
    candidates = [product for product in products if len(paying[product]) > 1]
    if not candidates:
        return []
    product = rng.choice(candidates)
    chosen = rng.sample(paying[product], min(size, len(paying[product])))
    spare = [b for b in state.by_fill(exclude) if b not in chosen]
    return chosen + spare[: max(0, size - len(chosen))]


def _score(
    problem: PackingProblem, assignment: Assignment, weights: dict[str, int], kind: str
) -> tuple[int, int, int, int]:
    """What a move must not make worse: items moved off their previous bin, blades, then drain or licences.

    Draining may raise the licence cost on its way to freeing a blade, which comes first;
    licence moves and the last part of the budget bring the cost back down.
    """
    moved = moves(problem, assignment)
    blades = len(set(assignment))
    units = licence_units(problem, assignment, weights)
    drained = phase_value(problem, assignment, DRAIN, weights, drain=0)
    return (moved, blades, drained, units) if kind == "empty" else (moved, blades, units, drained)


def _solve(job: _Job, step: float) -> SolveResult:
    options = SolverOptions(time_limit=step, seed=job.seed, quick=True, deadline=job.deadline)
    return solve_exact(job.problem, options, job.start, job.bound, phases=job.phases, drain=0)


def improve(problem: PackingProblem, options: SolverOptions, start: Assignment, lower_bound: int = 0) -> SolveResult:
    """Improve ``start`` (fewest moves, blades, then licence cost) by re-packing small neighbourhoods with CP-SAT."""
    started = time.monotonic()
    keep: tuple[str, ...] = (MOVES,) if problem.has_previous else ()
    stopped = False
    rng = random.Random(options.seed)
    state = _State(problem, start)
    weights = licence_weights(problem)
    host_bounds = licence_host_bounds(problem)
    licence_floor = sum(weights[product] * hosts for product, hosts in host_bounds.items())
    products = sorted(host_bounds)
    sizes = {"empty": FIRST, "licence": FIRST}
    spent, idle, iteration = 0.0, 0, 0
    parallel = max(1, options.workers)
    with WorkerPool(parallel) if parallel > 1 else nullcontext(None) as pool:
        while spent < options.time_limit and idle < PATIENCE:
            if options.past_deadline():
                stopped = True  # the wall-clock ceiling, not the budget: the answer depends on the machine
                break
            saving_blades = (
                len(set(state.assignment)) > lower_bound and spent < (1 - LICENCE_ONLY_SHARE) * options.time_limit
            )
            if not saving_blades and licence_units(problem, tuple(state.assignment), weights) <= licence_floor:
                break  # licences proven optimal by their bound, and blades too or out of their share of time
            jobs: list[_Job] = []
            taken: set[int] = set()
            for _ in range(parallel):
                iteration += 1
                licence_turn = not saving_blades or iteration % LICENCE_MOVE_EVERY == 0
                kind = "licence" if products and licence_turn else "empty"
                if kind == "empty" and not saving_blades:
                    break
                if kind == "licence":
                    chosen = _consolidate_licence(state, rng, sizes[kind], products, taken)
                else:
                    chosen = _empty_a_bin(state, rng, sizes[kind], taken)
                if not chosen:
                    continue
                taken |= set(chosen)
                sub, positions = _subproblem(problem, state.assignment, chosen)
                sub_start = tuple(chosen.index(state.assignment[p]) for p in positions)
                bound = lower_bounds(sub).best
                if kind == "licence":
                    phases: tuple[str, ...] = (*keep, "licences")
                elif bound >= len(chosen):
                    phases = (*keep, DRAIN)  # too full to free a bin here; moving load off the emptiest still helps
                else:
                    phases = (*keep, "blades", DRAIN)
                seed = options.seed + iteration
                jobs.append(_Job(kind, chosen, positions, sub, sub_start, bound, phases, seed, options.deadline))
            if not jobs:
                break
            step = min(STEP_LIMIT, options.time_limit - spent)
            calls = [(job, step) for job in jobs]
            results = pool.map(_solve, calls) if pool is not None else [_solve(*call) for call in calls]
            # Jobs ran side by side, so the slowest one is what the batch cost.
            spent += max(
                result.work + SOLVE_OVERHEAD + BUILD_COST_PER_CELL * len(job.problem.items) * len(job.chosen)
                for job, result in zip(jobs, results, strict=True)
            )
            gained_any = False
            stopped = stopped or any(result.stopped_by_deadline for result in results)
            for job, result in zip(jobs, results, strict=True):
                gained = False
                found = result.assignment
                if found is not None and found != job.start:
                    before = _score(job.problem, job.start, weights, job.kind)
                    after = _score(job.problem, found, weights, job.kind)
                    targets = [job.chosen[local] for local in found]
                    if after <= before and state.apart(job.positions, targets):
                        for position, b in zip(job.positions, targets, strict=True):
                            state.move(position, b)
                        gained = after < before
                gained_any = gained_any or gained
                # Grow after a proof that nothing better exists here; shrink when CP-SAT ran out of time.
                size = sizes[job.kind]
                if all(phase.optimal for phase in result.phases):
                    sizes[job.kind] = min(LARGEST, size + (0 if gained else 1))
                else:
                    sizes[job.kind] = max(SMALLEST, size - 1)
            idle = 0 if gained_any else idle + len(jobs)

    final = tuple(state.assignment)
    blades = len(set(final))
    units = licence_units(problem, final, weights)
    domains = domains_used(problem, final)
    chassis_floor = domain_bound(problem, blades)
    moved, unavoidable = moves(problem, final), unavoidable_moves(problem)
    kept_phase = (PhaseResult(MOVES, "LNS", moved, float(unavoidable), moved <= unavoidable),) if keep else ()
    phases_done = (
        *kept_phase,
        PhaseResult("blades", "LNS", blades, float(lower_bound), blades <= lower_bound),
        PhaseResult("licences", "LNS", units, float(licence_floor), units <= licence_floor),
        PhaseResult("chassis", "LNS", domains, float(chassis_floor), domains <= chassis_floor),
    )
    return SolveResult(
        final,
        phases_done,
        False,
        spent,
        time.monotonic() - started,
        method=f"lns({iteration} moves)",
        stopped_by_deadline=stopped,
    )
