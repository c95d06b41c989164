"""KB-NET-003: each VLAN carries one segment of one area."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.model import StackView
from kiban.audit.rules.base import Outcome, StackRule


class OneVlanOneSegment(StackRule):
    """A VLAN (segmentation id on one physical network) belongs to one network, in one area.

    Applies to every network with VLAN segments (OpenStack provider networks).
    Passes when no other network of the stack uses the same VLAN on the same
    physical network, and, when the area map lists each area's VLANs, the VLAN is
    not one listed for another area.
    Fails otherwise, naming the other networks or the area the VLAN belongs to:
    two areas (or two segments) on one VLAN are one broadcast domain, whatever
    the firewall rules say.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-NET-003",
            title="One VLAN, one segment, one area",
            severity=Severity.CRITICAL,
            category="network",
            reads=("vlans",),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        users: dict[tuple[str | None, int], list[str]] = defaultdict(list)
        for resource in self.candidates(view):
            for vlan in view.facts(resource.urn).vlans:
                users[(vlan.physical_network, vlan.vlan)].append(resource.urn)
        listed = {vlan: area.id for area in view.topology.areas.values() for vlan in area.vlans}
        for resource in self.candidates(view):
            facts = view.facts(resource.urn)
            if not facts.vlans:
                continue
            area = view.area_of(resource.urn)
            failures = []
            for vlan in facts.vlans:
                others = [urn for urn in users[(vlan.physical_network, vlan.vlan)] if urn != resource.urn]
                if others:
                    names = ", ".join(
                        f"{view.resources[urn].name} ({view.area_of(urn) or 'no area'})" for urn in others
                    )
                    failures.append(f"VLAN {vlan.vlan} is also used by {names}")
                owner = listed.get(vlan.vlan)
                if owner is not None and area is not None and owner != area:
                    failures.append(f"VLAN {vlan.vlan} belongs to area {owner}, not {area}")
            yield from self.verdicts(resource.urn, failures)


RULE = OneVlanOneSegment()
