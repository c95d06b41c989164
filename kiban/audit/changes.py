"""Resource-level changes between two states: added, removed, updated, with property-level before and after.

Noise is removed before comparing: provider resources (their configuration is
credentials and endpoints, and their ids change on every replacement), outputs
(computed by the provider; inputs say what the program asked for), the
manifest (time, versions), the bridge's ``__defaults`` bookkeeping, and ids that
only differ because a referenced resource was replaced (see ``audit.values``).
A resource's parent and provider are compared as the pseudo-properties
``(parent)`` and ``(provider)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from kiban.audit.model import Location, StackView
from kiban.audit.resource import Resource
from kiban.audit.values import Ref, contains_secret, normalize


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    UPDATED = "updated"


class Action(StrEnum):
    """What the provider does with an updated resource (audit.replace decides, from audit.replacements)."""

    UPDATE = "update"  # in place
    REPLACE = "replace"  # a new resource is created and the old one deleted
    UNKNOWN = "unknown"  # a type the force-new table does not know: it may be either


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
PARENT, PROVIDER = "(parent)", "(provider)"


@dataclass(frozen=True)
class PropertyChange:
    path: str
    before: Any  # normalized; MISSING when the property is new
    after: Any  # normalized; MISSING when the property was removed
    secret: bool  # either side holds a secret: neither value may be shown

    @property
    def kind(self) -> str:
        if self.before is MISSING:
            return "added"
        if self.after is MISSING:
            return "removed"
        return "changed"


@dataclass(frozen=True)
class ResourceChange:
    urn: str
    type: str
    name: str
    kind: ChangeKind
    location: Location
    properties: tuple[PropertyChange, ...] = ()
    action: Action | None = None  # updated resources only
    replace_keys: tuple[str, ...] = ()  # the properties that force the replacement
    replaced_because: tuple[str, ...] = ()  # URNs of replaced resources a force-new property refers to


def _is_record_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, Mapping) for item in value)


def property_changes(before: Any, after: Any, path: str = "") -> list[PropertyChange]:
    """Differences down to the leaves: objects by key, lists of objects of equal length by index."""
    if before == after:
        return []
    secret = contains_secret(before) or contains_secret(after)
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        changes: list[PropertyChange] = []
        for key in sorted(set(before) | set(after)):
            child = f"{path}.{key}" if path else key
            changes += property_changes(before.get(key, MISSING), after.get(key, MISSING), child)
        return changes
    if not secret and _is_record_list(before) and _is_record_list(after) and len(before) == len(after):
        changes = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            changes += property_changes(old, new, f"{path}[{index}]")
        return changes
    return [PropertyChange(path or "(value)", before, after, secret)]


def _inputs_equal(old: Resource, new: Resource) -> bool:
    # Comparing the raw JSON first is the fast path: almost every resource of a real diff is unchanged.
    return old.raw.get("inputs") == new.raw.get("inputs")


def resource_changes(old: StackView, new: StackView) -> tuple[list[ResourceChange], int]:
    """Every change, and how many provider resources were left out of the comparison."""
    changes: list[ResourceChange] = []
    providers = 0
    for urn, resource in new.resources.items():
        if resource.is_provider:
            providers += 1
            continue
        previous = old.resources.get(urn)
        if previous is None:
            changes.append(ResourceChange(urn, resource.type, resource.name, ChangeKind.ADDED, new.location(urn)))
            continue
        if (
            _inputs_equal(previous, resource)
            and previous.parent == resource.parent
            and previous.provider == resource.provider
        ):
            continue
        properties = property_changes(normalize(previous.inputs, old.ids), normalize(resource.inputs, new.ids))
        if previous.parent != resource.parent:
            properties.append(PropertyChange(PARENT, _ref(previous.parent), _ref(resource.parent), False))
        if previous.provider != resource.provider:
            properties.append(PropertyChange(PROVIDER, _ref(previous.provider), _ref(resource.provider), False))
        if properties:
            changes.append(
                ResourceChange(
                    urn, resource.type, resource.name, ChangeKind.UPDATED, new.location(urn), tuple(properties)
                )
            )
    for urn, resource in old.resources.items():
        if urn in new.resources:
            continue
        if resource.is_provider:
            providers += 1
            continue
        changes.append(ResourceChange(urn, resource.type, resource.name, ChangeKind.REMOVED, old.location(urn)))
    return changes, providers


def _ref(urn: str | None) -> Any:
    return Ref(urn) if urn else MISSING
