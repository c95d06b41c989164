"""How every report form words an updated resource's action: in place, replaced (and why), or unknown."""

from __future__ import annotations

from typing import Any

from kiban.audit.changes import Action, ChangeKind, ResourceChange
from kiban.audit.values import resource_name

UNKNOWN_TEXT = "update (unknown whether it replaces: no force-new facts for this type)"


def action_text(change: ResourceChange) -> str:
    """ "update in place", "replace (schedulerHints.group → juki-app replaced)", or the unknown text; "" otherwise."""
    if change.kind != ChangeKind.UPDATED or change.action is None:
        return ""
    if change.action == Action.UPDATE:
        return "update in place"
    if change.action == Action.UNKNOWN:
        return UNKNOWN_TEXT
    why = ", ".join(change.replace_keys)
    if change.replaced_because:
        names = ", ".join(resource_name(urn) for urn in change.replaced_because)
        why = f"{why} → {names} replaced" if why else f"{names} replaced"
    return f"replace ({why})" if why else "replace"


def action_json(change: ResourceChange) -> dict[str, Any]:
    """The machine-readable form of the same: action, the force-new keys, and the replaced resources behind it."""
    data: dict[str, Any] = {
        "action": (change.action or Action.UNKNOWN).value,
        "replace_keys": list(change.replace_keys),
    }
    if change.replaced_because:
        data["replaced_because"] = list(change.replaced_because)
    return data
