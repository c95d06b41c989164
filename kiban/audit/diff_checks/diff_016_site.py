"""KB-DIFF-SITE: a business moves to another site of the hybrid city."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.diff_checks.base import Comparison, DiffCheck
from kiban.audit.findings import Finding, Severity
from kiban.audit.hybrid import PUBLIC_CLOUD, hybrid_of, stack_urn


class BusinessMovedSite(DiffCheck):
    """A business runs at another site than before (the inventory's ``business_sites`` differ): high; critical
    when it moves to a public-cloud site. One finding per business.

    No audit rule says where a business belongs: the spec decides, and a move
    (dc1 to Government Cloud, step by step) is the migration itself. But a move
    changes who operates the business, which link its flows ride and which
    laws its data crosses, so the diff names it. Read from the city-wide
    ``business_sites`` that every site stack exports, so each site's diff sees
    every move.
    """

    def __init__(self) -> None:
        super().__init__(id="KB-DIFF-SITE", title="Business moved to another site", severity=Severity.HIGH)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        old, new = hybrid_of(comparison.old), hybrid_of(comparison.new)
        if old is None or new is None:
            return
        for business, before in sorted(old.business_sites.items()):
            after = new.business_sites.get(business)
            if after is None or after == before:
                continue
            severity = Severity.CRITICAL if new.kind(after) == PUBLIC_CLOUD else Severity.HIGH
            kinds = f" ({old.kind(before) or '?'} → {new.kind(after) or '?'})"
            message = f"business {business} moves from site {before} to site {after}{kinds}"
            yield self.finding(comparison, severity, message, stack_urn(comparison.new))


CHECK = BusinessMovedSite()
