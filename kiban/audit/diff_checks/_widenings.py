"""What the changed firewall rules newly allow: shared by KB-DIFF-PATH, KB-DIFF-ANYWHERE and KB-DIFF-INGRESS.

A widening is the part of a changed allow rule that no rule of the same
security group and direction allowed in OLD (``audit.coverage``), or the area
pairs an unchanged rule connects after it moved to another area. The three
checks read one list, computed once per comparison, in the same order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kiban.audit.changes import ChangeKind
from kiban.audit.coverage import Piece, uncovered
from kiban.audit.diff_checks.base import Comparison
from kiban.audit.facts import Direction, GroupRemote, Permit
from kiban.audit.model import StackView
from kiban.audit.paths import Crossing, crossings, local_area, remote_text

_WIDENINGS, _OLD_PAIRS = "widenings", "widenings.old_pairs"
_SECURITY_GROUPS = ("secGroup:SecGroup", "securityGroup:SecurityGroup")


@dataclass
class Widening:
    """What one changed rule newly allows, before it becomes findings."""

    urn: str
    permit: Permit
    pieces: list[Piece]
    local: str | None
    existed: bool  # the rule's group was in the old state
    new_pairs: set[tuple[str, str]] | None = None  # a moved, unchanged rule: only the area pairs it did not connect
    # Where the newly allowed pieces cross into other areas (none for a rule open to every address).
    crossed: list[Crossing] = field(default_factory=list)

    @property
    def to_anywhere(self) -> bool:
        """The rule allows every address (0.0.0.0/0, ::/0, or no remote at all)."""
        return not isinstance(self.permit.remote, GroupRemote) and self.permit.remote.prefixlen == 0

    @property
    def toward(self) -> str:
        return "from" if self.permit.direction == Direction.INGRESS else "to"

    @property
    def details(self) -> dict[str, object]:
        return {"newly_allowed": [_describe(piece, self.permit.protocol) for piece in self.pieces]}


def widenings(comparison: Comparison) -> list[Widening]:
    """Every widening of the comparison, changed rules first, then moved ones (computed once)."""
    cached = comparison.memo.get(_WIDENINGS)
    if isinstance(cached, list):
        return cached
    changed = {change.urn for change in comparison.changes}
    found = _changed(comparison) + _moved(comparison, changed)
    for widening in found:
        if not widening.to_anywhere:
            remotes = [piece.remote for piece in widening.pieces]
            widening.crossed = crossings(comparison.new, widening.urn, widening.permit, remotes)
    comparison.memo[_WIDENINGS] = found
    return found


def old_pairs(comparison: Comparison) -> set[tuple[str, str]]:
    """(from area, to area) pairs some allow rule of OLD connects, as seen at either end (computed once)."""
    cached = comparison.memo.get(_OLD_PAIRS)
    if isinstance(cached, set):
        return cached
    old = comparison.old
    pairs: set[tuple[str, str]] = set()
    for (scope, direction), permits in _permit_index(old).items():
        local = old.area_of(scope) if scope in old else None
        if local is None:
            continue
        for permit in permits:
            if not permit.allow:
                continue
            for other in old.remote_areas(permit.remote):
                pairs.add((other, local) if direction == Direction.INGRESS else (local, other))
    comparison.memo[_OLD_PAIRS] = pairs
    return pairs


def group_name(view: StackView, urn: str) -> str:
    """How a finding names a rule: "group (rule)" for a rule of a security group, else the resource's name."""
    resource = view.resources[urn]
    parent = view.resources.get(resource.parent) if resource.parent else None
    group = parent.name if parent is not None and parent.type.endswith(_SECURITY_GROUPS) else None
    return f"{group} ({resource.name})" if group else resource.name


def _describe(piece: Piece, protocol: str) -> str:
    ports = Permit(Direction.INGRESS, protocol, piece.first, piece.last, piece.remote).ports()
    return f"{ports} {remote_text(piece.remote)}"


def _permit_index(view: StackView, scopes: set[str] | None = None) -> dict[tuple[str, Direction], list[Permit]]:
    """Permits by (security group, direction); ``scopes``: only those groups' (the rest is never read)."""
    wanted: set[str] | None = None
    if scopes is not None:
        # A rule belongs to its group by being the group, its child, or naming the group's id in an input;
        # testing that on the raw resource spares interpreting the thousands of rules of other groups.
        wanted = set(scopes) | {view.resources[s].id or "" for s in scopes if s in view.resources}
    index: dict[tuple[str, Direction], list[Permit]] = defaultdict(list)
    for resource in view.having("permits"):
        if wanted is not None and not (
            resource.urn in wanted
            or resource.parent in wanted
            or any(isinstance(item, str) and item in wanted for item in resource.inputs.values())
        ):
            continue
        for permit in view.facts(resource.urn).permits:
            index[(permit.scope or resource.urn, permit.direction)].append(permit)
    return index


def _changed(comparison: Comparison) -> list[Widening]:
    """What each added or updated allow rule allows beyond the old rules of its group and direction."""
    old, new = comparison.old, comparison.new
    touched: dict[tuple[str, Direction], list[tuple[str, Permit]]] = defaultdict(list)
    for change in comparison.changes:
        if change.kind == ChangeKind.REMOVED or not comparison.may(new, change.urn, "permits"):
            continue
        for permit in new.facts(change.urn).permits:
            if permit.allow:
                touched[(permit.scope or change.urn, permit.direction)].append((change.urn, permit))
    if not touched:
        return []
    old_index = _permit_index(old, {scope for scope, _ in touched})
    found = []
    for (scope, direction), items in touched.items():
        for urn, permit in items:
            pieces = uncovered(permit, old_index.get((scope, direction), []))
            if pieces:
                found.append(Widening(urn, permit, pieces, local_area(new, urn, permit), scope in old))
    return found


def _moved(comparison: Comparison, changed: set[str]) -> list[Widening]:
    """An unchanged rule that moved to another area connects other areas: what it connects now and did not."""
    old, new = comparison.old, comparison.new
    found = []
    for urn in comparison.moved:
        if urn in changed or not comparison.may(new, urn, "permits"):
            continue
        for permit in new.facts(urn).permits:
            if not permit.allow:
                continue
            before = {crossing.oriented(permit.direction) for crossing in crossings(old, urn, permit)}
            now = {crossing.oriented(permit.direction) for crossing in crossings(new, urn, permit)}
            if now - before:
                piece = Piece(permit.first, permit.last, permit.remote)
                found.append(Widening(urn, permit, [piece], local_area(new, urn, permit), False, now - before))
    return found
