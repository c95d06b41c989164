"""KB-DIFF-VLAN: a network's VLAN changed, or now belongs to another area."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from kiban.audit.changes import ChangeKind, ResourceChange
from kiban.audit.diff_checks.base import Comparison, DiffCheck
from kiban.audit.facts import Vlan
from kiban.audit.findings import Finding, Severity
from kiban.audit.model import StackView
from kiban.audit.rules.net_003_one_vlan_one_segment import RULE as ONE_VLAN_ONE_SEGMENT

# (physical network, VLAN) -> the areas whose networks use it.
Owners = dict[tuple[str | None, int], set[str]]
_OWNERS = "vlan.owners"


class VlanChanged(DiffCheck):
    """A network's VLAN (segmentation id) changed (medium), or a network now uses a VLAN of another area or
    one another area's network already uses (critical).

    Not KB-NET-003 ("one VLAN, one segment, one area") newly failing: a
    renumbered VLAN breaks no rule yet re-wires a segment (medium), and the
    critical case counts other areas only, in one finding per VLAN naming them
    all. An unchanged VLAN that already clashed in OLD is the audit's to report,
    not the change's.
    """

    restates = (ONE_VLAN_ONE_SEGMENT,)

    def __init__(self) -> None:
        super().__init__(id="KB-DIFF-VLAN", title="VLAN changed", severity=Severity.MEDIUM)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        for change in comparison.changes:
            if change.kind == ChangeKind.REMOVED:
                continue
            vlans = comparison.new.facts(change.urn).vlans
            before = comparison.old.facts(change.urn).vlans if change.kind == ChangeKind.UPDATED else None
            old_vlans = {vlan.vlan for vlan in before} if before is not None else None
            for vlan in vlans:
                if old_vlans is None or vlan.vlan not in old_vlans:
                    yield from self._judge(comparison, change, vlan, old_vlans)

    def _judge(
        self, comparison: Comparison, change: ResourceChange, vlan: Vlan, old_vlans: set[int] | None
    ) -> Iterator[Finding]:
        area = change.location.area
        shared = _owners(comparison).get((vlan.physical_network, vlan.vlan), set()) - {area or "(no area)"}
        planned = _planned_area(comparison.new, vlan.vlan)
        foreign = planned is not None and area is not None and planned != area
        if shared or foreign:
            others = ", ".join(sorted(shared | ({planned} if foreign and planned else set())))
            message = f"{change.name}: VLAN {vlan.vlan} belongs to another area ({others})"
            yield self.finding(comparison, Severity.CRITICAL, message, change.urn)
        elif old_vlans is not None:
            was = ", ".join(str(number) for number in sorted(old_vlans)) or "none"
            yield self.finding(comparison, Severity.MEDIUM, f"{change.name}: VLAN {was} → {vlan.vlan}", change.urn)


def _owners(comparison: Comparison) -> Owners:
    """Which areas use each VLAN in NEW (computed once)."""
    cached = comparison.memo.get(_OWNERS)
    if isinstance(cached, dict):
        return cached
    new = comparison.new
    owners: Owners = defaultdict(set)
    for resource in new.having("vlans"):
        for vlan in new.facts(resource.urn).vlans:
            owners[(vlan.physical_network, vlan.vlan)].add(new.area_of(resource.urn) or "(no area)")
    comparison.memo[_OWNERS] = owners
    return owners


def _planned_area(view: StackView, vlan: int) -> str | None:
    """The area whose VLAN range the area map lists ``vlan`` in."""
    for area in view.topology.areas.values():
        if vlan in area.vlans:
            return area.id
    return None


CHECK = VlanChanged()
