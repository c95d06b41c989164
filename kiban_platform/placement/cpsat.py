"""The CP-SAT placement model and its exact, lexicographic solve.

The model counts rather than names. Items with the same demand, size, licence,
anti-affinity status and excluded domains are one *type*; the model decides how
many items of each type each bin holds (``n[t, b]``) and in which domain each
anti-affine group has a member of each type (``z[g, t, c]``). Anti-affinity is then
at most one member per group per domain, which also keeps members on distinct bins.
Counting removes the symmetry between interchangeable VMs; the VM-by-VM
assignment is read off afterwards. Interchangeable bins (same capacity and limits,
same domain) are used in order, and interchangeable domains in decreasing order of
bins used, which removes most of the remaining symmetry.

The objectives are solved one after the other (lexicographic): each phase keeps the
previous phase's value as a constraint and starts from the best placement so far as a
hint, so the result is never worse than the start it was given.

Determinism: budgets are in *reference seconds*, CP-SAT's deterministic time (a count of
work, not a clock) scaled to wall seconds on the reference machine, and the workers are
interleaved in deterministic batches; so a problem and a seed give the same answer on
any machine and under any load. The only clock is the caller's wall-clock ceiling
(``SolverOptions.deadline``): a solve it cuts short says so (``SolveResult.stopped_by_deadline``),
because its answer then depends on the machine.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

from ortools.sat.python import cp_model

from kiban_platform.placement.bounds import domain_bound, licence_host_bounds
from kiban_platform.placement.problem import Assignment, PackingProblem, licence_hosts, objective

PHASES = ("blades", "licences", "chassis")
# With a previous plan, keeping VMs where they are comes before everything else.
MOVES = "moves"
# The neighbourhood search's extra objective: move as much as possible off one bin (``drain``),
# so that a bin that cannot be emptied in one step gets closer to empty with each step.
DRAIN = "drain"
# Share of the remaining deterministic time given to each phase; what a phase leaves goes to the next.
PHASE_SHARES = {MOVES: 0.5, "blades": 0.6, "licences": 0.6, "chassis": 1.0, DRAIN: 1.0}
# Wall seconds per unit of CP-SAT deterministic time on the reference machine (2 cores),
# measured with bench/plan.py: the portfolio's LP workers do more than their deterministic
# clock counts. Budgets are in these reference seconds, so a time limit is close to wall
# time there, and the same on every machine (keyed by SolverOptions.quick).
WALL_PER_DETERMINISTIC = {False: 1.7, True: 1.5}


@dataclass(frozen=True)
class SolverOptions:
    # Reference seconds of deterministic work for the whole solve (see WALL_PER_DETERMINISTIC):
    # the budget that decides the answer.
    time_limit: float = 10.0
    seed: int = 0
    workers: int = 2
    # For the many small models of the neighbourhood search: one worker and a light presolve,
    # which on those models costs more wall time than the search itself (measured: 3x faster).
    quick: bool = False
    # The wall-clock ceiling, as a time.monotonic() value (system-wide, so worker processes share
    # it); None: no ceiling. Only a safety net: a solve it stops may differ from machine to machine.
    deadline: float | None = None

    def wall_left(self) -> float:
        """Wall seconds until the ceiling (infinite without one)."""
        return math.inf if self.deadline is None else self.deadline - time.monotonic()

    def past_deadline(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


@dataclass(frozen=True)
class PhaseResult:
    name: str  # one of PHASES
    status: str  # CP-SAT's status name; SKIPPED when there was nothing to decide; LNS for the large-instance search
    value: int  # in the phase's own units: bins, weighted licence units (see licence_weights), domains
    bound: float  # no placement does better (in the same units)
    optimal: bool


@dataclass(frozen=True)
class SolveResult:
    assignment: Assignment | None
    phases: tuple[PhaseResult, ...]
    infeasible: bool  # proven: no placement fits these bins
    work: float  # reference seconds spent: CP-SAT's deterministic time, scaled; the same on every machine
    wall_time: float
    method: str = "cp-sat"
    # The wall-clock ceiling, not the deterministic budget, ended the search: the answer may differ elsewhere.
    stopped_by_deadline: bool = False

    @property
    def optimal(self) -> bool:
        return self.assignment is not None and all(phase.optimal for phase in self.phases)

    def phase(self, name: str) -> PhaseResult | None:
        return next((phase for phase in self.phases if phase.name == name), None)


# demand, size, licence, anti-affine, excluded domains, previous bin (items kept apart by where they were)
TypeKey = tuple[tuple[tuple[int, ...], ...], tuple[int, ...], str | None, bool, frozenset[int], int | None]


@dataclass(frozen=True)
class ItemTypes:
    """Items grouped into interchangeable types."""

    keys: list[TypeKey]
    of_item: list[int]
    items: list[list[int]]  # item indices of each type, in item order
    # For anti-affine types: each group's item count of that type, groups in first-seen order.
    groups: list[dict[str, int]]

    @staticmethod
    def of(problem: PackingProblem) -> ItemTypes:
        index: dict[TypeKey, int] = {}
        types = ItemTypes([], [], [], [])
        for position, item in enumerate(problem.items):
            key = (item.demand, item.size, item.licence, item.group is not None, item.excluded_domains, item.previous)
            if key not in index:
                index[key] = len(types.keys)
                types.keys.append(key)
                types.items.append([])
                types.groups.append({})
            t = index[key]
            types.of_item.append(t)
            types.items[t].append(position)
            if item.group is not None:
                types.groups[t][item.group] = types.groups[t].get(item.group, 0) + 1
        return types


def symmetry_classes(problem: PackingProblem) -> tuple[list[list[int]], list[list[list[int]]]]:
    """Interchangeable bins and domains.

    Returns the runs of bins of one kind inside one domain (in bin order), and the
    classes of domains holding the same kinds of bins (each domain as its bins sorted
    by kind, so that position i of two domains in a class is the same kind of bin).
    Domains are not interchangeable when some item may not use some of them, and no bin is
    interchangeable with another when items have a previous bin to stay on.
    """
    if problem.has_previous:
        return [], []
    by_domain: list[list[int]] = [[] for _ in problem.domains]
    for b, bin_ in enumerate(problem.bins):
        by_domain[bin_.domain].append(b)
    runs: list[list[int]] = []
    signatures: dict[tuple[object, ...], list[list[int]]] = {}
    for bins in by_domain:
        kinds: dict[object, list[int]] = {}
        for b in bins:
            kinds.setdefault(problem.bins[b].kind, []).append(b)
        runs += [run for run in kinds.values() if len(run) > 1]
        ordered = sorted(bins, key=lambda b: (problem.bins[b].kind, b))
        if ordered:
            signatures.setdefault(tuple(problem.bins[b].kind for b in ordered), []).append(ordered)
    if any(item.excluded_domains for item in problem.items):
        return runs, []
    return runs, [domains for domains in signatures.values() if len(domains) > 1]


def canonical(problem: PackingProblem, assignment: Assignment) -> Assignment:
    """The same placement moved onto interchangeable bins so that it obeys the model's symmetry breaking."""
    runs, domain_classes = symmetry_classes(problem)
    used = set(assignment)
    moved = list(range(len(problem.bins)))
    for domains in domain_classes:
        counts = [sum(1 for b in bins if b in used) for bins in domains]
        # A stable sort: domains using as many bins keep their order, so the result is unique.
        order = sorted(range(len(domains)), key=lambda i: -counts[i])
        for target, source in enumerate(order):
            for from_bin, to_bin in zip(domains[source], domains[target], strict=True):
                moved[from_bin] = to_bin
    placed = [moved[b] for b in assignment]
    used = set(placed)
    for run in runs:
        ordered = [b for b in run if b in used] + [b for b in run if b not in used]
        slot = dict(zip(ordered, run, strict=True))
        placed = [slot.get(b, b) for b in placed]
    return tuple(placed)


