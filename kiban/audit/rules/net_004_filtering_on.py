"""KB-NET-004: packet filtering stays on for every network and port."""

from __future__ import annotations

from kiban.audit.facts import Facts
from kiban.audit.findings import Severity
from kiban.audit.resource import Resource
from kiban.audit.rules.base import ResourceRule


class FilteringOn(ResourceRule):
    """Security groups apply on every network and port.

    Applies to networks and ports (OpenStack).
    Passes when port security is not turned off and the port is not marked as
    having no security groups.
    Fails when ``portSecurityEnabled`` is false (on the network or the port) or
    ``noSecurityGroups`` is true: the flow plan's rules would not apply there.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-NET-004",
            title="Packet filtering on",
            severity=Severity.HIGH,
            category="network",
            reads=("filtering_off",),
        )

    def check(self, resource: Resource, facts: Facts) -> list[str] | None:
        return list(facts.filtering_off)


RULE = FilteringOn()
