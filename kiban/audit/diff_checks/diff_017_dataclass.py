"""KB-DIFF-DATACLASS: a flow now carries a higher class of data."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.diff_checks.base import Comparison, DiffCheck
from kiban.audit.findings import Finding, Severity
from kiban.audit.hybrid import MY_NUMBER, PERSONAL, HybridCity, at_least, hybrid_of, rank, stack_urn


class DataClassRises(DiffCheck):
    """A declared or cross-site flow carries a higher data class than before (public < anonymized <
    pseudonymized < personal < special_care < my_number): critical when it now carries my_number, high when
    personal or special care, medium otherwise. One finding per flow.

    No audit rule: a flow's class is the spec's word, checked against the sites'
    and areas' ceilings when the spec is validated (KB-PRV-001/003 judge where
    the result may go). What the diff adds is the rise itself, which calls for a
    look at the flow's legal basis and the systems at both ends. A flow's class
    is the highest any inventory entry of it gives (its planned rules, its
    cross-site entry); a flow new in NEW is not a rise.
    """

    def __init__(self) -> None:
        super().__init__(id="KB-DIFF-DATACLASS", title="Flow's data class rises", severity=Severity.HIGH)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        old, new = hybrid_of(comparison.old), hybrid_of(comparison.new)
        if old is None or new is None:
            return
        before, after = flow_classes(old), flow_classes(new)
        crossing = {item.flow for item in new.crossings}
        for flow, data in sorted(after.items()):
            was = before.get(flow)
            if was is None or (rank(data) or 0) <= (rank(was) or 0):
                continue
            if data == MY_NUMBER:
                severity = Severity.CRITICAL
            elif at_least(data, PERSONAL):
                severity = Severity.HIGH
            else:
                severity = Severity.MEDIUM
            where = "cross-site flow" if flow in crossing else "flow"
            message = f"{where} {flow} now carries {data} (was {was})"
            yield self.finding(comparison, severity, message, stack_urn(comparison.new))


def flow_classes(city: HybridCity) -> dict[str, str]:
    """Flow id -> the highest data class any inventory entry of it names."""
    found: dict[str, str] = {}
    entries = [(item.get("flow"), item.get("data")) for item in city.flows]
    entries += [(item.flow, item.data) for item in city.crossings]
    for flow, data in entries:
        if not isinstance(flow, str) or rank(data) is None:
            continue
        known = found.get(flow)
        if known is None or (rank(data) or 0) > (rank(known) or 0):
            found[flow] = str(data)
    return found


CHECK = DataClassRises()
