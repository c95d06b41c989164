"""KB-DIFF-ENCRYPTION: KB-ENC-001 fails where it did not: a disk turned or added unencrypted."""

from __future__ import annotations

from kiban.audit.diff_checks.base import Comparison, NewlyFailing
from kiban.audit.findings import Finding, Severity
from kiban.audit.rules.base import Outcome
from kiban.audit.rules.enc_001_encryption_at_rest import RULE as ENCRYPTION_AT_REST
from kiban.audit.values import resource_name


class EncryptionOff(NewlyFailing):
    """A disk that was encrypted is not any more, or a new disk is unencrypted: high, as KB-ENC-001 fails it. Only
    where the provider expresses encryption on the resource (AWS; not OpenStack volumes).

    KB-ENC-001 newly failing, judged on the resources that changed: a disk it
    fails on in NEW and not in OLD, "no longer encrypted" when OLD had that disk
    (so it was encrypted), "added unencrypted" when the disk or its resource is
    new. Both at the rule's severity: a new unencrypted disk fails ``kiban
    audit`` as much as one turned off (issue 21).
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-DIFF-ENCRYPTION", title="Encryption at rest off", severity=Severity.HIGH, rule=ENCRYPTION_AT_REST
        )

    def phrase(self, failure: Outcome, comparison: Comparison) -> Finding:
        urn = failure.urn or ""
        disks = {disk.label for disk in comparison.old.facts(urn).disks} if urn in comparison.old else set()
        how = "no longer encrypted" if failure.subject in disks else "added unencrypted"
        return self.finding(comparison, self.rule.severity, f"{resource_name(urn)}: {failure.subject} {how}", urn)


CHECK = EncryptionOff()
