"""The pack's policies, one per audit rule, each a thin adapter (audit.crossguard) over the rule itself.

Rules that judge one resource become resource policies; rules that need the
stack (areas, replica groups, tenants) become stack policies. Critical and high
rules are mandatory (they block ``pulumi up``), medium and low advisory, the
same line ``kiban audit --fail-on high`` draws.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)

from kiban.audit import crossguard
from kiban.audit.findings import Severity as AuditSeverity
from kiban.audit.rules import Scope, all_rules
from kiban.audit.waivers import EXPIRED, WAIVER_RULES, Waiver

PACK_NAME = "kiban-audit"
SEVERITIES = {
    AuditSeverity.CRITICAL: Severity.CRITICAL,
    AuditSeverity.HIGH: Severity.HIGH,
    AuditSeverity.MEDIUM: Severity.MEDIUM,
    AuditSeverity.LOW: Severity.LOW,
}


def _enforcement(severity: AuditSeverity) -> EnforcementLevel:
    return EnforcementLevel.MANDATORY if severity >= AuditSeverity.HIGH else EnforcementLevel.ADVISORY


def policies(waivers: Sequence[Waiver] | None = None, today: datetime.date | None = None) -> list[Policy]:
    """Every rule as a policy; ``waivers`` None: read the file named by $KIBAN_WAIVERS at validation time."""
    made: list[Policy] = []
    for rule in all_rules():
        if rule.needs_sealed_secrets:
            continue  # CrossGuard unwraps secrets: only `kiban audit` on a state can judge it
        info = rule.info
        common = {
            "name": rule.id.lower(),
            "description": f"{rule.id}: {info.title}",
            "remediation_steps": info.description,
            "enforcement_level": _enforcement(rule.severity),
            "severity": SEVERITIES[rule.severity],
            "display_name": f"{rule.id} {info.title}",
            "tags": ["kiban", rule.category],
        }
        if rule.scope == Scope.RESOURCE:
            made.append(
                ResourceValidationPolicy(validate=crossguard.resource_validator(rule, waivers, today), **common)
            )
        else:
            made.append(StackValidationPolicy(validate=crossguard.stack_validator(rule, waivers, today), **common))
    expired = WAIVER_RULES[EXPIRED]
    made.append(
        StackValidationPolicy(
            name=EXPIRED.lower(),
            description=f"{EXPIRED}: {expired.title}",
            remediation_steps=expired.description,
            validate=crossguard.waiver_validator(waivers, today),
            enforcement_level=_enforcement(expired.severity),
            severity=SEVERITIES[expired.severity],
            display_name=f"{EXPIRED} {expired.title}",
            tags=["kiban", "waivers"],
        )
    )
    return made
