"""KB-PRV-003: the city pushes nothing above anonymized to a public cloud."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.hybrid import ANONYMIZED, PUBLIC_CLOUD, hybrid_of, rank, stack_urn
from kiban.audit.model import StackView
from kiban.audit.rules.base import Outcome, StackRule


class NothingPersonalToPublicCloud(StackRule):
    """A flow the city opens toward a public-cloud site carries nothing above ``anonymized``.

    Applies to a site stack of a spec with sites (its ``inventory`` names its
    ``site``) and to each cross-site flow (inventory ``cross_site_flows``) with
    an end at this site that the city can open toward a ``public_cloud`` site:
    one from a city site to it, or a two-way flow with it at either end.
    Fails when the flow's data class is above ``anonymized``, or is not given
    (an unclassed flow may carry anything). A public-cloud site's higher
    ceiling (its クラウド例外 or 委託 handling) covers what a resident's own
    service holds and calls in with, one way; it never lets the city push
    personal data out (the same rule as ``kiban validate``'s).
    Passes when none of these holds: one verdict per flow, on the stack.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-PRV-003",
            title="Nothing above anonymized toward a public cloud",
            severity=Severity.CRITICAL,
            category="privacy",
            reads=(),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        city = hybrid_of(view)
        if city is None:
            return
        urn = stack_urn(view)
        for crossing in city.crossings:
            if not crossing.touches(city.site):
                continue
            source_public = city.kind(crossing.source.site) == PUBLIC_CLOUD
            destination_public = city.kind(crossing.destination.site) == PUBLIC_CLOUD
            if destination_public and not source_public:
                cloud = crossing.destination.site
            elif crossing.one_way is not True and (source_public or destination_public):
                cloud = crossing.source.site if source_public else crossing.destination.site
            else:
                continue
            ceiling = ANONYMIZED
            data = rank(crossing.data)
            if data is None:
                yield self.fail(urn, f"flow {crossing.label} toward public cloud {cloud} names no data class")
            elif data > (rank(ceiling) or 0):
                message = f"flow {crossing.label} carries {crossing.data} to public cloud {cloud} (ceiling {ceiling})"
                yield self.fail(urn, message)
            else:
                yield self.pass_(urn)


RULE = NothingPersonalToPublicCloud()
