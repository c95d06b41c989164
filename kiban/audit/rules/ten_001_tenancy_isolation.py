"""KB-TEN-001: each business tenant's resources live in its own project or account."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.model import TENANT_TYPE, StackView
from kiban.audit.rules.base import Outcome, StackRule


class TenancyIsolation(StackRule):
    """A resource is placed only in the project or account of its own business tenant.

    Applies to every resource that says where it is placed: a project reference
    in its inputs (OpenStack ``tenantId``/``projectId``), or the project or
    account of the explicit provider that makes it.
    Passes when that project is the resource's own tenant's project (a project
    under the same BusinessTenant), or a platform project outside every tenant
    (the platform's own provider making admin resources for a tenant).
    Fails when it is another tenant's project, when a platform resource (outside
    every tenant) is placed in a tenant's project, or when the providers of two
    tenants act in the same account or project (AWS: one account per business).
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-TEN-001",
            title="Tenancy isolation",
            severity=Severity.HIGH,
            category="tenancy",
            reads=("scope",),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        shared = self._shared_scopes(view)
        for resource in view:
            if resource.is_provider or not resource.custom:
                continue
            scope = view.owner_scope(resource)
            if scope is None:
                continue
            how, target = scope
            mine = view.tenant_of(resource.urn)
            if target in view.resources:
                owner = view.tenant_of(target)
                if owner is None or owner == mine:
                    yield self.pass_(resource.urn)
                elif mine is None:
                    yield self.fail(resource.urn, f"platform resource placed in tenant {owner}'s project ({how})")
                else:
                    yield self.fail(
                        resource.urn, f"resource of tenant {mine} placed in tenant {owner}'s project ({how})"
                    )
            elif how == "provider" and target in shared and mine is not None:
                others = ", ".join(sorted(shared[target] - {mine}))
                yield self.fail(resource.urn, f"tenant {mine} shares {target} with tenant(s) {others}")
            else:
                yield self.pass_(resource.urn)

    @staticmethod
    def _shared_scopes(view: StackView) -> dict[str, set[str]]:
        """Raw scopes (an AWS account) used by the providers of more than one tenant."""
        tenants: dict[str, set[str]] = defaultdict(set)
        for resource in view:
            if not resource.is_provider:
                continue
            tenant = view.ancestor(resource.urn, TENANT_TYPE)
            scope = view.facts(resource.urn).provider_scope
            if tenant is not None and scope is not None and scope not in view.resources:
                tenants[scope].add(tenant)
        return {scope: names for scope, names in tenants.items() if len(names) > 1}


RULE = TenancyIsolation()
