"""KB-DIFF-IMDS: KB-IMDS-001 newly failing."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_006_imds import CHECK
from tests.kiban.audit.builders import Export
from tests.kiban.audit.diff_checks.helpers import found

INSTANCE = "aws:ec2/instance:Instance"


def city(tokens: str | None, size: str = "t3.small") -> Export:
    """One instance with ``httpTokens`` (None: no instance)."""
    export = Export()
    if tokens is not None:
        export.add(INSTANCE, "web-1", {"instanceType": size, "metadataOptions": {"httpTokens": tokens}})
    return export


def test_no_longer_required_and_a_new_instance_without_it_are_both_high_as_the_rule() -> None:
    assert found(CHECK, city("required"), city("optional")) == [
        ("high", "web-1: instance metadata service no longer requires IMDSv2 tokens")
    ]
    assert found(CHECK, city(None), city("optional")) == [
        ("high", "web-1: instance metadata service added without IMDSv2 required")
    ]


def test_silent_when_nothing_changed_or_it_was_never_required() -> None:
    assert found(CHECK, city("optional"), city("optional")) == []
    assert found(CHECK, city("optional"), city("optional", "t3.large")) == []
    assert found(CHECK, city(None), city("required")) == []
