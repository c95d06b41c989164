"""KB-ENC-001: encryption at rest."""

from __future__ import annotations

from kiban.audit.rules.enc_001_encryption_at_rest import RULE
from tests.kiban.audit.builders import Export, ciphertext
from tests.kiban.audit.rules.helpers import verdicts


def test_disks() -> None:
    export = Export()
    export.add("aws:ebs/volume:Volume", "encrypted", {"encrypted": True})
    export.add("aws:ebs/volume:Volume", "plain", {"size": 1})
    export.add(
        "aws:ec2/instance:Instance",
        "vm",
        {"rootBlockDevice": {"encrypted": True}, "ebsBlockDevices": [{"deviceName": "/dev/sdb"}]},
    )
    export.add("aws:ebs/volume:Volume", "sealed", {"encrypted": ciphertext("true")})
    export.add("openstack:blockstorage/volume:Volume", "os", {"size": 1, "volumeType": "ssd"})
    assert verdicts(RULE, export) == [
        (True, "encrypted", ""),
        (False, "plain", "EBS volume is not encrypted"),
        (False, "vm", "EBS volume /dev/sdb is not encrypted"),
    ]
