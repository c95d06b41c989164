"""What the plan is compared with: Nova-style first fit, and one dedicated set of blades per business.

The dedicated baseline is today's multi-vendor status quo: each business (and each
middleware role in each area) on blades of its own, no sharing, no peak awareness,
the same anti-affinity. Each is packed as well as this package can (first-fit
decreasing, then CP-SAT when that is above its lower bound), so the saving the plan
reports against it is not inflated by a careless baseline.

Both baselines may need more blades than the spec has: they answer "how many would
this approach buy", so they pack onto as many copies of the spec's blades as needed.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiban_platform.placement.bounds import lower_bounds
from kiban_platform.placement.cpsat import SolverOptions, solve_exact
from kiban_platform.placement.first_fit import first_fit, first_fit_decreasing
from kiban_platform.placement.problem import Assignment, PackingProblem, bins_used
from kiban_platform.spec.instances import VirtualMachine

UNIT_TIME_LIMIT = 0.5  # deterministic seconds per business; the pieces are small


def _grown(problem: PackingProblem) -> tuple[PackingProblem, Assignment]:
    """The problem with its bins repeated until first fit places every item, and that placement."""
    copies = 1
    while True:
        extended = problem.extended(copies)
        found = first_fit(extended)
        if found is not None:
            return extended, found
        if copies > len(problem.items):
            # Every item could have a bin of its own in every domain by now: only an item that fits
            # no bin, or a group larger than the domains, gets here, and the planner checks both first.
            raise ValueError("first fit cannot place these items on any number of these bins")
        copies *= 2


def nova_first_fit_blades(problem: PackingProblem) -> int:
    """Blades Nova-style first fit uses: spec order, every VM at its peak all year."""
    _, found = _grown(problem.flattened())
    return bins_used(found)


def dedicated_blades(problem: PackingProblem, units: Sequence[str], options: SolverOptions) -> dict[str, int]:
    """Blades each unit needs alone; ``units[i]`` names the unit of item i."""
    flat = problem.flattened()
    members: dict[str, list[int]] = {}
    for index, unit in enumerate(units):
        members.setdefault(unit, []).append(index)
    needed: dict[str, int] = {}
    for unit, indices in members.items():
        alone = flat.with_items([flat.items[i] for i in indices])
        grown, start = _grown(alone)
        ffd = first_fit_decreasing(grown)
        best = min((a for a in (start, ffd) if a is not None), key=bins_used)
        bound = lower_bounds(grown).best
        if bins_used(best) > bound:
            unit_options = SolverOptions(time_limit=UNIT_TIME_LIMIT, seed=options.seed, workers=1)
            solved = solve_exact(grown, unit_options, best, bound, phases=("blades",))
            if solved.assignment is not None:
                best = min(best, solved.assignment, key=bins_used)
        needed[unit] = bins_used(best)
    return needed


def baseline_units(vms: Sequence[VirtualMachine]) -> list[str]:
    """Each business is one unit; each middleware role in each area is another."""
    return [vm.business if vm.business is not None else vm.group for vm in vms]
