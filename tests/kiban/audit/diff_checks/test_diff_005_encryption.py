"""KB-DIFF-ENCRYPTION: KB-ENC-001 newly failing."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_005_encryption import CHECK
from tests.kiban.audit.builders import Export
from tests.kiban.audit.diff_checks.helpers import found

VOLUME = "aws:ebs/volume:Volume"
INSTANCE = "aws:ec2/instance:Instance"


def city(data: bool | None, root: bool | None = True, extra: bool = False) -> Export:
    """A volume (None: none) and an instance whose root device is (un)encrypted, with an optional EBS device."""
    export = Export()
    if data is not None:
        export.add(VOLUME, "data", {"size": 100, "encrypted": data})
    devices = [{"deviceName": "/dev/sdb", "encrypted": False}] if extra else []
    export.add(INSTANCE, "web-1", {"rootBlockDevice": {"encrypted": root}, "ebsBlockDevices": devices})
    return export


def test_a_disk_no_longer_encrypted_and_a_new_one_unencrypted_are_both_high_as_the_rule() -> None:
    assert found(CHECK, city(True), city(False, extra=True)) == [
        ("high", "data: EBS volume no longer encrypted"),
        ("high", "web-1: EBS volume /dev/sdb added unencrypted"),
    ]
    assert found(CHECK, city(None), city(False)) == [("high", "data: EBS volume added unencrypted")]


def test_silent_when_nothing_changed_or_the_disk_was_already_unencrypted() -> None:
    assert found(CHECK, city(False, False), city(False, False)) == []
    # Still unencrypted after a change: the audit's to report (KB-ENC-001), not the change's.
    old, new = city(False), city(False)
    new.by_urn[next(urn for urn in new.by_urn if urn.endswith("::data"))]["inputs"]["size"] = 200
    assert found(CHECK, old, new) == []
