"""Replica groups: the instances of one host group, where they run and how strictly they are kept apart."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kiban.audit.facts import Spread
from kiban.audit.model import StackView


@dataclass(frozen=True)
class GroupShape:
    """A replica group as deployed: how many, in which zones, how strictly apart."""

    members: tuple[str, ...]
    zones: tuple[str | None, ...]
    spread: Spread
    spread_label: str

    @property
    def distinct_zones(self) -> int:
        return len({zone for zone in self.zones if zone is not None})


def replica_groups(view: StackView) -> dict[str, GroupShape]:
    """Every replica group of ``view`` (instances naming the same group), by group id."""
    members: dict[str, list[str]] = defaultdict(list)
    for resource in view.having("member"):
        member = view.facts(resource.urn).member
        if member is not None and member.group is not None:
            members[member.group].append(resource.urn)
    shapes = {}
    for group, urns in members.items():
        facts = [view.facts(urn).member for urn in urns]
        refs = {member.spread_ref for member in facts if member is not None}
        spread, label = Spread.NONE, "none"
        if len(refs) == 1 and None not in refs:
            (ref,) = refs
            policy = view.facts(ref).spread if ref is not None and ref in view else None
            if policy is not None:
                spread, label = policy
        elif len(refs) > 1:
            label = "members in different placement groups"
        zones = tuple(member.zone if member is not None else None for member in facts)
        shapes[group] = GroupShape(tuple(urns), zones, spread, label)
    return shapes
