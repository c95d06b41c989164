"""KB-DIFF-INGRESS: a security group that existed accepts more inside its own area."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.diff_checks._widenings import Widening, group_name, widenings
from kiban.audit.diff_checks.base import Comparison, DiffCheck
from kiban.audit.facts import Direction
from kiban.audit.findings import Finding, Severity
from kiban.audit.paths import remote_text, within


class IngressWidened(DiffCheck):
    """A security group that existed before now accepts more inside its own area: a broader address
    range or more ports. Rules of a new group are listed as added resources, not as widening.

    No audit rule forbids a group to accept more from its own area: this is a
    change to read, not a state to fail. What a widening lets in from other areas
    is KB-DIFF-PATH's; this check reports the rest (everything, when the stack has
    no area map).
    """

    def __init__(self) -> None:
        super().__init__(id="KB-DIFF-INGRESS", title="Ingress widened", severity=Severity.MEDIUM)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        new = comparison.new
        for widening in widenings(comparison):
            permit = widening.permit
            if widening.to_anywhere or permit.direction != Direction.INGRESS or not widening.existed:
                continue
            if not self._inside(comparison, widening):
                continue
            areas = new.topology.areas
            own = within(permit.remote, areas[widening.local].networks) if widening.local in areas else []
            shown = ", ".join(remote_text(part) for part in own) or remote_text(permit.remote)
            message = f"{group_name(new, widening.urn)}: now accepts {permit.ports()} from {shown}"
            yield self.finding(comparison, Severity.MEDIUM, message, widening.urn, details=widening.details)

    @staticmethod
    def _inside(comparison: Comparison, widening: Widening) -> bool:
        """Whether part of what is newly allowed stays in the group's own area (or resolves to no area)."""
        reached = {crossing.other for crossing in widening.crossed}
        return any(
            not (areas := comparison.new.remote_areas(piece.remote)) or areas - reached for piece in widening.pieces
        )


CHECK = IngressWidened()
