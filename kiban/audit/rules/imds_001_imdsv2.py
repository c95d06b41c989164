"""KB-IMDS-001: instances require IMDSv2."""

from __future__ import annotations

from kiban.audit.facts import Facts
from kiban.audit.findings import Severity
from kiban.audit.resource import Resource
from kiban.audit.rules.base import Failed, ResourceRule


class ImdsV2Required(ResourceRule):
    """Instances reach their metadata only with IMDSv2 session tokens.

    Applies to AWS instances and launch templates.
    Passes when ``metadataOptions.httpTokens`` is "required", or the metadata
    endpoint is "disabled".
    Fails otherwise, including when ``metadataOptions`` is left out (the
    provider's default is "optional", which lets IMDSv1 requests through).
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-IMDS-001",
            title="IMDSv2 required",
            severity=Severity.HIGH,
            category="compute",
            reads=("metadata",),
        )

    def check(self, resource: Resource, facts: Facts) -> list[Failed] | None:
        metadata = facts.metadata
        if metadata is None:
            return None
        return (
            []
            if metadata.tokens_required
            else [Failed(f"{metadata.label} does not require IMDSv2 tokens", metadata.label)]
        )


RULE = ImdsV2Required()
