"""KB-OPS-001: every host is covered by monitoring, job management and log collection."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.hybrid import stack_urn
from kiban.audit.model import StackView
from kiban.audit.operations import (
    BATCH,
    JOB_MANAGEMENT,
    LOGS,
    MONITORING,
    HostGroup,
    OperationsView,
    manager_failures,
    operations_of,
    plane_failures,
)
from kiban.audit.rules.base import Outcome, StackRule


class OperationsCoverage(StackRule):
    """Every host group of the inventory reaches its area's monitoring (which also collects logs) and,
    for a batch tier, its area's job manager; at a site stack, those reach the city's one plane.

    Reads the stack's ``inventory``: its hosts (by host group and area), its planned rules (``flows``)
    and, at a site stack, ``operations`` and ``cross_site_flows``. One verdict per host group, on the
    stack; a stack with no hosts in its inventory (a public cloud's) has nothing to judge.
    Fails when a host group (other than the role itself) has no planned rule to
    ``monitoring@<area>``, or a batch tier none to ``job_management@<area>``. A single-site stack,
    or a site stack of a spec without ``operations``, declares no plane: an area whose middleware
    has no such role is not judged for it. A site stack with ``operations`` also fails a host group
    when, for the monitoring, log and (batch tiers) job planes: at a relay's site, the relay of its
    area (the role in that area here) has no cross-site flow toward the manager's site in
    ``cross_site_flows``, or this stack does not install it; at the manager's site, the role does
    not run in its area. At the manager's site one more verdict per plane fails when a relay's flow
    is not admitted by the manager's rules.
    Passes when none of these holds.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-OPS-001",
            title="Every host is monitored, its logs collected, its batch work managed",
            severity=Severity.HIGH,
            category="operations",
            reads=(),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        ops = operations_of(view)
        if ops is None or not ops.groups:
            return
        urn = stack_urn(view)
        for group in ops.groups:
            yield from self.verdicts(urn, _group_failures(ops, group))
        for plane in (MONITORING, LOGS, JOB_MANAGEMENT):
            info = ops.planes.get(plane)
            if info is not None and ops.site == info.manager_site:
                yield from self.verdicts(urn, manager_failures(ops, info))


def _local_failure(ops: OperationsView, group: HostGroup, role: str, what: str) -> list[str]:
    target = f"{role}@{group.area}"
    if group.role == role:
        return []
    declared = ops.site is not None and any(plane.role == role for plane in ops.planes.values())
    if not declared and not ops.group_exists(target):
        return []  # no plane declared, and the area runs no such role: not judged
    if ops.reaches(group.group, target):
        return []
    return [f"{group.group} ({group.area}): no planned rule to {target}: not reached by {what}"]


def _group_failures(ops: OperationsView, group: HostGroup) -> list[str]:
    failures = _local_failure(ops, group, MONITORING, "monitoring and log collection")
    batch = group.tier == BATCH
    if batch:
        failures += _local_failure(ops, group, JOB_MANAGEMENT, "job management")
    for plane in (MONITORING, LOGS, *((JOB_MANAGEMENT,) if batch else ())):
        info = ops.planes.get(plane)
        if info is not None:
            failures += plane_failures(ops, info, group)
    return failures


RULE = OperationsCoverage()
