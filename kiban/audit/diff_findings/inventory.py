"""KB-DIFF-INVENTORY: after the change, the inventory and the instances disagree where they agreed before."""

from __future__ import annotations

from kiban.audit.changes import ResourceChange
from kiban.audit.findings import Finding, RuleInfo, Severity
from kiban.audit.inventory_match import disagreements
from kiban.audit.model import StackView

RULE = RuleInfo(
    "KB-DIFF-INVENTORY",
    "Inventory and resources disagree",
    Severity.HIGH,
    "The new state's inventory output lists a host no instance declares (e.g. a replica removed from the "
    "resources while the inventory keeps it), or a kiban instance is missing from the inventory, and the old "
    "state did not (the same judgement as KB-INV-001).",
)


def find(old: StackView, new: StackView, changes: list[ResourceChange]) -> list[Finding]:
    if not changes:
        return []
    before = {(item.urn, item.message) for item in disagreements(old)}
    findings = []
    for item in disagreements(new):
        if (item.urn, item.message) in before:
            continue
        location = new.location(item.urn) if item.urn is not None else None
        area, tenant = (location.area, location.tenant) if location is not None else (None, None)
        findings.append(Finding(RULE.id, Severity.HIGH, item.message, item.urn, area, tenant))
    return findings
