"""KB-INV-001: the stack's inventory and its instances agree host for host."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.inventory_match import declared_hosts, disagreements, inventory_hosts
from kiban.audit.model import StackView
from kiban.audit.rules.base import Outcome, StackRule


class InventoryMatchesResources(StackRule):
    """Every host the ``inventory`` output lists is an instance of the stack, and every kiban instance is listed.

    Applies to stacks with kiban's ``inventory`` output (a preview has none:
    then nothing is judged). Hosts are matched by name: an instance's host name
    is its OpenStack ``name`` or its AWS tag ``Name``.
    Fails for each host the inventory lists that no instance declares (a replica
    removed from the resources while verification, monitoring and load balancing
    still expect it), and for each instance of a kiban host group (metadata
    ``kiban-group``, tag ``kiban:group``) missing from the inventory.
    Passes when an instance is listed under its host name (one verdict each).
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-INV-001",
            title="Inventory and resources agree",
            severity=Severity.HIGH,
            category="inventory",
            reads=("member",),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        listed = inventory_hosts(view)
        if listed is None:
            return
        for name, (urn, _) in sorted(declared_hosts(view).items()):
            if name in listed:
                yield self.pass_(urn)
        for disagreement in disagreements(view):
            yield self.fail(disagreement.urn, disagreement.message)


RULE = InventoryMatchesResources()
