"""KB-ENC-001: disks are encrypted at rest where the provider expresses it."""

from __future__ import annotations

from kiban.audit.facts import Facts
from kiban.audit.findings import Severity
from kiban.audit.resource import Resource
from kiban.audit.rules.base import Failed, ResourceRule


class EncryptionAtRest(ResourceRule):
    """Every disk whose encryption the provider expresses is encrypted.

    Applies to AWS EBS volumes, instances (root and EBS block devices) and
    launch templates (EBS block device mappings). OpenStack volumes are out of
    scope: their encryption comes with the volume type, outside the resource.
    Passes when every disk is encrypted (``encrypted: true``, or unspecified in a
    stack that turns on ``aws:ebs/encryptionByDefault``).
    Fails for each disk that is not; a secret or unknown setting is not judged.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-ENC-001",
            title="Encryption at rest",
            severity=Severity.HIGH,
            category="encryption",
            reads=("disks",),
        )

    def check(self, resource: Resource, facts: Facts) -> list[Failed] | None:
        if not facts.disks:
            return None
        return [Failed(f"{disk.label} is not encrypted", disk.label) for disk in facts.disks if not disk.encrypted]


RULE = EncryptionAtRest()
