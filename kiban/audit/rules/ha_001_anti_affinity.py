"""KB-HA-001: replicated tiers are anti-affine."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.facts import Spread
from kiban.audit.findings import Severity
from kiban.audit.groups import replica_groups
from kiban.audit.model import StackView
from kiban.audit.rules.base import Outcome, StackRule


class ReplicasAntiAffine(StackRule):
    """Every replica group of two or more instances is in one hard anti-affinity group.

    Applies to each replica group: the instances naming the same host group
    (OpenStack metadata ``kiban-group``, AWS tag ``kiban-group``) when there are
    at least two of them.
    Passes when all members reference the same server group (OpenStack) or
    placement group (AWS) and its policy keeps members apart strictly:
    ``anti-affinity``, or the ``spread``/``partition`` strategy.
    Fails when a member has none, members are in different groups, or the policy
    is soft (``soft-anti-affinity``) or packs them (``affinity``, ``cluster``).
    A tier the spec marks ``anti_affinity: false`` fails by design: waive it.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-HA-001",
            title="Anti-affinity per replicated tier",
            severity=Severity.HIGH,
            category="redundancy",
            reads=("member",),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        for group, shape in sorted(replica_groups(view).items()):
            if len(shape.members) < 2:
                continue
            urn = shape.members[0]
            if shape.spread == Spread.HARD:
                yield self.pass_(urn)
            else:
                yield self.fail(
                    urn, f"{group}: {len(shape.members)} replicas without hard anti-affinity ({shape.spread_label})"
                )


RULE = ReplicasAntiAffine()
