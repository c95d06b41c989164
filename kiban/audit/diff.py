"""``kiban diff``: what a change between two states means for security.

Changes are listed by area, tenant and resource (``audit.changes``); findings
say what they mean (see DIFF_RULES for each kind and its severity). Findings are
computed from the facts of the resources that changed and of their context only
(the same security group, the same replica group), so a diff of thousands of
resources costs little more than reading them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from kiban.audit.changes import PARENT, Action, ChangeKind, ResourceChange, resource_changes
from kiban.audit.coverage import Piece, uncovered
from kiban.audit.diff_findings import inventory, replicas, routes
from kiban.audit.facts import Direction, GroupRemote, Permit
from kiban.audit.findings import Finding, RuleInfo, Severity, sort_key, worst
from kiban.audit.groups import replica_groups
from kiban.audit.model import HIGH, OUTSIDE, PROTECTED_LEVELS, Location, StackView
from kiban.audit.paths import crossings, local_area, remote_text, within
from kiban.audit.replace import classify
from kiban.audit.state import StackState, rebase, root_urn, urn_prefix
from kiban.audit.values import resource_name

PATH, ANYWHERE, INGRESS, REDUNDANCY = "KB-DIFF-PATH", "KB-DIFF-ANYWHERE", "KB-DIFF-INGRESS", "KB-DIFF-REDUNDANCY"
ENCRYPTION, IMDS, EXPOSURE, FILTERING = "KB-DIFF-ENCRYPTION", "KB-DIFF-IMDS", "KB-DIFF-EXPOSURE", "KB-DIFF-FILTERING"
TENANCY, VLAN, PENDING = "KB-DIFF-TENANCY", "KB-DIFF-VLAN", "KB-DIFF-PENDING"

DIFF_RULES: dict[str, RuleInfo] = {
    info.id: info
    for info in (
        RuleInfo(
            PATH,
            "New or wider path between security areas",
            Severity.CRITICAL,
            "A firewall rule now lets traffic cross from one area to another (or to/from addresses in no area) "
            "where the old state did not. Critical when it touches the high area or comes from outside into the "
            "high or middle area, high otherwise; medium when the new stack's flow plan declares it.",
        ),
        RuleInfo(
            ANYWHERE,
            "Open to anywhere",
            Severity.CRITICAL,
            "A rule now allows traffic from or to every address (0.0.0.0/0 or ::/0, or a rule with no remote). "
            "Critical in the high and middle areas, high elsewhere.",
        ),
        RuleInfo(
            INGRESS,
            "Ingress widened",
            Severity.MEDIUM,
            "A security group that existed before now accepts more inside its own area: a broader address "
            "range or more ports. Rules of a new group are listed as added resources, not as widening.",
        ),
        RuleInfo(
            REDUNDANCY,
            "Redundancy reduced",
            Severity.HIGH,
            "A replica group lost replicas (high when one is left, medium otherwise), lost its anti-affinity "
            "(high), or now shares availability zones it did not share (high when all share one, else medium).",
        ),
        RuleInfo(
            ENCRYPTION,
            "Encryption at rest off",
            Severity.HIGH,
            "A disk that was encrypted is not any more (high), or a new disk is unencrypted (medium). Only where "
            "the provider expresses encryption on the resource (AWS; not OpenStack volumes).",
        ),
        RuleInfo(
            IMDS,
            "IMDSv2 off",
            Severity.HIGH,
            "An instance or launch template that required IMDSv2 session tokens does not any more (high), or a new "
            "one does not (medium).",
        ),
        RuleInfo(
            EXPOSURE,
            "Public address or exposure added",
            Severity.CRITICAL,
            "A floating or public IP, an external network or gateway, or an internet-facing load balancer appears. "
            "Critical in the high and middle areas, high elsewhere.",
        ),
        RuleInfo(
            FILTERING,
            "Packet filtering turned off",
            Severity.CRITICAL,
            "Port security or security groups are switched off on a network or port, so no rule applies there. "
            "Critical in the high and middle areas, high elsewhere.",
        ),
        RuleInfo(
            TENANCY,
            "Moved between tenants or areas",
            Severity.HIGH,
            "Resources now sit under another business tenant, are placed in another project or account, or moved "
            "to another security area (critical when the high area is one end). One finding per move.",
        ),
        RuleInfo(
            VLAN,
            "VLAN changed",
            Severity.MEDIUM,
            "A network's VLAN (segmentation id) changed (medium), or a network now uses a VLAN of another area or "
            "one another area's network already uses (critical).",
        ),
        RuleInfo(
            PENDING,
            "Interrupted update in the state",
            Severity.MEDIUM,
            "A state records pending operations: an update stopped half-way, so the cloud may differ from it. "
            "Run `pulumi refresh` (or `pulumi cancel`) and export again before trusting the diff.",
        ),
    )
}


class SeparateFinding(Protocol):
    """A diff finding in a module of its own: its rule, and how it is found."""

    @property
    def RULE(self) -> RuleInfo: ...  # noqa: N802 - a module constant seen through a protocol

    def find(self, old: StackView, new: StackView, changes: list[ResourceChange]) -> list[Finding]: ...


# Findings in modules of their own (audit/diff_findings/), in the order they are reported.
SEPARATE: tuple[SeparateFinding, ...] = (
    replicas,
    routes.internet_routes,
    routes.peerings,
    inventory,
)
DIFF_RULES.update({module.RULE.id: module.RULE for module in SEPARATE})


@dataclass
class DiffReport:
    old: StackState
    new: StackState
    changes: list[ResourceChange]
    findings: list[Finding]
    providers_ignored: int = 0
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counted = {kind.value: 0 for kind in ChangeKind}
        counted["replaced"] = 0
        for change in self.changes:
            counted[change.kind.value] += 1
            if change.action == Action.REPLACE:
                counted["replaced"] += 1
        return counted

    def exit_code(self, fail_on: Severity | None) -> int:
        """0 no change, 1 changes, 3 a finding at or above ``fail_on`` (None: never 3)."""
        top = worst(self.findings)
        if fail_on is not None and top is not None and top >= fail_on:
            return 3
        return 1 if self.changes or self.findings else 0


def diff_states(old: StackState, new: StackState) -> DiffReport:
    notes = []
    old_prefix, new_prefix = urn_prefix(old), urn_prefix(new)
    if old_prefix is not None and new_prefix is not None and old_prefix != new_prefix:
        # Two stacks (staging and production, or two renders): the same resource differs only in the
        # URN's stack and project, so the old side is read in the new side's namespace.
        old = rebase(old, old_prefix, new_prefix, root_urn(new))
        notes.append(
            f"OLD and NEW are different stacks: resources matched by type and name ({old_prefix} → {new_prefix})"
        )
    old_view, new_view = StackView.from_state(old), StackView.from_state(new)
    changes, providers = resource_changes(old_view, new_view)
    changes = classify(old_view, new_view, changes)
    moved = _moved(old_view, new_view, changes)
    findings = [
        *_network(old_view, new_view, changes, moved),
        *_redundancy(old_view, new_view, changes),
        *_per_resource(old_view, new_view, changes),
        *_tenancy(old_view, new_view, changes, moved),
        *(finding for module in SEPARATE for finding in module.find(old_view, new_view, changes)),
        *_pending(old, "OLD"),
        *_pending(new, "NEW"),
    ]
    notes += [
        f"{label} state: {len(state.pending_deletes)} replaced resource(s) waiting to be deleted, not compared"
        for label, state in (("OLD", old), ("NEW", new))
        if state.pending_deletes
    ]
    if not new_view.topology.areas:
        notes.append("NEW state has no area map (no kiban inventory or SecurityArea): paths are not resolved to areas")
    return DiffReport(old, new, changes, sorted(findings, key=sort_key), providers, notes)


# -- firewall rules -----------------------------------------------------------------------------------


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


def _area_pairs(view: StackView, index: dict[tuple[str, Direction], list[Permit]]) -> set[tuple[str, str]]:
    """(from area, to area) pairs some allow rule of ``view`` connects, as seen at either end."""
    pairs: set[tuple[str, str]] = set()
    for (scope, direction), permits in index.items():
        local = view.area_of(scope) if scope in view else None
        if local is None:
            continue
        for permit in permits:
            if not permit.allow:
                continue
            for other in view.remote_areas(permit.remote):
                pairs.add((other, local) if direction == Direction.INGRESS else (local, other))
    return pairs


@dataclass
class _Widening:
    """What one changed rule newly allows, before it becomes findings."""

    urn: str
    permit: Permit
    pieces: list[Piece]
    local: str | None
    existed: bool  # the rule's group was in the old state
    new_pairs: set[tuple[str, str]] | None = None  # a moved, unchanged rule: only the area pairs it did not connect


def _moved_widenings(
    old: StackView, new: StackView, moved: dict[str, tuple[Location, Location]], changed: set[str]
) -> list[_Widening]:
    """An unchanged rule that moved to another area connects other areas: what it connects now and did not."""
    widenings = []
    for urn in moved:
        if urn in changed or not _may(new, urn, "permits"):
            continue
        for permit in new.facts(urn).permits:
            if not permit.allow:
                continue
            before = {crossing.oriented(permit.direction) for crossing in crossings(old, urn, permit)}
            now = {crossing.oriented(permit.direction) for crossing in crossings(new, urn, permit)}
            if now - before:
                piece = Piece(permit.first, permit.last, permit.remote)
                widenings.append(_Widening(urn, permit, [piece], local_area(new, urn, permit), False, now - before))
    return widenings


def _widenings(old: StackView, new: StackView, changes: list[ResourceChange]) -> list[_Widening]:
    touched: dict[tuple[str, Direction], list[tuple[str, Permit]]] = defaultdict(list)
    for change in changes:
        if change.kind == ChangeKind.REMOVED or not _may(new, change.urn, "permits"):
            continue
        for permit in new.facts(change.urn).permits:
            if permit.allow:
                touched[(permit.scope or change.urn, permit.direction)].append((change.urn, permit))
    if not touched:
        return []
    old_index = _permit_index(old, {scope for scope, _ in touched})
    widenings = []
    for (scope, direction), items in touched.items():
        for urn, permit in items:
            pieces = uncovered(permit, old_index.get((scope, direction), []))
            if pieces:
                widenings.append(_Widening(urn, permit, pieces, local_area(new, urn, permit), scope in old))
    return widenings


def _network(
    old: StackView, new: StackView, changes: list[ResourceChange], moved: dict[str, tuple[Location, Location]]
) -> list[Finding]:
    changed = {change.urn for change in changes}
    widenings = _widenings(old, new, changes) + _moved_widenings(old, new, moved, changed)
    if not widenings:
        return []
    topology = new.topology
    old_pairs: set[tuple[str, str]] | None = None
    findings = []
    for widening in widenings:
        permit, urn = widening.permit, widening.urn
        where, location = _group_name(new, urn), new.location(urn)
        ports, direction = permit.ports(), permit.direction.value
        toward = "from" if permit.direction == Direction.INGRESS else "to"
        local_level = topology.level(widening.local)
        details: dict[str, object] = {"newly_allowed": [_describe(piece, permit.protocol) for piece in widening.pieces]}
        if not isinstance(permit.remote, GroupRemote) and permit.remote.prefixlen == 0:
            severity = Severity.CRITICAL if local_level in PROTECTED_LEVELS else Severity.HIGH
            message = f"{where}: {direction} {ports} {toward} anywhere ({permit.remote})"
            findings.append(Finding(ANYWHERE, severity, message, urn, location.area, location.tenant, details=details))
            if widening.local is not None and topology.areas:
                # Everywhere is also a path: one finding for the area it opens, from (or to) anywhere.
                if old_pairs is None:
                    old_pairs = _area_pairs(old, _permit_index(old))
                ends = (OUTSIDE, widening.local) if permit.direction == Direction.INGRESS else (widening.local, OUTSIDE)
                named = tuple("anywhere" if end == OUTSIDE else end for end in ends)
                wider = "wider" if ends in old_pairs else "new"
                severity = Severity.CRITICAL if local_level in PROTECTED_LEVELS else Severity.HIGH
                message = (
                    f"{wider} path {named[0]} → {named[1]}: {where} {direction} {ports} {toward} {permit.remote} "
                    "(every address; no declared flow allows it)"
                )
                findings.append(Finding(PATH, severity, message, urn, location.area, location.tenant, details=details))
            continue
        crossed = crossings(new, urn, permit, [piece.remote for piece in widening.pieces])
        for crossing in crossed:
            if widening.new_pairs is not None and crossing.oriented(permit.direction) not in widening.new_pairs:
                continue
            if old_pairs is None:
                old_pairs = _area_pairs(old, _permit_index(old))
            pair = crossing.oriented(permit.direction)
            if crossing.declared_by is not None:
                flows = crossing.flows
                severity, why = Severity.MEDIUM, f"declared: flow {', '.join(flows)}" if flows else "in the flow plan"
            else:
                levels = {topology.level(crossing.other), local_level}
                into_protected = crossing.other == OUTSIDE and local_level in PROTECTED_LEVELS
                severity = Severity.CRITICAL if HIGH in levels or into_protected else Severity.HIGH
                why = "no declared flow allows it"
            wider = "wider" if pair in old_pairs else "new"
            message = (
                f"{wider} path {pair[0]} → {pair[1]}: {where} {direction} {ports} {toward} {crossing.shown} ({why})"
            )
            findings.append(Finding(PATH, severity, message, urn, location.area, location.tenant, details=details))
        reached = {crossing.other for crossing in crossed}
        # What is left in the group's own area (or everything, when nothing resolves to areas).
        inside = [
            piece for piece in widening.pieces if not (areas := new.remote_areas(piece.remote)) or areas - reached
        ]
        if inside and permit.direction == Direction.INGRESS and widening.existed:
            local = widening.local
            own = within(permit.remote, topology.areas[local].networks) if local in topology.areas else []
            shown = ", ".join(remote_text(part) for part in own) or remote_text(permit.remote)
            message = f"{where}: now accepts {ports} from {shown}"
            findings.append(
                Finding(INGRESS, Severity.MEDIUM, message, urn, location.area, location.tenant, details=details)
            )
    return findings


def _describe(piece: Piece, protocol: str) -> str:
    ports = Permit(Direction.INGRESS, protocol, piece.first, piece.last, piece.remote).ports()
    return f"{ports} {remote_text(piece.remote)}"


def _group_name(view: StackView, urn: str) -> str:
    resource = view.resources[urn]
    parent = view.resources.get(resource.parent) if resource.parent else None
    group = (
        parent.name
        if parent is not None and parent.type.endswith(("secGroup:SecGroup", "securityGroup:SecurityGroup"))
        else None
    )
    return f"{group} ({resource.name})" if group else resource.name


def _may(view: StackView, urn: str, kind: str) -> bool:
    from kiban.audit.interpreters import may_have

    resource = view.resources.get(urn)
    return resource is not None and may_have(resource.type, kind)


# -- redundancy ---------------------------------------------------------------------------------------


def _redundancy(old: StackView, new: StackView, changes: list[ResourceChange]) -> list[Finding]:
    views = {ChangeKind.REMOVED: old}
    relevant = any(
        _may(views.get(change.kind, new), change.urn, "member")
        or _may(views.get(change.kind, new), change.urn, "spread")
        for change in changes
    )
    if not relevant:
        return []
    before, after = replica_groups(old), replica_groups(new)
    findings = []
    for group in sorted(set(before) & set(after)):
        was, now = before[group], after[group]
        replicas_before, replicas_after = len(was.members), len(now.members)
        problems: list[tuple[Severity, str]] = []
        if replicas_after < replicas_before:
            severity = Severity.HIGH if replicas_after == 1 else Severity.MEDIUM
            problems.append((severity, f"replicas {replicas_before} → {replicas_after}"))
        if was.spread > now.spread and replicas_after > 1:
            problems.append((Severity.HIGH, f"anti-affinity lost ({was.spread_label} → {now.spread_label})"))
        if now.distinct_zones < was.distinct_zones and now.distinct_zones < replicas_after:
            severity = Severity.HIGH if now.distinct_zones <= 1 else Severity.MEDIUM
            zones = ", ".join(sorted({zone or "(none)" for zone in now.zones}))
            problems.append(
                (severity, f"zones no longer distinct: {replicas_after} replicas in {now.distinct_zones} ({zones})")
            )
        urn = now.members[0]
        location = new.location(urn)
        findings += [
            Finding(REDUNDANCY, severity, f"{group}: {message}", urn, location.area, location.tenant, now.members[1:])
            for severity, message in problems
        ]
    return findings


# -- one resource at a time ---------------------------------------------------------------------------


def _exposure_severity(view: StackView, urn: str) -> Severity:
    level = view.topology.level(view.area_of(urn))
    return Severity.CRITICAL if level in PROTECTED_LEVELS else Severity.HIGH


def _vlan_owners(view: StackView) -> dict[tuple[str | None, int], set[str]]:
    owners: dict[tuple[str | None, int], set[str]] = defaultdict(set)
    for resource in view.having("vlans"):
        for vlan in view.facts(resource.urn).vlans:
            owners[(vlan.physical_network, vlan.vlan)].add(view.area_of(resource.urn) or "(no area)")
    return owners


def _vlan_area(view: StackView, vlan: int) -> str | None:
    for area in view.topology.areas.values():
        if vlan in area.vlans:
            return area.id
    return None


def _per_resource(old: StackView, new: StackView, changes: list[ResourceChange]) -> list[Finding]:
    findings: list[Finding] = []
    owners: dict[tuple[str | None, int], set[str]] | None = None
    for change in changes:
        if change.kind == ChangeKind.REMOVED:
            continue
        urn = change.urn
        facts = new.facts(urn)
        before = old.facts(urn) if change.kind == ChangeKind.UPDATED else None
        area, tenant = change.location.area, change.location.tenant

        found: list[tuple[str, Severity, str]] = []
        encrypted_before = {disk.label: disk.encrypted for disk in before.disks} if before else {}
        for disk in facts.disks:
            if disk.encrypted:
                continue
            if encrypted_before.get(disk.label):
                found.append((ENCRYPTION, Severity.HIGH, f"{change.name}: {disk.label} no longer encrypted"))
            elif disk.label not in encrypted_before:
                found.append((ENCRYPTION, Severity.MEDIUM, f"{change.name}: {disk.label} added unencrypted"))
        if facts.metadata is not None and not facts.metadata.tokens_required:
            if before is not None and before.metadata is not None and before.metadata.tokens_required:
                found.append(
                    (IMDS, Severity.HIGH, f"{change.name}: {facts.metadata.label} no longer requires IMDSv2 tokens")
                )
            elif before is None or before.metadata is None:
                found.append(
                    (IMDS, Severity.MEDIUM, f"{change.name}: {facts.metadata.label} added without IMDSv2 required")
                )
        for exposure in facts.exposures:
            if before is None or exposure not in before.exposures:
                found.append((EXPOSURE, _exposure_severity(new, urn), f"{change.name}: {exposure} added"))
        for filtering in facts.filtering_off:
            if before is None or filtering not in before.filtering_off:
                found.append((FILTERING, _exposure_severity(new, urn), f"{change.name}: {filtering}"))
        if facts.vlans:
            if owners is None:
                owners = _vlan_owners(new)
            old_vlans = {vlan.vlan for vlan in before.vlans} if before is not None else None
            for vlan in facts.vlans:
                if old_vlans is not None and vlan.vlan in old_vlans:
                    continue  # unchanged: an old clash is the audit's to report (KB-NET-003), not the change's
                shared = owners.get((vlan.physical_network, vlan.vlan), set()) - {area or "(no area)"}
                planned_area = _vlan_area(new, vlan.vlan)
                foreign = planned_area is not None and area is not None and planned_area != area
                if shared or foreign:
                    others = ", ".join(sorted(shared | ({planned_area} if foreign and planned_area else set())))
                    found.append(
                        (VLAN, Severity.CRITICAL, f"{change.name}: VLAN {vlan.vlan} belongs to another area ({others})")
                    )
                elif old_vlans is not None:
                    was = ", ".join(str(number) for number in sorted(old_vlans)) or "none"
                    found.append((VLAN, Severity.MEDIUM, f"{change.name}: VLAN {was} → {vlan.vlan}"))
        findings += [Finding(rule, severity, message, urn, area, tenant) for rule, severity, message in found]
    return findings


# -- tenancy ------------------------------------------------------------------------------------------


def _moved(old: StackView, new: StackView, changes: list[ResourceChange]) -> dict[str, tuple[Location, Location]]:
    """Resources whose area or tenant changed: when a component is re-parented, its unchanged children move too."""
    if not any(prop.path == PARENT for change in changes for prop in change.properties):
        return {}
    moved = {}
    for urn, resource in new.resources.items():
        if urn in old.resources and not resource.is_provider:
            was, now = old.location(urn), new.location(urn)
            if (was.area, was.tenant) != (now.area, now.tenant):
                moved[urn] = (was, now)
    return moved


def _tenancy(
    old: StackView, new: StackView, changes: list[ResourceChange], moved: dict[str, tuple[Location, Location]]
) -> list[Finding]:
    moves: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for urn, (was, now) in moved.items():
        if was.area != now.area:
            moves[("area", was.area or "(none)", now.area or "(none)")].append(urn)
        if was.tenant != now.tenant:
            moves[("tenant", was.tenant or "(platform)", now.tenant or "(platform)")].append(urn)
    for change in changes:
        if change.kind != ChangeKind.UPDATED:
            continue
        urn = change.urn
        before_scope, after_scope = old.owner_scope(old.resources[urn]), new.owner_scope(new.resources[urn])
        before_label = old.scope_label(before_scope[1]) if before_scope else None
        after_label = new.scope_label(after_scope[1]) if after_scope else None
        if before_label != after_label and before_label is not None and after_label is not None:
            moves[("placement", before_label, after_label)].append(urn)
    findings = []
    for (kind, source, target), urns in sorted(moves.items()):
        primary = _primary(new, urns)
        location = new.location(primary)
        if kind == "area":
            levels = {new.topology.level(target), old.topology.level(source)}
            severity = Severity.CRITICAL if HIGH in levels else Severity.HIGH
            what = "security area"
        else:
            severity = Severity.HIGH
            what = "business tenant" if kind == "tenant" else "project/account"
        count = f"{len(urns)} resources" if len(urns) > 1 else resource_name(primary)
        message = f"{count} moved to another {what}: {source} → {target}"
        findings.append(
            Finding(
                TENANCY,
                severity,
                message,
                primary,
                location.area,
                location.tenant,
                tuple(u for u in urns if u != primary),
            )
        )
    return findings


def _primary(view: StackView, urns: Iterable[str]) -> str:
    """The resource a move is reported at: the highest in the tree (e.g. the BusinessTenant itself)."""
    listed = list(urns)
    return min(listed, key=lambda urn: (urn.split("::")[2].count("$"), urn))


# -- the states themselves ----------------------------------------------------------------------------


def _pending(state: StackState, label: str) -> list[Finding]:
    return [
        Finding(
            PENDING,
            Severity.MEDIUM,
            f"{label} state: interrupted operation ({operation.kind}) on {resource_name(operation.urn)}: "
            "the cloud may differ from the state",
            operation.urn,
        )
        for operation in state.pending
    ]