def licence_weights(problem: PackingProblem) -> dict[str, int]:
    """Licence cost in units small enough for the solver, with one licence host as the tie-breaker.

    Costs are divided by their greatest common divisor, then scaled so that cost always
    dominates; the +1 per host makes a product that costs nothing still prefer fewer hosts.
    """
    costs = problem.licence_costs
    positive = [cost for cost in costs.values() if cost > 0]
    unit = reduce(math.gcd, positive) if positive else 1
    hosts = len(costs) * len(problem.bins) + 1
    return {product: (cost // unit) * hosts + 1 for product, cost in costs.items()}


def licence_units(problem: PackingProblem, assignment: Assignment, weights: dict[str, int]) -> int:
    return sum(weights[product] * len(bins) for product, bins in licence_hosts(problem, assignment).items())


def drain_weight(item_demand: Sequence[Sequence[int]], capacity: Sequence[int]) -> int:
    """How much of a bin an item takes: its peak share of each resource, summed, in thousandths."""
    peak = [max(period[k] for period in item_demand) for k in range(len(capacity))]
    return max(1, round(1000 * sum(value / cap for value, cap in zip(peak, capacity, strict=True) if cap > 0)))


def phase_value(
    problem: PackingProblem, assignment: Assignment, name: str, weights: dict[str, int], drain: int | None = None
) -> int:
    moved, blades, _, domains = objective(problem, assignment)
    if name == MOVES:
        return moved
    if name == "blades":
        return blades
    if name == "chassis":
        return domains
    if name == DRAIN:
        capacity = problem.bins[drain or 0].capacity
        return sum(
            drain_weight(item.demand, capacity)
            for item, b in zip(problem.items, assignment, strict=True)
            if b == (drain or 0)
        )
    return licence_units(problem, assignment, weights)


def _fit_count(demand: Sequence[Sequence[int]], capacity: Sequence[int]) -> int:
    limits = [cap // value for period in demand for value, cap in zip(period, capacity, strict=True) if value > 0]
    return min(limits) if limits else 1 << 20


def _dominated(rows: list[tuple[int, ...]]) -> list[bool]:
    """Rows (of one resource, so one capacity) that another kept row bounds from above term by term."""
    out = [False] * len(rows)
    for i, row in enumerate(rows):
        for j, other in enumerate(rows):
            # Of equal rows the first is kept; a row below a kept one adds no constraint.
            below = i != j and not out[j] and all(a <= b for a, b in zip(row, other, strict=True))
            if below and (row != other or j < i):
                out[i] = True
                break
    return out


class PlacementModel:
    """The CP-SAT model of one packing problem, with its variables kept for hints and read-back."""

    def __init__(self, problem: PackingProblem, lower_bound: int = 0, break_symmetry: bool = True) -> None:
        self.problem = problem
        self.types = ItemTypes.of(problem)
        self.weights = licence_weights(problem)
        self.model = cp_model.CpModel()
        bins = problem.bins
        self.used = [self.model.new_bool_var(f"u{b}") for b in range(len(bins))]
        self.chassis = [self.model.new_bool_var(f"c{c}") for c in range(len(problem.domains))]
        self.count: dict[tuple[int, int], cp_model.IntVar] = {}
        self.upper: dict[tuple[int, int], int] = {}
        self.by_bin: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in bins]
        self.by_type: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in self.types.keys]
        self.member: dict[tuple[str, int, int], cp_model.IntVar] = {}
        self.licence: dict[tuple[str, int], cp_model.IntVar] = {}
        self._counts()
        self._capacity()
        self._placement()
        self._licences()
        if break_symmetry:
            self._symmetry()
        if lower_bound > 0:
            self.model.add(sum(self.used) >= lower_bound)

    def _counts(self) -> None:
        problem, types, model = self.problem, self.types, self.model
        # What a bin can take depends only on its kind, so eligibility is worked out once per kind.
        by_kind: dict[object, list[tuple[int, int]]] = {}
        for b, bin_ in enumerate(problem.bins):
            if bin_.kind not in by_kind:
                eligible = []
                for t, key in enumerate(types.keys):
                    if not bin_.takes(problem.items[types.items[t][0]]):
                        continue
                    # An anti-affine group has at most one member per domain, so at most one per bin.
                    members = len(types.groups[t]) if key[3] else len(types.items[t])
                    upper = min(_fit_count(key[0], bin_.capacity), members)
                    if upper > 0:
                        eligible.append((t, upper))
                by_kind[bin_.kind] = eligible
            for t, upper in by_kind[bin_.kind]:
                if bin_.domain in types.keys[t][4]:
                    continue
                var = model.new_int_var(0, upper, f"n{t}_{b}")
                self.count[t, b] = var
                self.upper[t, b] = upper
                self.by_bin[b].append((t, var))
                self.by_type[t].append((b, var))
                model.add(var <= upper * self.used[b])
            model.add_implication(self.used[b], self.chassis[bin_.domain])

    def _capacity(self) -> None:
        problem, types = self.problem, self.types
        rows_of_kind: dict[object, list[tuple[int, int]]] = {}
        for b, bin_ in enumerate(problem.bins):
            entries = self.by_bin[b]
            if not entries:
                continue
            key = (bin_.kind, tuple(t for t, _ in entries))
            if key not in rows_of_kind:
                kept: list[tuple[int, int]] = []
                for k in range(len(problem.resources)):
                    rows = [tuple(types.keys[t][0][p][k] for t, _ in entries) for p in range(len(problem.periods))]
                    dominated = _dominated(rows)
                    kept += [(p, k) for p in range(len(problem.periods)) if not dominated[p]]
                rows_of_kind[key] = kept
            for p, k in rows_of_kind[key]:
                terms = [(types.keys[t][0][p][k], var, self.upper[t, b]) for t, var in entries]
                # A row that cannot be exceeded even with every count at its maximum adds nothing.
                if sum(coefficient * upper for coefficient, _, upper in terms) <= bin_.capacity[k]:
                    continue
                self.model.add(
                    sum(coefficient * var for coefficient, var, _ in terms if coefficient)
                    <= bin_.capacity[k] * self.used[b]
                )

    def _placement(self) -> None:
        problem, types, model = self.problem, self.types, self.model
        group_domain: dict[tuple[str, int], list[cp_model.IntVar]] = {}
        for t, key in enumerate(types.keys):
            if not key[3]:
                model.add(sum(var for _, var in self.by_type[t]) == len(types.items[t]))
                continue
            in_domain: dict[int, list[cp_model.IntVar]] = {}
            for b, var in self.by_type[t]:
                in_domain.setdefault(problem.bins[b].domain, []).append(var)
            chosen: dict[str, list[cp_model.IntVar]] = {group: [] for group in types.groups[t]}
            for c, counts in sorted(in_domain.items()):
                members = []
                for group in types.groups[t]:
                    var = model.new_bool_var(f"z{t}_{c}_{group}")
                    self.member[group, t, c] = var
                    members.append(var)
                    chosen[group].append(var)
                    group_domain.setdefault((group, c), []).append(var)
                model.add(sum(counts) == sum(members))
            for group, size in types.groups[t].items():
                model.add(sum(chosen[group]) == size)
        for members in group_domain.values():
            if len(members) > 1:
                model.add_at_most_one(members)

    def _licences(self) -> None:
        for b in range(len(self.problem.bins)):
            for t, var in self.by_bin[b]:
                product = self.types.keys[t][2]
                if product is None:
                    continue
                if (product, b) not in self.licence:
                    self.licence[product, b] = self.model.new_bool_var(f"l{b}_{product}")
                self.model.add(var <= self.upper[t, b] * self.licence[product, b])

    def _symmetry(self) -> None:
        runs, domain_classes = symmetry_classes(self.problem)
        for run in runs:
            for earlier, later in itertools.pairwise(run):
                self.model.add_implication(self.used[later], self.used[earlier])
        for domains in domain_classes:
            totals = [sum(self.used[b] for b in bins) for bins in domains]
            for more, fewer in itertools.pairwise(totals):
                self.model.add(more >= fewer)

    def expression(self, phase: str, drain: int | None = None) -> cp_model.LinearExprT:
        if phase == MOVES:
            # Items of a type share their previous bin, so the type's items on it are the ones that stay.
            had = sum(len(self.types.items[t]) for t, key in enumerate(self.types.keys) if key[5] is not None)
            stay = [
                self.count[t, key[5]]
                for t, key in enumerate(self.types.keys)
                if key[5] is not None and (t, key[5]) in self.count
            ]
            return had - sum(stay)
        if phase == "blades":
            return sum(self.used)
        if phase == "licences":
            return sum(self.weights[product] * var for (product, _), var in self.licence.items())
        if phase == DRAIN:
            capacity = self.problem.bins[drain or 0].capacity
            return sum(drain_weight(self.types.keys[t][0], capacity) * var for t, var in self.by_bin[drain or 0])
        return sum(self.chassis)

    def hint(self, assignment: Assignment) -> None:
        problem, types, model = self.problem, self.types, self.model
        model.model_proto.clear_solution_hint()
        counts: dict[tuple[int, int], int] = {}
        members: set[tuple[str, int, int]] = set()
        products: set[tuple[str, int]] = set()
        for position, b in enumerate(assignment):
            t = types.of_item[position]
            counts[t, b] = counts.get((t, b), 0) + 1
            item = problem.items[position]
            if item.group is not None:
                members.add((item.group, t, problem.bins[b].domain))
            if item.licence is not None:
                products.add((item.licence, b))
        used = set(assignment)
        domains = {problem.bins[b].domain for b in used}
        for b, var in enumerate(self.used):
            model.add_hint(var, b in used)
        for c, var in enumerate(self.chassis):
            model.add_hint(var, c in domains)
        for key, var in self.count.items():
            model.add_hint(var, counts.get(key, 0))
        for member, var in self.member.items():
            model.add_hint(var, member in members)
        for licence, var in self.licence.items():
            model.add_hint(var, licence in products)

    def read(self, solver: cp_model.CpSolver) -> Assignment:
        """Counts back to an item-by-item placement: a group's members take its domains in order, then bins in order."""
        problem, types = self.problem, self.types
        assignment = [-1] * len(problem.items)
        for t, key in enumerate(types.keys):
            slots: dict[int, list[int]] = {}
            for b, var in self.by_type[t]:
                domain = problem.bins[b].domain if key[3] else -1
                slots.setdefault(domain, []).extend([b] * int(solver.value(var)))
            if not key[3]:
                for position, b in zip(types.items[t], slots.get(-1, []), strict=True):
                    assignment[position] = b
                continue
            queue: dict[str, list[int]] = {}
            for position in types.items[t]:
                group = problem.items[position].group
                assert group is not None  # anti-affine types hold grouped items only
                queue.setdefault(group, []).append(position)
            for c in range(len(problem.domains)):
                takers = [
                    queue[group].pop(0)
                    for group in types.groups[t]
                    if (group, t, c) in self.member and solver.value(self.member[group, t, c])
                ]
                for position, b in zip(takers, slots.get(c, []), strict=True):
                    assignment[position] = b
        return tuple(assignment)


def new_solver(options: SolverOptions, budget: float) -> cp_model.CpSolver:
    """A CP-SAT solver that stops after ``budget`` reference seconds of deterministic work (or at the deadline)."""
    solver = cp_model.CpSolver()
    parameters = solver.parameters
    parameters.random_seed = options.seed
    if options.quick:
        parameters.num_workers = 1
        parameters.cp_model_probing_level = 0
        parameters.symmetry_level = 0
        parameters.max_presolve_iterations = 1
    else:
        parameters.num_workers = max(1, options.workers)
        # Interleaved search runs the portfolio of workers in deterministic batches: same answer on any
        # machine. One worker is CP-SAT's single default search, deterministic by itself.
        parameters.interleave_search = options.workers > 1
    parameters.max_deterministic_time = max(budget / WALL_PER_DETERMINISTIC[options.quick], 0.01)
    if options.deadline is not None:
        # The ceiling only: a solve that reaches it is reported (see cut_short), never silently different.
        parameters.max_time_in_seconds = max(options.wall_left(), 0.001)
    return solver


def cut_short(options: SolverOptions, status: cp_model.CpSolverStatus) -> bool:
    """Whether a finished solve was stopped by the wall-clock ceiling rather than by a proof or its budget.

    CP-SAT checks its wall limit as ``elapsed >= limit`` from a timer started after the limit was
    computed, so a solve the ceiling stopped always returns at or after the deadline.
    """
    return status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE) and options.past_deadline()


