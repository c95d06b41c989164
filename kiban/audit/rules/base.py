"""The base of every audit rule: parameters in the constructor, the exact pass/fail in the docstring.

Like checkov's checks, a rule file holds one class whose ``__init__`` passes the
rule's parameters (stable id, title, severity, the fact kinds it reads) to the
base class, and one instance, ``RULE``, that the registry collects. A rule only
reads facts (``audit.facts``) through a ``StackView``, so the same function runs
in ``kiban audit`` on a state file and in the CrossGuard pack on a preview.

Two shapes:
- ``ResourceRule``: judges each resource on its own (``check``); the pack runs
  it as a resource policy;
- ``StackRule``: needs the whole stack (areas, groups, tenants); the pack runs it
  as a stack policy.
"""

from __future__ import annotations

import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from kiban.audit.facts import Facts
from kiban.audit.findings import RuleInfo, Severity
from kiban.audit.interpreters import KINDS
from kiban.audit.model import StackView
from kiban.audit.resource import Resource

RULE_ID = re.compile(r"^KB-[A-Z]+-\d{3}$")


class Scope(StrEnum):
    RESOURCE = "resource"
    STACK = "stack"


@dataclass(frozen=True)
class Outcome:
    """One verdict of one rule on one resource (or on the stack, when ``urn`` is None)."""

    rule: str
    urn: str | None
    passed: bool
    message: str = ""
    # What of the resource failed (a disk, a metadata service), where a resource can fail for several things:
    # a diff tells by it whether the thing is new or was there and passed (audit.diff_checks).
    subject: str | None = None


@dataclass(frozen=True)
class Failed:
    """One failure ``ResourceRule.check`` found, with what of the resource it is about (``Outcome.subject``)."""

    message: str
    subject: str


class Rule(ABC):
    scope: Scope = Scope.STACK
    # A rule that tells a secret from plain text needs a state: CrossGuard hands a policy every secret
    # unwrapped to its plain value, so the policy pack leaves such a rule out rather than fail every key.
    needs_sealed_secrets: bool = False

    def __init__(self, *, id: str, title: str, severity: Severity, category: str, reads: Iterable[str]) -> None:
        if not RULE_ID.match(id):
            raise ValueError(f"rule id {id!r} must look like KB-NET-001")
        unknown = set(reads) - KINDS
        if unknown:
            raise ValueError(f"{id}: reads unknown fact kinds {sorted(unknown)}")
        if not (type(self).__doc__ or "").strip():
            raise ValueError(f"{id}: a rule's docstring says exactly when it passes and fails")
        self.id = id
        self.title = title
        self.severity = severity
        self.category = category
        self.reads = tuple(reads)

    @property
    def info(self) -> RuleInfo:
        return RuleInfo(self.id, self.title, self.severity, inspect.cleandoc(type(self).__doc__ or ""))

    @abstractmethod
    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        """Every verdict on ``view``: a pass or a failure for each resource the rule applies to."""

    def candidates(self, view: StackView) -> Iterator[Resource]:
        """The resources whose type can carry a fact this rule reads (each once)."""
        seen: set[str] = set()
        for kind in self.reads:
            for resource in view.having(kind):
                if resource.urn not in seen:
                    seen.add(resource.urn)
                    yield resource

    def pass_(self, urn: str | None) -> Outcome:
        return Outcome(self.id, urn, True)

    def fail(self, urn: str | None, message: str, subject: str | None = None) -> Outcome:
        return Outcome(self.id, urn, False, message, subject)

    def verdicts(self, urn: str | None, failures: list[str]) -> list[Outcome]:
        """One failure per message, or a pass when there are none."""
        return [self.fail(urn, message) for message in failures] if failures else [self.pass_(urn)]


class StackRule(Rule):
    """A rule that needs the whole stack; subclasses implement ``evaluate``."""

    scope = Scope.STACK


class ResourceRule(Rule):
    """A rule that judges one resource at a time from its own facts."""

    scope = Scope.RESOURCE

    @abstractmethod
    def check(self, resource: Resource, facts: Facts) -> Sequence[str | Failed] | None:
        """None: the rule does not apply; []: it passes; else one message (or ``Failed``) per failure."""

    def judge(self, resource: Resource, facts: Facts) -> list[Outcome]:
        """The verdicts on one resource: none when the rule does not apply, a pass, or one failure each."""
        found = self.check(resource, facts)
        if found is None:
            return []
        if not found:
            return [self.pass_(resource.urn)]
        return [
            self.fail(resource.urn, item.message, item.subject)
            if isinstance(item, Failed)
            else self.fail(resource.urn, item)
            for item in found
        ]

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        for resource in self.candidates(view):
            yield from self.judge(resource, view.facts(resource.urn))
