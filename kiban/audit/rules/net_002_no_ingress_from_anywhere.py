"""KB-NET-002: no ingress from anywhere in the high and middle areas."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.facts import Direction, GroupRemote
from kiban.audit.findings import Severity
from kiban.audit.model import PROTECTED_LEVELS, StackView
from kiban.audit.paths import local_area
from kiban.audit.rules.base import Outcome, StackRule


class NoIngressFromAnywhere(StackRule):
    """No firewall rule in a high or middle area accepts traffic from every address.

    Applies to the firewall rules of resources in an area whose level is
    ``high`` (マイナンバー利用事務系) or ``middle`` (LGWAN接続系).
    Passes when none of the rule's ingress allow entries has a remote of
    0.0.0.0/0 or ::/0 (an OpenStack rule without any remote counts as one).
    Fails for each such entry. Rules in the internet area, and egress, are out
    of its scope (KB-NET-001 still judges where they lead).
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-NET-002",
            title="No ingress from anywhere in high and middle areas",
            severity=Severity.CRITICAL,
            category="network",
            reads=("permits",),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        topology = view.topology
        for resource in self.candidates(view):
            levelled = [
                (permit, topology.level(local_area(view, resource.urn, permit)))
                for permit in view.facts(resource.urn).permits
            ]
            if not any(level in PROTECTED_LEVELS for _, level in levelled):
                continue
            failures = [
                f"{permit.ports()} from anywhere ({permit.remote}) in a {level} area"
                for permit, level in levelled
                if level in PROTECTED_LEVELS
                and permit.allow
                and permit.direction == Direction.INGRESS
                and not isinstance(permit.remote, GroupRemote)
                and permit.remote.prefixlen == 0
            ]
            yield from self.verdicts(resource.urn, failures)


RULE = NoIngressFromAnywhere()
