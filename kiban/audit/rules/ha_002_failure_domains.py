"""KB-HA-002: replicas are spread over distinct failure domains."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.groups import replica_groups
from kiban.audit.model import StackView
from kiban.audit.rules.base import Outcome, StackRule


class DistinctFailureDomains(StackRule):
    """Every replica group uses as many distinct availability zones as it can.

    Applies to each replica group of two or more instances. Zones are
    availability zones (kiban makes one per chassis); the zones the stack has are
    the ones its instances use.
    Passes when every member names a zone and the members span at least
    min(replicas, zones in the stack) distinct zones, so no two replicas share a
    chassis while another chassis has none of them.
    Fails when a member has no zone, or members share a zone that could be
    avoided.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-HA-002",
            title="Distinct failure domains per replicated tier",
            severity=Severity.HIGH,
            category="redundancy",
            reads=("member",),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        groups = replica_groups(view)
        zones = {zone for shape in groups.values() for zone in shape.zones if zone is not None}
        for group, shape in sorted(groups.items()):
            replicas = len(shape.members)
            if replicas < 2:
                continue
            urn = shape.members[0]
            unzoned = shape.zones.count(None)
            needed = min(replicas, len(zones))
            if unzoned:
                yield self.fail(urn, f"{group}: {unzoned} of {replicas} replicas name no availability zone")
            elif shape.distinct_zones < needed:
                used = ", ".join(sorted({zone for zone in shape.zones if zone is not None}))
                yield self.fail(
                    urn,
                    f"{group}: {replicas} replicas in {shape.distinct_zones} zone(s) ({used}); {needed} are possible",
                )
            else:
                yield self.pass_(urn)


RULE = DistinctFailureDomains()
