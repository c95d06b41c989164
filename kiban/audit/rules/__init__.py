"""The registry of audit rules: every module here that defines ``RULE`` (one rule per file), by stable id."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from kiban.audit.rules.base import Failed, Outcome, ResourceRule, Rule, Scope, StackRule

_NOT_RULES = {"base"}


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, sorted by id; an id used twice is a programming error, caught here."""
    found: dict[str, Rule] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name in _NOT_RULES or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule):
            raise TypeError(f"{module.__name__}: a rule module defines RULE, an instance of a Rule subclass")
        if rule.id in found:
            raise ValueError(f"rule id {rule.id} is defined twice")
        found[rule.id] = rule
    return tuple(found[rule_id] for rule_id in sorted(found))


def rule_by_id(rule_id: str) -> Rule:
    for rule in all_rules():
        if rule.id == rule_id:
            return rule
    raise KeyError(rule_id)


__all__ = ["Failed", "Outcome", "ResourceRule", "Rule", "Scope", "StackRule", "all_rules", "rule_by_id"]
