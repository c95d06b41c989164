"""KB-OPS-002: every host's time and name sources lead to the city's authority."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.hybrid import stack_urn
from kiban.audit.model import StackView
from kiban.audit.operations import TIME_NAME, HostGroup, OperationsView, manager_failures, operations_of, plane_failures
from kiban.audit.rules.base import Outcome, StackRule

# NTP and DNS: what a relay must forward to the authority for both time and names to lead there.
TIME_AND_NAME_PORTS = ("123/udp", "53/udp")


class TimeAndNames(StackRule):
    """Every host group takes its time and names from its area's ``time_name`` servers, and at a site
    stack those follow the declared authority.

    Reads the stack's ``inventory``. One verdict per host group, on the stack; a stack with no hosts
    has nothing to judge.
    Fails when a host group (other than ``time_name`` itself) has no planned rule to
    ``time_name@<area>``; in a single-site stack, or a site stack without ``operations``, an area
    with no ``time_name`` is not judged. A site stack with a ``time_name`` plane in ``operations``
    also fails a host group when, at a site other than the authority's, its area's relay has no
    cross-site flow toward the authority's site in ``cross_site_flows``, the flow lacks 123/udp or
    53/udp (time and names both lead there), or this stack does not install it; at the authority's
    site, when the authority does not run in its area. At the authority's site one more verdict
    fails when a relay's flow is not admitted.
    Passes when none of these holds.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-OPS-002",
            title="Time and name sources lead to the city's authority",
            severity=Severity.MEDIUM,
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
        plane = ops.planes.get(TIME_NAME)
        if plane is not None and ops.site == plane.manager_site:
            yield from self.verdicts(urn, manager_failures(ops, plane))


def _group_failures(ops: OperationsView, group: HostGroup) -> list[str]:
    failures: list[str] = []
    target = f"{TIME_NAME}@{group.area}"
    plane = ops.planes.get(TIME_NAME) if ops.site is not None else None
    judged = group.role != TIME_NAME and (plane is not None or ops.group_exists(target))
    if judged and not ops.reaches(group.group, target):
        failures.append(f"{group.group} ({group.area}): no planned rule to {target}: no time or name source")
    if plane is None:
        return failures
    failures += plane_failures(ops, plane, group)
    relay = plane.relay_at(ops.site or "", group.area)
    if relay is not None and ops.site != plane.manager_site:
        crossing = ops.crossing(relay.flow, ops.site or "", plane.manager_site, group.area)
        ports = crossing.get("ports") if crossing is not None else None
        missing = [port for port in TIME_AND_NAME_PORTS if not isinstance(ports, list) or port not in ports]
        if crossing is not None and missing:
            failures.append(
                f"{group.group}: the relay's flow {relay.flow} toward {plane.manager_site} lacks {', '.join(missing)}"
            )
    return failures


RULE = TimeAndNames()
