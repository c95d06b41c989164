"""The base of every diff check: what one ``KB-DIFF-*`` finding kind means, and how it is found.

Like the audit rules (``audit.rules.base``), a check file holds one class whose
``__init__`` passes the check's parameters (stable id, title, usual severity) to
the base class, and one instance, ``CHECK``, that the registry collects. The
class docstring says when the check reports: its first paragraph is what users
read (the rule description of ``kiban diff --format sarif``), the paragraphs
after it are for developers (why it is not simply an audit rule, what it shares
with other checks).

A check reads a ``Comparison``: the two states, their views, and the classified
changes. Most checks read the facts of the resources that changed and of their
context only (the same security group, the same replica group), so a diff of
thousands of resources costs little more than reading them; a check derived from
a stack rule (routes, the inventory) runs the rule on both states.

Two shapes:
- ``DiffCheck``: a meaning of its own (a path widened, replicas lost, a move);
- ``NewlyFailing``: "audit rule X fails where it did not"; it runs the rule on
  both states and phrases what fails in the new one only.

Every audit rule newly failing is reported, by construction: a check that
reports every new failure of some rules names them in ``derived_from`` (and
reports each at least at the rule's severity, ``at_least_the_rules``), and
KB-DIFF-RULE (``diff_020_rules``) reports the new failures of every other
registered rule. So ``kiban diff`` never says less than ``kiban audit`` of NEW
would newly say (issue 21). A check that says the same in its own words on the
same resource without running the rule names it in ``restates``; the two
findings are then folded into the check's.
"""

from __future__ import annotations

import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from kiban.audit.changes import PARENT, ChangeKind, ResourceChange
from kiban.audit.findings import Finding, RuleInfo, Severity
from kiban.audit.interpreters import may_have
from kiban.audit.model import Location, StackView
from kiban.audit.rules.base import Outcome, ResourceRule, Rule
from kiban.audit.state import StackState

DIFF_ID = re.compile(r"^KB-DIFF-[A-Z]+$")
# A finding only a diff can make, which a policy names with an id of its own (KB-PRV-004: a change touching
# 特定個人情報 calls for another look at the PIA), keeps that id; an audit rule's id is refused.
POLICY_ID = re.compile(r"^KB-[A-Z]+-\d{3}$")


@dataclass
class Comparison:
    """What every check reads: the two states (OLD and NEW), their views, and what changed between them."""

    old_state: StackState
    new_state: StackState
    old: StackView
    new: StackView
    changes: list[ResourceChange]
    providers_ignored: int = 0  # provider resources, left out of the changes
    # Values several checks need, computed by the first that asks (e.g. the widened firewall rules).
    memo: dict[str, Any] = field(default_factory=dict)

    def may(self, view: StackView, urn: str, kind: str) -> bool:
        """Whether the resource ``urn`` of ``view`` has a type that can carry facts of ``kind``."""
        resource = view.resources.get(urn)
        return resource is not None and may_have(resource.type, kind)

    @cached_property
    def moved(self) -> dict[str, tuple[Location, Location]]:
        """Resources whose area or tenant changed: when a component is re-parented, its unchanged children move too."""
        if not any(prop.path == PARENT for change in self.changes for prop in change.properties):
            return {}
        moved = {}
        for urn, resource in self.new.resources.items():
            if urn in self.old.resources and not resource.is_provider:
                was, now = self.old.location(urn), self.new.location(urn)
                if (was.area, was.tenant) != (now.area, now.tenant):
                    moved[urn] = (was, now)
        return moved


