"""KB-DIFF-ANYWHERE: a changed firewall rule now allows every address."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.diff_checks._widenings import group_name, widenings
from kiban.audit.diff_checks.base import Comparison, DiffCheck
from kiban.audit.findings import Finding, Severity
from kiban.audit.model import PROTECTED_LEVELS
from kiban.audit.rules.net_002_no_ingress_from_anywhere import RULE as NO_INGRESS_FROM_ANYWHERE


class OpenToAnywhere(DiffCheck):
    """A rule now allows traffic from or to every address (0.0.0.0/0 or ::/0, or a rule with no remote).
    Critical in the high and middle areas, high elsewhere.

    Not KB-NET-002 ("no ingress from anywhere in high and middle areas") newly
    failing: the rule judges ingress in those two areas only, the check also
    egress and every other area (a rule of the internet area opened to the whole
    internet is a change to read). Reported once per rule; where the area map is
    known, KB-DIFF-PATH reports the path it opens as well.
    """

    restates = (NO_INGRESS_FROM_ANYWHERE,)

    def __init__(self) -> None:
        super().__init__(id="KB-DIFF-ANYWHERE", title="Open to anywhere", severity=Severity.CRITICAL)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        topology = comparison.new.topology
        for widening in widenings(comparison):
            if not widening.to_anywhere:
                continue
            permit = widening.permit
            severity = Severity.CRITICAL if topology.level(widening.local) in PROTECTED_LEVELS else Severity.HIGH
            message = (
                f"{group_name(comparison.new, widening.urn)}: {permit.direction.value} {permit.ports()} "
                f"{widening.toward} anywhere ({permit.remote})"
            )
            yield self.finding(comparison, severity, message, widening.urn, details=widening.details)


CHECK = OpenToAnywhere()
