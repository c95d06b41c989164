"""The registry: one rule per file, stable ids, a docstring that says when it passes and fails."""

from __future__ import annotations

import pytest

from kiban.audit.findings import Severity
from kiban.audit.rules import ResourceRule, all_rules, rule_by_id
from kiban.audit.rules.base import Scope


def test_the_rules_and_their_ids_are_stable() -> None:
    assert [rule.id for rule in all_rules()] == [
        "KB-ENC-001",
        "KB-EXP-001",
        "KB-HA-001",
        "KB-HA-002",
        "KB-HYB-001",
        "KB-HYB-002",
        "KB-HYB-003",
        "KB-HYB-004",
        "KB-HYB-005",
        "KB-HYB-006",
        "KB-HYB-007",
        "KB-HYB-008",
        "KB-HYB-009",
        "KB-HYB-010",
        "KB-IMDS-001",
        "KB-INV-001",
        "KB-NET-001",
        "KB-NET-002",
        "KB-NET-003",
        "KB-NET-004",
        "KB-NET-005",
        "KB-NET-006",
        "KB-OPS-001",
        "KB-OPS-002",
        "KB-PRV-001",
        "KB-PRV-002",
        "KB-PRV-003",
        "KB-TEN-001",
    ]


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.id)
def test_every_rule_says_when_it_passes_and_fails(rule: object) -> None:
    from kiban.audit.rules import Rule

    assert isinstance(rule, Rule)
    text = rule.info.description
    assert "Passes when" in text and "Fails" in text
    assert rule.scope == (Scope.RESOURCE if isinstance(rule, ResourceRule) else Scope.STACK)
    assert rule_by_id(rule.id) is rule


def test_a_rule_needs_a_proper_id_and_a_docstring() -> None:
    class Nameless(ResourceRule):
        def check(self, resource: object, facts: object) -> list[str] | None:
            return None

    with pytest.raises(ValueError, match="docstring"):
        Nameless(id="KB-X-001", title="x", severity=Severity.LOW, category="x", reads=())
    Nameless.__doc__ = "Passes when ... Fails when ..."
    with pytest.raises(ValueError, match="must look like"):
        Nameless(id="NET1", title="x", severity=Severity.LOW, category="x", reads=())
    with pytest.raises(ValueError, match="unknown fact kinds"):
        Nameless(id="KB-X-001", title="x", severity=Severity.LOW, category="x", reads=("colour",))
