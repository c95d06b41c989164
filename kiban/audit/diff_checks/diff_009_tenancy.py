"""KB-DIFF-TENANCY: resources moved to another business tenant, project/account or security area."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from kiban.audit.changes import ChangeKind
from kiban.audit.diff_checks.base import Comparison, DiffCheck
from kiban.audit.findings import Finding, Severity
from kiban.audit.model import HIGH
from kiban.audit.rules.ten_001_tenancy_isolation import RULE as TENANCY_ISOLATION
from kiban.audit.values import resource_name

# What moved, from where, to where -> the resources that made that move together.
Moves = dict[tuple[str, str, str], list[str]]
_WHAT = {"area": "security area", "tenant": "business tenant", "placement": "project/account"}


class MovedBetweenTenants(DiffCheck):
    """Resources now sit under another business tenant, are placed in another project or account, or moved
    to another security area (critical when the high area is one end). One finding per move.

    Not KB-TEN-001 ("tenancy isolation") newly failing: a resource moved with
    its tenant to the tenant's new project breaks no rule, yet who owns it and
    who may reach it changed. Resources that move together (a tenant re-parented
    with everything under it) are one finding, reported at the highest of them in
    the resource tree, the rest as related locations.
    """

    restates = (TENANCY_ISOLATION,)

    def __init__(self) -> None:
        super().__init__(id="KB-DIFF-TENANCY", title="Moved between tenants or areas", severity=Severity.HIGH)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        moves = self._moves(comparison)
        for (kind, source, target), urns in sorted(moves.items()):
            primary = min(urns, key=lambda urn: (urn.split("::")[2].count("$"), urn))
            severity = Severity.HIGH
            if kind == "area":
                levels = {comparison.new.topology.level(target), comparison.old.topology.level(source)}
                severity = Severity.CRITICAL if HIGH in levels else Severity.HIGH
            count = f"{len(urns)} resources" if len(urns) > 1 else resource_name(primary)
            message = f"{count} moved to another {_WHAT[kind]}: {source} → {target}"
            related = tuple(urn for urn in urns if urn != primary)
            yield self.finding(comparison, severity, message, primary, related)

    @staticmethod
    def _moves(comparison: Comparison) -> Moves:
        old, new = comparison.old, comparison.new
        moves: Moves = defaultdict(list)
        for urn, (was, now) in comparison.moved.items():
            if was.area != now.area:
                moves[("area", was.area or "(none)", now.area or "(none)")].append(urn)
            if was.tenant != now.tenant:
                moves[("tenant", was.tenant or "(platform)", now.tenant or "(platform)")].append(urn)
        for change in comparison.changes:
            if change.kind != ChangeKind.UPDATED:
                continue
            before_scope = old.owner_scope(old.resources[change.urn])
            after_scope = new.owner_scope(new.resources[change.urn])
            before = old.scope_label(before_scope[1]) if before_scope else None
            after = new.scope_label(after_scope[1]) if after_scope else None
            if before != after and before is not None and after is not None:
                moves[("placement", before, after)].append(change.urn)
        return moves


CHECK = MovedBetweenTenants()
