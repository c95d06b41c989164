"""KB-DIFF-PENDING: an interrupted update recorded in either state."""

from __future__ import annotations

from typing import Any

from kiban.audit.diff import compare
from kiban.audit.diff_checks.diff_011_pending import CHECK
from kiban.audit.state import state_from_document
from tests.kiban.audit.builders import INSTANCE, Export


def pending(kind: str, name: str) -> list[dict[str, Any]]:
    urn = f"urn:pulumi:city-prod::kiban::{INSTANCE}::{name}"
    return [{"resource": {"urn": urn, "type": INSTANCE}, "type": kind}]


def found(old: list[dict[str, Any]] | None, new: list[dict[str, Any]] | None) -> list[tuple[str, str]]:
    export = Export()
    export.add(INSTANCE, "hub-1", {"name": "hub-1"})
    comparison = compare(
        state_from_document(export.document(old), "OLD"), state_from_document(export.document(new), "NEW")
    )
    return [(finding.severity.label, finding.message) for finding in CHECK.find(comparison)]


def test_either_state_is_reported() -> None:
    assert found(pending("deleting", "hub-0"), pending("creating", "hub-2")) == [
        ("medium", "OLD state: interrupted operation (deleting) on hub-0: the cloud may differ from the state"),
        ("medium", "NEW state: interrupted operation (creating) on hub-2: the cloud may differ from the state"),
    ]


def test_silent_without_pending_operations() -> None:
    assert found(None, None) == []
