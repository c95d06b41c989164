"""Where a kiban Ansible inventory keeps what its hosts share, and the view kiban's own readers take of it.

Ansible copies every variable of a group into every host of that group when it lists an inventory
(``ansible-inventory --list``, testinfra's Ansible backend on every ``kiban verify``). The city's plan
(every area, every planned rule) under ``all.vars`` made the sample's listing 151 MB. So the plan lives
in the variables of one group that holds no host (``kiban_plan``): it is written once, kiban's readers
find it, and Ansible gives it to no host. What the hosts do share (the operations account, the port,
become, the jump through a bastion) lives once, in ``all`` and in one ``via_<bastion>`` group per bastion.

kiban's readers (the suite, the reachability plan, the schema check) take the ``expanded`` view: the plan
under ``all.vars`` again, and each host with the Ansible connection variables it gets from its groups,
as Ansible would give them. An inventory written before (the plan under ``all.vars``, every host with its
own connection variables) reads the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PLAN_GROUP = "kiban_plan"
CONNECTION_PREFIX = "ansible_"


def plan_vars(document: Mapping[str, Any]) -> dict[str, Any]:
    """The city's plan: ``all.vars`` with the plan group's (a hostless group: Ansible gives them to no host)."""
    everything = document["all"]
    plan = ((everything.get("children") or {}).get(PLAN_GROUP) or {}).get("vars") or {}
    return {**(everything.get("vars") or {}), **plan}


def connection_vars(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The ``ansible_*`` variables Ansible gives host ``name``: ``all``'s, then its groups' by name, then its own.

    kiban writes every group directly under ``all`` and no variable in two of a host's groups, so Ansible's
    order among groups (depth, then name) is only ever a tie-break; it is followed here all the same.
    """
    everything = document["all"]
    found = {k: v for k, v in (everything.get("vars") or {}).items() if k.startswith(CONNECTION_PREFIX)}
    for _, group in sorted((everything.get("children") or {}).items()):
        members = (group or {}).get("hosts") or {}
        if name in members:
            variables = (group or {}).get("vars") or {}
            found |= {k: v for k, v in variables.items() if k.startswith(CONNECTION_PREFIX)}
    own = everything["hosts"].get(name) or {}
    return found | {k: v for k, v in own.items() if k.startswith(CONNECTION_PREFIX)}


def expanded(document: dict[str, Any]) -> dict[str, Any]:
    """The inventory as kiban's readers take it: the plan under ``all.vars``, each host with its connection variables.

    A new document; ``document`` is left as it is.
    """
    everything = document["all"]
    hosts = {name: {**connection_vars(document, name), **(facts or {})} for name, facts in everything["hosts"].items()}
    return {"all": {**everything, "hosts": hosts, "vars": plan_vars(document)}}
