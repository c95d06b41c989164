"""KB-IMDS-001: IMDSv2 required."""

from __future__ import annotations

from kiban.audit.rules.imds_001_imdsv2 import RULE
from tests.kiban.audit.builders import Export
from tests.kiban.audit.rules.helpers import verdicts


def test_instances_and_templates() -> None:
    export = Export()
    export.add("aws:ec2/instance:Instance", "v2", {"metadataOptions": {"httpTokens": "required"}})
    export.add("aws:ec2/instance:Instance", "v1", {"metadataOptions": {"httpTokens": "optional"}})
    export.add("aws:ec2/launchTemplate:LaunchTemplate", "template", {})
    export.add("openstack:compute/instance:Instance", "os", {})
    assert verdicts(RULE, export) == [
        (True, "v2", ""),
        (False, "v1", "instance metadata service does not require IMDSv2 tokens"),
        (False, "template", "launch template metadata service does not require IMDSv2 tokens"),
    ]
