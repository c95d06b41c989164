"""Whether the stack output ``inventory`` and the instances agree host for host.

Verification, the lab and operators read the inventory, never provider
resources; a host the inventory lists that no instance declares (a replica
removed from the resources, a failed refactor) would be checked, monitored and
load-balanced as if it ran. Shared by rule KB-INV-001 and diff finding
KB-DIFF-INVENTORY. A host is matched by name: the instance's host name
(OpenStack ``name``, AWS tag ``Name``) is the inventory's ``name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kiban.audit.model import StackView
from kiban.audit.state import STACK_TYPE


@dataclass(frozen=True)
class Disagreement:
    urn: str | None  # the instance, or the stack itself for a host no instance declares
    message: str


def inventory_hosts(view: StackView) -> dict[str, str | None] | None:
    """Host name -> group of every host the inventory lists; None when the stack has no inventory."""
    inventory = view.stack_outputs.get("inventory")
    hosts = inventory.get("hosts") if isinstance(inventory, Mapping) else None
    if not isinstance(hosts, list):
        return None
    listed: dict[str, str | None] = {}
    for host in hosts:
        if isinstance(host, Mapping) and isinstance(host.get("name"), str):
            group = host.get("group")
            listed[host["name"]] = group if isinstance(group, str) else None
    return listed


def declared_hosts(view: StackView) -> dict[str, tuple[str, str | None]]:
    """Host name -> (instance URN, group) of every instance that names its host."""
    declared: dict[str, tuple[str, str | None]] = {}
    for resource in view.having("member"):
        member = view.facts(resource.urn).member
        if member is not None and member.host is not None:
            declared[member.host] = (resource.urn, member.group)
    return declared


def disagreements(view: StackView) -> list[Disagreement]:
    listed = inventory_hosts(view)
    if listed is None:
        return []
    declared = declared_hosts(view)
    root = next((resource.urn for resource in view if resource.type == STACK_TYPE), None)
    found = []
    for name, group in sorted(listed.items()):
        if name not in declared:
            shown = f"{name} ({group})" if group else name
            found.append(Disagreement(root, f"the inventory lists host {shown}, no instance declares it"))
    for name, (urn, group) in sorted(declared.items()):
        if group is not None and name not in listed:
            found.append(Disagreement(urn, f"instance {name} ({group}) is not in the inventory"))
    return found
