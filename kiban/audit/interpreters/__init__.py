"""Interpreters: one per provider, each turning that provider's resources into provider-neutral facts.

The registry is keyed by type-token prefix ("openstack:", "aws:"); a provider
resource ("pulumi:providers:openstack") goes to its package's interpreter. An
interpreter is a table from type token to a handler and the kinds of fact that
handler can produce, so a rule can pick its candidates by type alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiban.audit.facts import EMPTY, Facts
from kiban.audit.state import PROVIDER_PREFIX

if TYPE_CHECKING:
    from kiban.audit.model import Resource, StackView

Handler = Callable[["Resource", "StackView"], Facts]

# The kinds of fact (Facts' field names) a rule or the diff can ask for.
KINDS = frozenset(
    {
        "permits",
        "member",
        "spread",
        "disks",
        "metadata",
        "exposures",
        "filtering_off",
        "vlans",
        "subnets",
        "scope",
        "provider_scope",
        "serves",
        "routes",
        "links",
        "network_of",
    }
)


@dataclass(frozen=True)
class Interpreter:
    """What one provider's resources mean: type token -> (handler, the fact kinds it may produce)."""

    prefix: str
    handlers: Mapping[str, tuple[Handler, frozenset[str]]]
    # A handler for every type of the provider not in ``handlers`` (e.g. the tenancy of any resource).
    fallback: tuple[Handler, frozenset[str]] | None = None

    def __post_init__(self) -> None:
        kinds = {kind for _, produced in self.handlers.values() for kind in produced}
        if self.fallback is not None:
            kinds |= self.fallback[1]
        unknown = kinds - KINDS
        if unknown:
            raise ValueError(f"interpreter {self.prefix}: unknown fact kinds {sorted(unknown)}")

    def entry(self, type_: str) -> tuple[Handler, frozenset[str]] | None:
        return self.handlers.get(type_, self.fallback)


REGISTRY: dict[str, Interpreter] = {}


def register(interpreter: Interpreter) -> Interpreter:
    if interpreter.prefix in REGISTRY:
        raise ValueError(f"an interpreter for {interpreter.prefix} is already registered")
    REGISTRY[interpreter.prefix] = interpreter
    return interpreter


def prefix_of(type_: str) -> str:
    """ "openstack:compute/instance:Instance" and "pulumi:providers:openstack" -> "openstack:"."""
    if type_.startswith(PROVIDER_PREFIX):
        return type_[len(PROVIDER_PREFIX) :] + ":"
    return type_.split(":", 1)[0] + ":"


def interpreter_for(type_: str) -> Interpreter | None:
    return REGISTRY.get(prefix_of(type_))


def interpret(resource: Resource, view: StackView) -> Facts:
    interpreter = interpreter_for(resource.type)
    entry = interpreter.entry(resource.type) if interpreter is not None else None
    return entry[0](resource, view) if entry is not None else EMPTY


_MAY_HAVE: dict[tuple[str, str], bool] = {}


def may_have(type_: str, kind: str) -> bool:
    key = (type_, kind)
    cached = _MAY_HAVE.get(key)
    if cached is None:
        interpreter = interpreter_for(type_)
        entry = interpreter.entry(type_) if interpreter is not None else None
        cached = entry is not None and kind in entry[1]
        _MAY_HAVE[key] = cached
    return cached


# The built-in interpreters register themselves on import.
from kiban.audit.interpreters import aws, openstack  # noqa: E402

__all__ = [
    "KINDS",
    "REGISTRY",
    "Interpreter",
    "aws",
    "interpret",
    "interpreter_for",
    "may_have",
    "openstack",
    "register",
]
