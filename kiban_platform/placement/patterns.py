"""Pattern search: fill bins as full as they go, then choose the fewest bins that hold everything.

Instances where every bin must be exactly full to reach the optimum (Falkenauer's
triplets are built that way) defeat both first-fit-decreasing and a CP-SAT model that
assigns items to bins: the solver must discover the exact fills one assignment at a
time. This step finds them directly. For each item type, CP-SAT solves a one-bin
knapsack (the bin as full as it can be, with that item in it) and lists the fullest
fillings; then a second CP-SAT model picks how many bins to fill with each pattern
(a set cover, with the current placement's bins among the patterns so that it is
never worse). Items that two chosen patterns both hold are kept in the first.

It applies to problems without anti-affinity: a pattern is one bin's contents,
and keeping a group's members in distinct chassis is a constraint between bins that
this model does not see. Cities (which have anti-affinity) use ``placement.cpsat``
and ``placement.lns``; this step serves the classic bin-packing instances and any
other problem without groups.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import reduce

from ortools.sat.python import cp_model

from kiban_platform.placement.cpsat import (
    ItemTypes,
    PhaseResult,
    SolveResult,
    SolverOptions,
    cut_short,
    licence_weights,
    new_solver,
    work_done,
)
from kiban_platform.placement.problem import Assignment, PackingProblem, objective

PATTERNS_PER_SEED = 60  # fullest fillings kept per item type and bin kind
SEED_LIMIT = 0.3  # reference seconds per knapsack
# Wall time CP-SAT's work does not count, measured on the reference machine: building the two
# knapsack models of a seed in Python, and listing each filling (enumeration runs unpresolved).
SEED_OVERHEAD = 0.01
PATTERN_OVERHEAD = 0.001
GENERATION_SHARE = 0.7  # of the time limit, at most, for building patterns; the set cover is quick

Pattern = tuple[int, tuple[int, ...]]  # (bin kind index, count of each item type)


def applies(problem: PackingProblem) -> bool:
    return all(item.group is None and not item.excluded_domains for item in problem.items)


def _fill_weights(problem: PackingProblem, types: ItemTypes, capacity: Sequence[int]) -> list[int]:
    """How full an item makes a bin, summed over resources at its peak, as exact integers.

    Each resource is scaled by (common multiple of the capacities) / capacity, so one
    resource filling its bin counts the same in every resource and nothing is rounded.
    """
    positive = [cap for cap in capacity if cap > 0]
    common = reduce(math.lcm, positive, 1)
    scale = [common // cap if cap > 0 else 0 for cap in capacity]
    weights = []
    for key in types.keys:
        peak = [max(period[k] for period in key[0]) for k in range(len(capacity))]
        weights.append(sum(value * factor for value, factor in zip(peak, scale, strict=True)))
    return weights


class _Collector(cp_model.CpSolverSolutionCallback):
    def __init__(self, counts: list[cp_model.IntVar], limit: int) -> None:
        super().__init__()
        self.counts = counts
        self.limit = limit
        self.found: list[tuple[int, ...]] = []

    def on_solution_callback(self) -> None:
        self.found.append(tuple(int(self.value(var)) for var in self.counts))
        if len(self.found) >= self.limit:
            self.stop_search()


def _knapsack(
    problem: PackingProblem,
    types: ItemTypes,
    capacity: tuple[int, ...],
    limit: tuple[int, ...],
    seed_type: int,
    weights: list[int],
    options: SolverOptions,
) -> tuple[list[tuple[int, ...]], float]:
    """The fullest fillings of one bin that hold an item of ``seed_type``, and the reference seconds spent."""

    def build() -> tuple[cp_model.CpModel, list[cp_model.IntVar], cp_model.LinearExprT]:
        model = cp_model.CpModel()
        counts = []
        for t, key in enumerate(types.keys):
            fits = all(s <= m for s, m in zip(key[1], limit, strict=True))
            most = len(types.items[t]) if fits else 0
            for period in key[0]:
                for value, cap in zip(period, capacity, strict=True):
                    if value > 0:
                        most = min(most, cap // value)
            counts.append(model.new_int_var(0, most, f"c{t}"))
        model.add(counts[seed_type] >= 1)
        for p in range(len(problem.periods)):
            for k, cap in enumerate(capacity):
                terms = [key[0][p][k] * var for key, var in zip(types.keys, counts, strict=True) if key[0][p][k]]
                if terms:
                    model.add(sum(terms) <= cap)
        fill = sum(w * var for w, var in zip(weights, counts, strict=True))
        return model, counts, fill

    model, _, fill = build()
    model.maximize(fill)
    quick = SolverOptions(seed=options.seed, quick=True, deadline=options.deadline)
    solver = new_solver(quick, SEED_LIMIT)
    status = solver.solve(model)
    spent = work_done(quick, solver)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [], spent
    best = round(solver.objective_value)
    # A fresh model without the objective: CP-SAT enumerates solutions only of a pure feasibility model.
    model, counts, fill = build()
    model.add(fill >= best)
    enumerate_solver = new_solver(quick, SEED_LIMIT)
    enumerate_solver.parameters.enumerate_all_solutions = True
    collector = _Collector(counts, PATTERNS_PER_SEED)
    enumerate_solver.solve(model, collector)
    spent += work_done(quick, enumerate_solver)
    return collector.found, spent


def _bin_kinds(problem: PackingProblem) -> tuple[list[tuple[tuple[int, ...], tuple[int, ...]]], list[list[int]]]:
    kinds: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    bins: list[list[int]] = []
    for b, bin_ in enumerate(problem.bins):
        if bin_.kind not in kinds:
            kinds.append(bin_.kind)
            bins.append([])
        bins[kinds.index(bin_.kind)].append(b)
    return kinds, bins


def _incumbent_patterns(
    problem: PackingProblem, types: ItemTypes, kinds: list[tuple[tuple[int, ...], tuple[int, ...]]], start: Assignment
) -> list[Pattern]:
    contents: dict[int, list[int]] = {}
    for position, b in enumerate(start):
        contents.setdefault(b, [0] * len(types.keys))[types.of_item[position]] += 1
    return [(kinds.index(problem.bins[b].kind), tuple(counts)) for b, counts in sorted(contents.items())]


def _place(
    problem: PackingProblem, types: ItemTypes, bins_of_kind: list[list[int]], chosen: list[Pattern]
) -> Assignment:
    """Items into the chosen patterns, patterns onto bins of their kind, filling one domain before the next."""
    remaining = [list(items) for items in types.items]
    free = [sorted(bins, key=lambda b: (problem.bins[b].domain, b)) for bins in bins_of_kind]
    assignment = [-1] * len(problem.items)
    for kind, counts in chosen:
        taken = []
        for t, count in enumerate(counts):
            for _ in range(count):
                if remaining[t]:
                    taken.append(remaining[t].pop(0))
        if not taken:
            continue  # every item of this copy is already in an earlier one
        b = free[kind].pop(0)
        for position in taken:
            assignment[position] = b
    return tuple(assignment)


def improve_by_patterns(
    problem: PackingProblem, options: SolverOptions, start: Assignment, lower_bound: int = 0
) -> SolveResult:
    """Improve ``start`` (fewest bins, then licence cost) by choosing among the fullest bin fillings."""
    started = time.monotonic()
    types = ItemTypes.of(problem)
    kinds, bins_of_kind = _bin_kinds(problem)
    pool: list[Pattern] = list(dict.fromkeys(_incumbent_patterns(problem, types, kinds, start)))
    spent = 0.0
    generation_budget = options.time_limit * GENERATION_SHARE
    # Larger items first: they have the fewest ways to be completed, so their patterns matter most.
    order = sorted(range(len(types.keys)), key=lambda t: -max(max(period) for period in types.keys[t][0]))
    for kind_index, (capacity, limit) in enumerate(kinds):
        weights = _fill_weights(problem, types, capacity)
        for seed_type in order:
            if spent >= generation_budget or options.past_deadline():
                break
            found, cost = _knapsack(problem, types, capacity, limit, seed_type, weights, options)
            spent += cost + SEED_OVERHEAD + PATTERN_OVERHEAD * len(found)
            pool += [(kind_index, counts) for counts in found]
    pool = list(dict.fromkeys(pool))

    model = cp_model.CpModel()
    uses = [model.new_int_var(0, len(bins_of_kind[kind]), f"y{index}") for index, (kind, _) in enumerate(pool)]
    for t, items in enumerate(types.items):
        model.add(sum(counts[t] * var for (_, counts), var in zip(pool, uses, strict=True) if counts[t]) >= len(items))
    for kind, bins in enumerate(bins_of_kind):
        model.add(sum(var for (k, _), var in zip(pool, uses, strict=True) if k == kind) <= len(bins))
    blades = sum(uses)
    if lower_bound > 0:
        model.add(blades >= lower_bound)
    licence_weight = licence_weights(problem)

    def pattern_licences(counts: tuple[int, ...]) -> int:
        products = {key[2] for key, count in zip(types.keys, counts, strict=True) if count and key[2] is not None}
        return sum(licence_weight[product] for product in products)

    licence_units = sum(pattern_licences(counts) * var for (_, counts), var in zip(pool, uses, strict=True))
    incumbent = _incumbent_patterns(problem, types, kinds, start)
    chosen_counts = [incumbent.count(pattern) for pattern in pool]
    phases: list[PhaseResult] = []
    stopped = False
    objectives = [("blades", blades)] + ([("licences", licence_units)] if licence_weight else [])
    for name, expression in objectives:
        model.minimize(expression)
        model.model_proto.clear_solution_hint()
        for var, value in zip(uses, chosen_counts, strict=True):
            model.add_hint(var, value)
        budget = max(0.05, (options.time_limit - spent) * (0.85 if name == "blades" else 1.0))
        # One worker: on these set covers CP-SAT's default search proves the optimum in a fraction of
        # the time the interleaved portfolio takes (measured on t120 triplets: 0.2 s against 3 to 5 s).
        cover_options = replace(options, workers=1)
        solver = new_solver(cover_options, budget)
        status = solver.solve(model)
        stopped = stopped or cut_short(cover_options, status)
        spent += work_done(cover_options, solver)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen_counts = [int(solver.value(var)) for var in uses]
        value = (
            sum(chosen_counts)
            if name == "blades"
            else sum(pattern_licences(counts) * count for (_, counts), count in zip(pool, chosen_counts, strict=True))
        )
        phases.append(PhaseResult(name, solver.status_name(status), value, solver.best_objective_bound, False))
        # The next phase keeps this one's value (the chosen counts satisfy it, so the model stays feasible).
        model.add(expression <= value)
    chosen = [pattern for pattern, count in zip(pool, chosen_counts, strict=True) for _ in range(count)]
    placed = _place(problem, types, bins_of_kind, chosen)
    best = placed if objective(problem, placed) <= objective(problem, start) else start
    blades_found = objective(problem, best)[1]
    final = (
        PhaseResult("blades", phases[0].status, blades_found, float(lower_bound), blades_found <= lower_bound),
        *phases[1:],
    )
    return SolveResult(
        best,
        final,
        False,
        spent,
        time.monotonic() - started,
        method=f"patterns({len(pool)})",
        stopped_by_deadline=stopped or options.past_deadline(),
    )