class DiffCheck(ABC):
    # The audit rules every new failure of which this check reports (at least at the rule's severity), so
    # that KB-DIFF-RULE leaves them to it rather than report the same failure twice.
    derived_from: tuple[Rule, ...] = ()
    # The audit rules whose new failure on a resource this check usually reports on that resource in its own
    # words, though it does not run the rule (KB-DIFF-PATH and KB-NET-001). Where it did, at least at the rule's
    # severity, the diff folds KB-DIFF-RULE's finding into this check's (``diff_020_rules.fold_restated``).
    restates: tuple[Rule, ...] = ()

    def __init__(self, *, id: str, title: str, severity: Severity) -> None:
        if not (DIFF_ID.match(id) or (POLICY_ID.match(id) and not _is_rule_id(id))):
            raise ValueError(f"diff check id {id!r} must look like KB-DIFF-PATH (or a policy id no audit rule has)")
        if not (type(self).__doc__ or "").strip():
            raise ValueError(f"{id}: a diff check's docstring says exactly when it reports")
        self.id = id
        self.title = title
        self.severity = severity

    @property
    def description(self) -> str:
        """The docstring's first paragraph on one line: what users read about the check."""
        text = inspect.cleandoc(type(self).__doc__ or "")
        return " ".join(text.split("\n\n", 1)[0].split("\n"))

    @property
    def info(self) -> RuleInfo:
        return RuleInfo(self.id, self.title, self.severity, self.description)

    @abstractmethod
    def find(self, comparison: Comparison) -> Iterator[Finding]:
        """Every finding of this kind between OLD and NEW."""

    def finding(
        self,
        comparison: Comparison,
        severity: Severity,
        message: str,
        urn: str | None,
        related: tuple[str, ...] = (),
        details: dict[str, object] | None = None,
    ) -> Finding:
        """A finding about ``urn``, placed where the resource sits in NEW."""
        location = comparison.new.location(urn) if urn is not None else None
        area, tenant = (location.area, location.tenant) if location is not None else (None, None)
        return Finding(self.id, severity, message, urn, area, tenant, related, details=details or {})


def _is_rule_id(check_id: str) -> bool:
    from kiban.audit.rules import all_rules

    return any(rule.id == check_id for rule in all_rules())


class NewlyFailing(DiffCheck):
    """A check that means "audit rule ``rule`` fails where it did not", found by running the rule on both states."""

    def __init__(self, *, id: str, title: str, severity: Severity, rule: Rule) -> None:
        super().__init__(id=id, title=title, severity=severity)
        self.rule = rule
        self.derived_from = (rule,)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        for failure in newly_failing(self.rule, comparison):
            yield at_least_the_rules(self.phrase(failure, comparison), self.rule)

    @abstractmethod
    def phrase(self, failure: Outcome, comparison: Comparison) -> Finding:
        """The finding of one failure NEW has and OLD had not: its severity and message in the diff's words."""


def at_least_the_rules(finding: Finding, rule: Rule) -> Finding:
    """``finding`` of a new failure of ``rule``, raised to the rule's severity if the diff graded it lower.

    ``kiban audit`` of NEW fails at the rule's severity; a diff graded lower would
    pass ``--fail-on`` where the audit fails (issue 21's false "clean").
    """
    return finding if finding.severity >= rule.severity else replace(finding, severity=rule.severity)


def newly_failing(rule: Rule, comparison: Comparison) -> list[Outcome]:
    """The failures of ``rule`` on NEW that OLD does not have (the same resource, the same subject or message).

    A resource rule judges each resource alone, so only the resources that changed
    are judged: an unchanged resource has the same facts, hence the same verdict,
    in both states. A stack rule is run on both whole states; OLD only when NEW
    fails at all. Each rule is judged once per comparison, whichever checks ask.
    """
    key = f"newly_failing.{rule.id}"
    known = comparison.memo.get(key)
    if isinstance(known, list):
        return known
    if isinstance(rule, ResourceRule):
        found = list(_resource_failures(rule, comparison))
    else:
        failing = [outcome for outcome in rule.evaluate(comparison.new) if not outcome.passed]
        before = (
            {_identity(outcome) for outcome in rule.evaluate(comparison.old) if not outcome.passed}
            if failing
            else set()
        )
        found = [outcome for outcome in failing if _identity(outcome) not in before]
    comparison.memo[key] = found
    return found


def _identity(outcome: Outcome) -> tuple[str | None, str]:
    """What a failure is about, to find it again in the other state: its resource (OLD is read in NEW's
    namespace), and what of the resource failed where the rule says (else its message)."""
    return outcome.urn, outcome.subject if outcome.subject is not None else outcome.message


def _resource_failures(rule: ResourceRule, comparison: Comparison) -> Iterator[Outcome]:
    old, new = comparison.old, comparison.new
    for change in comparison.changes:
        if change.kind == ChangeKind.REMOVED or not any(comparison.may(new, change.urn, kind) for kind in rule.reads):
            continue
        failing = [
            outcome for outcome in rule.judge(new.resources[change.urn], new.facts(change.urn)) if not outcome.passed
        ]
        if not failing:
            continue
        before = (
            {
                _identity(outcome)
                for outcome in rule.judge(old.resources[change.urn], old.facts(change.urn))
                if not outcome.passed
            }
            if change.urn in old
            else set()
        )
        yield from (outcome for outcome in failing if _identity(outcome) not in before)
