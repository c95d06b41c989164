"""The platform's middleware roles: its own module so that links (``spec.sites``) can name them too."""

from __future__ import annotations

from enum import StrEnum


class MiddlewareRole(StrEnum):
    JOB_MANAGEMENT = "job_management"
    INTEGRATION_HUB = "integration_hub"
    LOAD_BALANCER = "load_balancer"
    DATABASE = "database"
    MONITORING = "monitoring"
    TIME_NAME = "time_name"
    # Appended, never reordered: a role's position is its subnet in the platform segment.
    BASTION = "bastion"  # 踏み台: configured under `management`, not `middleware`
