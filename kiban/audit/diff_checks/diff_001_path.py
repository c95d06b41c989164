"""KB-DIFF-PATH: a changed firewall rule opens a new or wider path between security areas."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.diff_checks._widenings import Widening, group_name, old_pairs, widenings
from kiban.audit.diff_checks.base import Comparison, DiffCheck
from kiban.audit.facts import Direction
from kiban.audit.findings import Finding, Severity
from kiban.audit.model import HIGH, OUTSIDE, PROTECTED_LEVELS
from kiban.audit.paths import Crossing
from kiban.audit.rules.net_001_declared_paths import RULE as DECLARED_PATHS_ONLY


class NewPath(DiffCheck):
    """A firewall rule now lets traffic cross from one area to another (or to/from addresses in no area)
    where the old state did not. Critical when it touches the high area or comes from outside into the
    high or middle area, high otherwise; medium when the new stack's flow plan declares it.

    Not KB-NET-001 ("no path between areas except declared flows") newly failing:
    the rule judges whether a path exists undeclared, the check whether a change
    opens or widens one, declared or not, because a declared flow that gets wider
    still deserves a reviewer's look. A rule that now allows every address opens
    a path from (or to) anywhere: one finding for the area it opens, next to its
    KB-DIFF-ANYWHERE finding. A rule that did not change but moved to another area
    (its component re-parented) reports only the area pairs it did not connect.
    """

    restates = (DECLARED_PATHS_ONLY,)

    def __init__(self) -> None:
        super().__init__(
            id="KB-DIFF-PATH", title="New or wider path between security areas", severity=Severity.CRITICAL
        )

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        for widening in widenings(comparison):
            if widening.to_anywhere:
                if widening.local is not None and comparison.new.topology.areas:
                    yield self._from_anywhere(comparison, widening)
                continue
            for crossing in widening.crossed:
                pair = crossing.oriented(widening.permit.direction)
                if widening.new_pairs is None or pair in widening.new_pairs:
                    yield self._crossing(comparison, widening, crossing)

    def _from_anywhere(self, comparison: Comparison, widening: Widening) -> Finding:
        permit, local = widening.permit, widening.local
        ends = (OUTSIDE, local) if permit.direction == Direction.INGRESS else (local, OUTSIDE)
        named = tuple("anywhere" if end == OUTSIDE else end for end in ends)
        wider = "wider" if ends in old_pairs(comparison) else "new"
        level = comparison.new.topology.level(local)
        severity = Severity.CRITICAL if level in PROTECTED_LEVELS else Severity.HIGH
        message = (
            f"{wider} path {named[0]} → {named[1]}: {group_name(comparison.new, widening.urn)} "
            f"{permit.direction.value} {permit.ports()} {widening.toward} {permit.remote} "
            "(every address; no declared flow allows it)"
        )
        return self.finding(comparison, severity, message, widening.urn, details=widening.details)

    def _crossing(self, comparison: Comparison, widening: Widening, crossing: Crossing) -> Finding:
        permit, topology = widening.permit, comparison.new.topology
        pair = crossing.oriented(permit.direction)
        if crossing.declared_by is not None:
            flows = crossing.flows
            severity, why = Severity.MEDIUM, f"declared: flow {', '.join(flows)}" if flows else "in the flow plan"
        else:
            local_level = topology.level(widening.local)
            levels = {topology.level(crossing.other), local_level}
            into_protected = crossing.other == OUTSIDE and local_level in PROTECTED_LEVELS
            severity = Severity.CRITICAL if HIGH in levels or into_protected else Severity.HIGH
            why = "no declared flow allows it"
        wider = "wider" if pair in old_pairs(comparison) else "new"
        message = (
            f"{wider} path {pair[0]} → {pair[1]}: {group_name(comparison.new, widening.urn)} "
            f"{permit.direction.value} {permit.ports()} {widening.toward} {crossing.shown} ({why})"
        )
        return self.finding(comparison, severity, message, widening.urn, details=widening.details)


CHECK = NewPath()
