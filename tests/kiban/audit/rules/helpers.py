"""Run one rule on a hand-written stack and list its verdicts as (passed, resource name, message)."""

from __future__ import annotations

from kiban.audit.model import StackView
from kiban.audit.rules import Rule
from tests.kiban.audit.builders import Export


def verdicts(rule: Rule, export: Export) -> list[tuple[bool, str | None, str]]:
    view = StackView(export.resources)
    return [
        (outcome.passed, view.resources[outcome.urn].name if outcome.urn else None, outcome.message)
        for outcome in rule.evaluate(view)
    ]


def failures(rule: Rule, export: Export) -> list[tuple[str | None, str]]:
    return [(name, message) for passed, name, message in verdicts(rule, export) if not passed]
