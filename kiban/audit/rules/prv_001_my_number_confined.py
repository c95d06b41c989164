"""KB-PRV-001: 特定個人情報 crosses sites only between high areas of the city's own sites and Government Cloud."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.hybrid import GOVERNMENT_CLOUD, MY_NUMBER, ON_PREM, hybrid_of, stack_urn
from kiban.audit.model import HIGH, StackView
from kiban.audit.rules.base import Outcome, StackRule

CONFINED_KINDS = frozenset({ON_PREM, GOVERNMENT_CLOUD})


class MyNumberConfined(StackRule):
    """A cross-site ``my_number`` flow joins high areas of on-prem or Government Cloud sites, over a closed and
    encrypted link.

    Applies to a site stack of a spec with sites (its ``inventory`` names its
    ``site``) and to each cross-site flow (inventory ``cross_site_flows``) of
    data class ``my_number`` with an end at this site.
    Fails when either end is at a site whose kind is not ``on_prem`` or
    ``government_cloud`` (a public cloud, or a site the inventory does not
    know); when either end's area is not a ``high`` area in this stack's area
    map (an area this site does not carry counts as not high: 特定個人情報
    stays in the マイナンバー利用事務系); and when the link it rides is over
    the ``internet`` carrier or not encrypted.
    Passes when none of these holds: one verdict per flow, on the stack.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-PRV-001",
            title="My Number data confined",
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
            if crossing.data != MY_NUMBER or not crossing.touches(city.site):
                continue
            failures = []
            for end in (crossing.source, crossing.destination):
                kind = city.kind(end.site)
                if kind not in CONFINED_KINDS:
                    failures.append(f"my_number flow {crossing.label}: site {end.site} is {kind or 'unknown'}")
                # This stack's areas, else the city's (a far site's area need not be carried here).
                known = view.topology.level(end.area) or (city.area_levels.get(end.area) if end.area else None)
                if known != HIGH:
                    level = known or "unknown"
                    failures.append(f"my_number flow {crossing.label}: area {end.area} at {end.site} is {level}")
            link = city.links.get(crossing.link) if crossing.link is not None else None
            if link is not None and link.carrier == "internet":
                failures.append(f"my_number flow {crossing.label} rides link {link.id} over the internet")
            if link is not None and link.encryption in (None, "none"):
                failures.append(f"my_number flow {crossing.label} rides link {link.id}, which is not encrypted")
            yield from self.verdicts(urn, failures)


RULE = MyNumberConfined()
