"""One resource of a state, and what an interpreter may read of the stack around it.

The interpreters (``audit.interpreters``) turn a resource into facts; the model
(``audit.model``) calls them for every resource it is asked about. Both import
this module and nothing of each other: the model satisfies ``Stack``, so the
interpreters never see more of it than ``Stack`` says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kiban.audit.state import PROVIDER_PREFIX
from kiban.audit.values import resource_name


@dataclass(frozen=True)
class Resource:
    urn: str
    type: str
    custom: bool
    id: str | None
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    parent: str | None
    provider: str | None  # the provider's URN (the "::id" suffix dropped: a provider's id changes when it is replaced)
    property_dependencies: Mapping[str, list[str]]
    raw: Mapping[str, Any]

    @property
    def name(self) -> str:
        return resource_name(self.urn)

    @property
    def is_provider(self) -> bool:
        return self.type.startswith(PROVIDER_PREFIX)

    @staticmethod
    def from_state(raw: Mapping[str, Any]) -> Resource:
        provider = raw.get("provider")
        return Resource(
            urn=raw["urn"],
            type=raw["type"],
            custom=bool(raw.get("custom", False)),
            id=raw.get("id") or None,
            inputs=raw.get("inputs") or {},
            outputs=raw.get("outputs") or {},
            parent=raw.get("parent") or None,
            provider=provider.rsplit("::", 1)[0] if isinstance(provider, str) and provider else None,
            property_dependencies=raw.get("propertyDependencies") or {},
            raw=raw,
        )


class Stack(Protocol):
    """What an interpreter may read of the stack around a resource (``audit.model.StackView`` is one)."""

    @property
    def resources(self) -> Mapping[str, Resource]:
        """Every live resource, by URN."""

    @property
    def ids(self) -> Mapping[str, str]:
        """Resource ids (and AWS ARNs) -> URN."""

    @property
    def memo(self) -> dict[str, Any]:
        """Stack-wide values an interpreter computes once (e.g. EBS default encryption)."""

    def ref(self, resource: Resource, key: str, value: Any = None) -> str | None:
        """The URN ``value`` (found under input ``key``) refers to; else the raw value; None when there is none."""