def work_done(options: SolverOptions, solver: cp_model.CpSolver) -> float:
    """The reference seconds a finished solve used."""
    return float(solver.response_proto.deterministic_time) * WALL_PER_DETERMINISTIC[options.quick]


def unavoidable_moves(problem: PackingProblem) -> int:
    """Items whose previous bin cannot take them (too large for it, or in a domain they may not use)."""
    return sum(
        1
        for item in problem.items
        if item.previous is not None
        and (
            not problem.bins[item.previous].takes(item)
            or problem.bins[item.previous].domain in item.excluded_domains
            or any(
                value > cap
                for period in item.demand
                for value, cap in zip(period, problem.bins[item.previous].capacity, strict=True)
            )
        )
    )


def _floor(
    problem: PackingProblem, assignment: Assignment, name: str, weights: dict[str, int], lower_bound: int
) -> int:
    """What no placement can beat in phase ``name``, given the earlier phases' values in ``assignment``."""
    if name == MOVES:
        return unavoidable_moves(problem)
    if name == "blades":
        return lower_bound
    if name == "licences":
        return sum(weights[product] * hosts for product, hosts in licence_host_bounds(problem).items())
    if name == "chassis":
        return domain_bound(problem, len(set(assignment)))
    return 0  # drain: a bin emptied completely


