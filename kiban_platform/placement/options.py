"""The planner's options and their defaults, importable without loading the solver."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

# The deterministic budget decides the plan: reference seconds of CP-SAT work (about wall seconds
# on the reference machine, two idle cores), counted by the solver, not by a clock.
DEFAULT_WORK_LIMIT = 10.0
# The wall-clock ceiling is a safety net well above what the default budget takes on a busy
# machine (a CPU-starved run of the sample takes about four times the reference time), so that
# it does not decide the plan; a run it stops may differ and says so.
DEFAULT_TIME_LIMIT = 300.0
DEFAULT_SEED = 0
DEFAULT_WORKERS = 2  # the planner's reference machine has two cores


@dataclass(frozen=True)
class PlanOptions:
    time_limit: float = DEFAULT_TIME_LIMIT  # wall seconds, a ceiling only (see work_limit)
    seed: int = DEFAULT_SEED
    workers: int = DEFAULT_WORKERS  # a plan is reproducible for one spec, seed, work limit and worker count
    work_limit: float = DEFAULT_WORK_LIMIT  # reference seconds of deterministic work: what decides the plan


class PlacementSettings(BaseModel):
    """Stack config ``kiban:placement``: whether and how the Pulumi program plans placement."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    enabled: bool = Field(default=True, description="plan blades and chassis; false: replicas round-robin over chassis")
    time_limit: float = Field(
        default=DEFAULT_TIME_LIMIT, gt=0, le=86400, description="wall-clock ceiling in seconds (a safety net)"
    )
    work_limit: float = Field(
        default=DEFAULT_WORK_LIMIT, gt=0, le=3600, description="deterministic solver budget, reference seconds"
    )
    seed: int = Field(default=DEFAULT_SEED, ge=0)
    plan_file: str | None = Field(
        default=None, min_length=1, description="a `kiban plan --format json` file to take placements from"
    )
    discover_plan_file: bool = Field(
        default=True,
        description="without planFile, take plans/<spec file stem>.json of the project when it exists",
    )

    def plan_options(self) -> PlanOptions | None:
        """How to plan now; None when the stack does not plan (disabled, or placements come from a file)."""
        if not self.enabled or self.plan_file is not None:
            return None
        return PlanOptions(time_limit=self.time_limit, seed=self.seed, work_limit=self.work_limit)


def placement_settings(raw: Mapping[str, Any] | None) -> PlacementSettings:
    """The stack's ``kiban:placement``; a ValueError names each bad key."""
    if raw is not None and not isinstance(raw, Mapping):
        raise ValueError("kiban:placement must be a mapping (enabled, planFile, timeLimit, workLimit, seed)")
    try:
        settings = PlacementSettings.model_validate(dict(raw or {}))
    except ValidationError as error:
        problems = "; ".join(f"kiban:placement.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ValueError(problems) from None
    return settings
