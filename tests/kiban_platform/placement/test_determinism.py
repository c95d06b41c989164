"""The same spec, seed, work limit and worker count give the same plan however busy the machine is.

The issue: the neighbourhood search stopped on the wall clock, so a busy machine returned
another plan. Here the planner runs once freely and once pinned to one CPU that two busy
loops also want (a third of a CPU instead of two), and the placements must be identical.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from typing import Any

import pytest

from kiban_platform.placement import solver as placement_solver
from kiban_platform.placement.options import PlanOptions
from kiban_platform.placement.plan import plan_placement
from tests.conftest import REPO
from tests.kiban_platform.placement.builders import crowded_city

# The neighbourhood search is what large cities use; a test-sized city gets it by lowering the
# threshold of the whole model, in both runs alike.
OPTIONS = PlanOptions(work_limit=0.5, seed=0, workers=2)

STARVED_RUN = textwrap.dedent(
    """
    import json, os, sys
    sys.path.insert(0, sys.argv[2])
    from kiban_platform.placement import solver as placement_solver
    from kiban_platform.placement.options import PlanOptions
    from kiban_platform.placement.plan import plan_placement
    from tests.kiban_platform.placement.builders import crowded_city

    os.sched_setaffinity(0, {int(sys.argv[1])})  # after the imports: only the planning is starved
    placement_solver.DIRECT_LIMIT = 0
    plan = plan_placement(crowded_city(), PlanOptions(work_limit=0.5, seed=0, workers=2))
    print(json.dumps({"where": [[p.vm.name, p.blade] for p in plan.placements], "method": plan.solve.method,
                      "work": plan.solve.work, "stopped": plan.stopped_by_time_limit}))
    """
)
BUSY_LOOP = "import os, sys\nos.sched_setaffinity(0, {int(sys.argv[1])})\nwhile True:\n    pass\n"


def _free_run(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(placement_solver, "DIRECT_LIMIT", 0)
    plan = plan_placement(crowded_city(), OPTIONS)
    return {
        "where": [[p.vm.name, p.blade] for p in plan.placements],
        "method": plan.solve.method,
        "work": plan.solve.work,
        "stopped": plan.stopped_by_time_limit,
    }


@pytest.mark.slow  # a minute of planning on one starved core
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs Linux CPU affinity to starve the planner")
def test_a_cpu_starved_plan_is_the_same_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    free = _free_run(monkeypatch)
    assert free["method"].startswith("lns(") and free["method"] != "lns(0 moves)", "the search must have worked"
    cpu = str(min(os.sched_getaffinity(0)))
    hogs = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP, cpu]) for _ in range(2)]
    try:
        starved = subprocess.run(
            [sys.executable, "-c", STARVED_RUN, cpu, str(REPO)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert starved.returncode == 0, starved.stderr
    assert json.loads(starved.stdout) == free
    assert free["stopped"] is False


def test_a_clock_that_runs_a_thousand_times_faster_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine where every step seems to take 1,000 s: only a ceiling it reaches could change the plan."""
    monkeypatch.setattr(placement_solver, "DIRECT_LIMIT", 0)
    # One worker: the worker pool's own timeouts read the clock too.
    options = replace(OPTIONS, time_limit=1e12, workers=1, work_limit=0.15)
    normal = plan_placement(crowded_city(), options)
    ticks = itertools.count()
    real = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: real() + 1000.0 * next(ticks))
    slow = plan_placement(crowded_city(), options)
    monkeypatch.undo()
    assert [p.blade for p in slow.placements] == [p.blade for p in normal.placements]
    assert slow.solve.method == normal.solve.method and slow.solve.work == normal.solve.work
    assert not slow.stopped_by_time_limit


def test_a_ceiling_reached_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(placement_solver, "DIRECT_LIMIT", 0)
    ticks = itertools.count()
    real = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: real() + 1000.0 * next(ticks))
    plan = plan_placement(crowded_city(), replace(OPTIONS, time_limit=1.0, workers=1, work_limit=0.15))
    monkeypatch.undo()
    assert plan.stopped_by_time_limit and "may differ" in plan.time_limit_warning()
