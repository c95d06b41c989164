"""The interpreter registry: what an interpreter is, and the table of them by type-token prefix.

Apart from the package's ``__init__`` so that each provider's module can
register itself by importing this one, without importing the package that
imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kiban.audit.facts import EMPTY, Facts
from kiban.audit.resource import Resource, Stack
from kiban.audit.state import PROVIDER_PREFIX

Handler = Callable[[Resource, Stack], Facts]

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


def interpret(resource: Resource, view: Stack) -> Facts:
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
