"""KB-DIFF-ENCRYPTION: KB-ENC-001 fails where it did not: a disk turned or added unencrypted."""

from __future__ import annotations

from kiban.audit.diff_checks.base import Comparison, NewlyFailing
from kiban.audit.findings import Finding, Severity
from kiban.audit.rules.base import Outcome
from kiban.audit.rules.enc_001_encryption_at_rest import RULE as ENCRYPTION_AT_REST
from kiban.audit.values import resource_name


class EncryptionOff(NewlyFailing):
    """A disk that was encrypted is not any more (high), or a new disk is unencrypted (medium). Only where
    the provider expresses encryption on the resource (AWS; not OpenStack volumes).

    KB-ENC-001 newly failing, judged on the resources that changed: a disk it
    fails on in NEW and not in OLD. High when OLD had that disk (so it was
    encrypted), medium when the disk or its resource is new.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-DIFF-ENCRYPTION", title="Encryption at rest off", severity=Severity.HIGH, rule=ENCRYPTION_AT_REST
        )

    def phrase(self, failure: Outcome, comparison: Comparison) -> Finding:
        urn = failure.urn or ""
        disks = {disk.label for disk in comparison.old.facts(urn).disks} if urn in comparison.old else set()
        if failure.subject in disks:
            severity, message = Severity.HIGH, f"{resource_name(urn)}: {failure.subject} no longer encrypted"
        else:
            severity, message = Severity.MEDIUM, f"{resource_name(urn)}: {failure.subject} added unencrypted"
        return self.finding(comparison, severity, message, urn)


CHECK = EncryptionOff()
