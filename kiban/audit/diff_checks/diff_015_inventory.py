"""KB-DIFF-INVENTORY: KB-INV-001 fails where it did not: the inventory and the instances disagree."""

from __future__ import annotations

from kiban.audit.diff_checks.base import Comparison, NewlyFailing
from kiban.audit.findings import Finding, Severity
from kiban.audit.rules.base import Outcome
from kiban.audit.rules.inv_001_inventory_matches_resources import RULE as INVENTORY_MATCHES_RESOURCES


class InventoryDisagrees(NewlyFailing):
    """The new state's inventory output lists a host no instance declares (e.g. a replica removed from the
    resources while the inventory keeps it), or a kiban instance is missing from the inventory, and the old
    state did not (the same judgement as KB-INV-001).

    KB-INV-001 newly failing, with the rule's message.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-DIFF-INVENTORY",
            title="Inventory and resources disagree",
            severity=Severity.HIGH,
            rule=INVENTORY_MATCHES_RESOURCES,
        )

    def phrase(self, failure: Outcome, comparison: Comparison) -> Finding:
        return self.finding(comparison, Severity.HIGH, failure.message, failure.urn)


CHECK = InventoryDisagrees()
