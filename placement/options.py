"""The planner's options and their defaults, importable without loading the solver."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TIME_LIMIT = 10.0
DEFAULT_SEED = 0
DEFAULT_WORKERS = 2  # the planner's reference machine has two cores


@dataclass(frozen=True)
class PlanOptions:
    time_limit: float = (
        DEFAULT_TIME_LIMIT  # reference seconds: wall seconds on 2 cores, deterministic (placement.cpsat)
    )
    seed: int = DEFAULT_SEED
    workers: int = DEFAULT_WORKERS  # a plan is reproducible for one spec, seed and worker count