def solve_exact(
    problem: PackingProblem,
    options: SolverOptions,
    start: Assignment | None,
    lower_bound: int = 0,
    phases: Sequence[str] = PHASES,
    drain: int | None = None,
) -> SolveResult:
    """Minimise each objective in ``phases`` in turn on the whole model, starting from ``start``.

    The ``drain`` phase moves as much load as it can off bin ``drain``.
    """
    started = time.monotonic()
    # Draining one particular bin is not symmetric under swapping bins, so it keeps the symmetry;
    # nor is staying on a previous bin (symmetry_classes then finds none).
    break_symmetry = DRAIN not in phases and not problem.has_previous
    best = canonical(problem, start) if start is not None and break_symmetry else start
    weights = licence_weights(problem)
    built: PlacementModel | None = None
    kept: list[tuple[str, int]] = []  # phases decided so far, each kept as a constraint
    results: list[PhaseResult] = []
    budget_left = options.time_limit
    spent_total = 0.0
    infeasible = False
    stopped = False
    for name in phases:
        if name == "licences" and not problem.licence_costs:
            results.append(PhaseResult(name, "SKIPPED", 0, 0.0, True))
            continue
        if best is not None:
            value = phase_value(problem, best, name, weights, drain)
            floor = _floor(problem, best, name, weights, lower_bound)
            if value <= floor:
                # Proven by a bound: no need to build or run the model for this phase.
                results.append(PhaseResult(name, "BOUND", value, float(floor), True))
                kept.append((name, value))
                continue
        if built is None:
            built = PlacementModel(problem, lower_bound, break_symmetry)
            for done, value in kept:
                built.model.add(built.expression(done, drain) <= value)
        model = built.model
        expression = built.expression(name, drain)
        model.minimize(expression)
        if best is not None:
            built.hint(best)
        solver = new_solver(options, budget_left * PHASE_SHARES[name])
        status = solver.solve(model)
        stopped = stopped or cut_short(options, status)
        spent = work_done(options, solver)
        spent_total += spent
        budget_left = max(0.0, budget_left - spent)
        if status == cp_model.INFEASIBLE:
            # The best placement so far satisfies every constraint added, so only a bug gets here with one.
            if best is not None:
                raise AssertionError(f"the CP-SAT model rejects a valid placement in phase {name!r}")
            infeasible = True
            break
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = built.read(solver)
            # Earlier phases' values are constraints now, so only this phase's value decides.
            if best is None or phase_value(problem, found, name, weights, drain) <= phase_value(
                problem, best, name, weights, drain
            ):
                best = found
        if best is None:
            results.append(PhaseResult(name, solver.status_name(status), 0, solver.best_objective_bound, False))
            break
        # The phase's value is that of the best placement so far: the solver need not beat its hint.
        value = phase_value(problem, best, name, weights, drain)
        optimal = status == cp_model.OPTIMAL and value <= round(solver.objective_value)
        results.append(PhaseResult(name, solver.status_name(status), value, solver.best_objective_bound, optimal))
        # Later phases keep what this one achieved; <= still lets them find a better value of it.
        model.add(expression <= value)
        kept.append((name, value))
    return SolveResult(
        best, tuple(results), infeasible, spent_total, time.monotonic() - started, stopped_by_deadline=stopped
    )
