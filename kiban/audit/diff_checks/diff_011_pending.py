"""KB-DIFF-PENDING: a state records an interrupted update."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.diff_checks.base import Comparison, DiffCheck
from kiban.audit.findings import Finding, Severity
from kiban.audit.values import resource_name


class InterruptedUpdate(DiffCheck):
    """A state records pending operations: an update stopped half-way, so the cloud may differ from it.
    Run `pulumi refresh` (or `pulumi cancel`) and export again before trusting the diff.

    About the states, not the change, and no audit rule: ``kiban audit`` says the
    same in a note. Reported for either state, since a diff against a state the
    cloud does not match compares the wrong things.
    """

    def __init__(self) -> None:
        super().__init__(id="KB-DIFF-PENDING", title="Interrupted update in the state", severity=Severity.MEDIUM)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        for label, state in (("OLD", comparison.old_state), ("NEW", comparison.new_state)):
            for operation in state.pending:
                message = (
                    f"{label} state: interrupted operation ({operation.kind}) on {resource_name(operation.urn)}: "
                    "the cloud may differ from the state"
                )
                yield Finding(self.id, Severity.MEDIUM, message, operation.urn)


CHECK = InterruptedUpdate()
