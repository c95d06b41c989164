"""KB-NET-001: no path between security areas except the declared flows."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.model import StackView
from kiban.audit.paths import crossings
from kiban.audit.rules.base import Outcome, StackRule


class DeclaredPathsOnly(StackRule):
    """Every allow rule that crosses areas is a declared flow.

    Applies to every firewall allow rule (security group rule, inline security
    group rule, network ACL allow entry) that sits in a security area, in a stack
    whose area map is known (kiban's ``inventory`` output or its SecurityArea
    components).
    Passes when each part of the rule's remote range (or remote security group)
    that lies in another area, or in no area at all, is allowed by a planned
    cross-area rule of the stack's flow plan (a declared flow of the spec) on the
    same protocol and ports, seen from the same end.
    Fails for each other area (or "(outside)") the rule reaches without such a
    flow. Rules that stay inside their own area pass.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-NET-001",
            title="No path between areas except declared flows",
            severity=Severity.CRITICAL,
            category="network",
            reads=("permits",),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        if not view.topology.areas:
            return
        for resource in self.candidates(view):
            failures = []
            for permit in view.facts(resource.urn).permits:
                if not permit.allow:
                    continue
                for crossing in crossings(view, resource.urn, permit):
                    if crossing.declared_by is None:
                        pair = crossing.oriented(permit.direction)
                        failures.append(
                            f"{permit.direction.value} {permit.ports()} {pair[0]} → {pair[1]} "
                            f"({crossing.shown}): no declared flow allows it"
                        )
            if view.area_of(resource.urn) is None and not failures:
                continue
            yield from self.verdicts(resource.urn, failures)


RULE = DeclaredPathsOnly()
