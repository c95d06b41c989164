"""KB-EXP-001: nothing in the high and middle areas has a public address."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.model import PROTECTED_LEVELS, StackView
from kiban.audit.rules.base import Outcome, StackRule


class NoPublicExposure(StackRule):
    """No public address or internet exposure in the high and middle areas.

    Applies to resources that can expose something (floating and elastic IPs,
    instances and subnets that assign public addresses, external networks and
    gateways, load balancers) and that sit in an area whose level is ``high`` or
    ``middle``.
    Passes when the resource exposes nothing (e.g. an internal load balancer).
    Fails for each exposure: the three-layer separation (三層の対策) allows no
    internet path into those areas. The internet area may expose services.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-EXP-001",
            title="No public exposure in high and middle areas",
            severity=Severity.CRITICAL,
            category="exposure",
            reads=("exposures",),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        for resource in self.candidates(view):
            level = view.topology.level(view.area_of(resource.urn))
            if level not in PROTECTED_LEVELS:
                continue
            exposures = view.facts(resource.urn).exposures
            if not exposures:
                yield self.pass_(resource.urn)
            for exposure in exposures:
                yield self.fail(resource.urn, f"{exposure} in a {level} area")


RULE = NoPublicExposure()
