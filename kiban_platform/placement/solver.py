"""Solve a packing problem: the whole CP-SAT model when it is small, neighbourhood search when it is not.

Problems without anti-affinity groups (classic bin packing) first go through the pattern
search. Every step starts from the best placement so far and keeps it unless it finds a
better one, so the result is never worse than the greedy starts (first fit among them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from kiban_platform.placement.cpsat import (
    MOVES,
    PHASES,
    ItemTypes,
    PhaseResult,
    SolveResult,
    SolverOptions,
    solve_exact,
)
from kiban_platform.placement.lns import improve
from kiban_platform.placement.patterns import applies, improve_by_patterns
from kiban_platform.placement.problem import Assignment, PackingProblem, bins_used, objective

__all__ = ["DIRECT_LIMIT", "PhaseResult", "SolveResult", "SolverOptions", "model_cells", "solve_packing"]

# Above this many (item type x bin) cells, one model spends most of a minute in presolve
# (measured: a 2,000-VM city has about 35,000), so the neighbourhood search takes over.
DIRECT_LIMIT = 12_000
PATTERN_SHARE = 0.8  # of the time limit, at most, for the pattern search (problems without groups)


def model_cells(problem: PackingProblem) -> int:
    """The size of the whole model: item types times bins."""
    return len(ItemTypes.of(problem).keys) * len(problem.bins)


def solve_packing(
    problem: PackingProblem,
    options: SolverOptions,
    hints: Iterable[Assignment | None] = (),
    lower_bound: int = 0,
) -> SolveResult:
    """Place every item, starting from the best of ``hints`` (lexicographic: blades, licences, chassis).

    Without anti-affinity groups, the pattern search runs first (see placement.patterns);
    then the whole CP-SAT model when it is small, the neighbourhood search when it is not.
    Items with a previous bin add a first objective: fewest items moved off it.
    """
    start = min((h for h in hints if h is not None), key=lambda a: objective(problem, a), default=None)
    spent, method, stopped = 0.0, "", False
    phases = (MOVES, *PHASES) if problem.has_previous else PHASES
    if start is not None and applies(problem) and not problem.has_previous and bins_used(start) > lower_bound:
        patterns = improve_by_patterns(
            problem, replace(options, time_limit=options.time_limit * PATTERN_SHARE), start, lower_bound
        )
        assert patterns.assignment is not None  # it never returns worse than its start
        start, spent, method = patterns.assignment, patterns.work, f"{patterns.method}+"
        stopped = patterns.stopped_by_deadline
    rest = replace(options, time_limit=max(0.1, options.time_limit - spent))
    if start is None or model_cells(problem) <= DIRECT_LIMIT:
        result = solve_exact(problem, rest, start, lower_bound, phases=phases)
    else:
        result = improve(problem, rest, start, lower_bound)
    return replace(
        result,
        work=result.work + spent,
        method=method + result.method,
        stopped_by_deadline=stopped or result.stopped_by_deadline,
    )
