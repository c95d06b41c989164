"""Updated in place or replaced: what the provider will do with each updated resource.

A resource is replaced when a property its provider marks force-new changes
(``audit.replacements``), when its provider reference changes, or when a
force-new property refers to a resource that is itself replaced: a new server
group has a new id, so every instance naming it in ``schedulerHints`` is created
anew, and every volume attachment naming those instances after them. The last
case changes nothing in the inputs as the diff compares them (references are
compared by the resource they name, not by id), so such resources are added to
the changes as replaced, with the resources that force them.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from kiban.audit.changes import Action, ChangeKind, ResourceChange
from kiban.audit.model import StackView
from kiban.audit.replacements import FORCE_NEW, forcing
from kiban.audit.values import MIN_ID_LENGTH


def classify(old: StackView, new: StackView, changes: list[ResourceChange]) -> list[ResourceChange]:
    """``changes`` with an action on every update, plus the unchanged resources a replacement re-creates."""
    classified: list[ResourceChange] = []
    replaced: dict[str, ResourceChange] = {}
    for change in changes:
        if change.kind != ChangeKind.UPDATED:
            classified.append(change)
            continue
        resource = new.resources[change.urn]
        if not resource.custom:
            # A component has no provider: nothing re-creates it.
            classified.append(dataclasses.replace(change, action=Action.UPDATE))
            continue
        paths = [prop.path for prop in change.properties]
        keys = forcing(change.type, paths, old.resources[change.urn].inputs, resource.inputs)
        action = Action.UNKNOWN if keys is None else Action.REPLACE if keys else Action.UPDATE
        updated = dataclasses.replace(change, action=action, replace_keys=keys or ())
        classified.append(updated)
        if action == Action.REPLACE:
            replaced[change.urn] = updated
    forced = _cascade(new, replaced)
    if not forced:
        return classified
    result: list[ResourceChange] = []
    for change in classified:
        forcing_refs = forced.pop(change.urn, None)
        if forcing_refs is not None and change.kind == ChangeKind.UPDATED and change.action != Action.REPLACE:
            # Updated in place by its own properties, but a force-new property names a replaced resource.
            change = dataclasses.replace(
                change,
                action=Action.REPLACE,
                replace_keys=(*change.replace_keys, *sorted(forcing_refs)),
                replaced_because=_because(forcing_refs),
            )
        result.append(change)
    for urn, refs in sorted(forced.items()):
        if urn in replaced:
            continue
        resource = new.resources[urn]
        result.append(
            ResourceChange(
                urn,
                resource.type,
                resource.name,
                ChangeKind.UPDATED,
                new.location(urn),
                (),
                Action.REPLACE,
                tuple(sorted(refs)),
                _because(refs),
            )
        )
    return result


def _because(keys: Mapping[str, set[str]]) -> tuple[str, ...]:
    return tuple(sorted({target for targets in keys.values() for target in targets}))


def _cascade(new: StackView, replaced: Mapping[str, ResourceChange]) -> dict[str, dict[str, set[str]]]:
    """Resource -> force-new key -> the replaced resources it names, for everything replacements re-create."""
    if not replaced:
        return {}
    referrers = _referrers(new)
    forced: dict[str, dict[str, set[str]]] = {}
    queue = list(replaced)
    seen = set(queue)
    while queue:
        target = queue.pop()
        for urn, key in referrers.get(target, ()):
            if urn in replaced:
                continue  # replaced by its own change already
            forced.setdefault(urn, defaultdict(set))[key].add(target)
            if urn not in seen:
                seen.add(urn)
                queue.append(urn)
    return forced


def _referrers(view: StackView) -> dict[str, list[tuple[str, str]]]:
    """For each resource, the (resource, force-new key) pairs whose value names it by id."""
    index: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for resource in view:
        entry = FORCE_NEW.get(resource.type)
        if entry is None or not resource.custom:
            continue
        for key in entry.keys:
            for value in _values_at(resource.inputs, key.split(".")):
                target = view.ids.get(value) if len(value) >= MIN_ID_LENGTH else None
                if target is not None and target != resource.urn:
                    index[target].append((resource.urn, key))
    return index


def _values_at(value: Any, path: list[str]) -> Iterator[str]:
    """Every string under ``path`` in an input value (through lists, and through objects below the path)."""
    if isinstance(value, list):
        for item in value:
            yield from _values_at(item, path)
    elif isinstance(value, Mapping):
        if path:
            if path[0] in value:
                yield from _values_at(value[path[0]], path[1:])
        else:
            for item in value.values():
                yield from _values_at(item, path)
    elif isinstance(value, str) and not path:
        yield value
