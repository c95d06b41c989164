"""From a deployed (or rendered) stack to an Ansible inventory that testinfra and Ansible both read.

The stack output ``inventory`` is the contract: this module finds it in whichever file
an operator has at hand, and writes it as Ansible's YAML inventory with groups by area,
role and business, each host with ``ansible_host``, how to reach it (user, port, the
bastion to jump through, become) and its kiban facts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from kiban.verify.schema import inventory_problems
from kiban_platform.spec.jsonsource import parse_json, read_json
from kiban_platform.spec.problems import FieldPath, Problem, SpecError

STACK_TYPE = "pulumi:pulumi:Stack"
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"


def _group_name(prefix: str, value: str) -> str:
    # Ansible group names are identifiers: letters, digits and underscores.
    return f"{prefix}_{re.sub(r'[^A-Za-z0-9_]', '_', value)}"


def _unwrap(value: Any, file: Path, where: FieldPath) -> Any:
    if isinstance(value, dict) and SECRET_SIGNATURE in value:
        if "plaintext" in value:
            plaintext = value["plaintext"]
            if not isinstance(plaintext, str):
                raise SpecError(file, [Problem((*where, "plaintext"), "a secret's plaintext must be JSON text")])
            try:
                return parse_json(plaintext, file, "secret's plaintext")
            except SpecError as error:
                raise SpecError(
                    file, [Problem((*where, "plaintext"), f"a secret's plaintext {p.message}") for p in error.problems]
                ) from None
        raise SpecError(
            file,
            [Problem(where, "the inventory output is an encrypted secret; export it with --show-secrets")],
        )
    return value


def inventory_from_state(file: Path) -> dict[str, Any]:
    """The inventory document in a `pulumi stack export`, a kiban render, or `pulumi stack output --json`.

    SpecError (FILE: json.path: message) when the file, the stack outputs or the document itself
    has the wrong shape: every field kiban reads is checked (verify/schema.py) before it is used.
    """
    data = read_json(
        file, "state or stack output file", "expected `pulumi stack export` or `pulumi stack output --json`"
    )
    if not isinstance(data, dict):
        raise SpecError(file, [Problem((), "expected a JSON object")])
    where: FieldPath
    if "deployment" in data:
        deployment = data["deployment"]
        if not isinstance(deployment, dict):
            raise SpecError(file, [Problem(("deployment",), "must be an object with manifest and resources")])
        resources = deployment.get("resources") or []
        if not isinstance(resources, list):
            raise SpecError(file, [Problem(("deployment", "resources"), "must be a list of resources")])
        found = next(
            ((i, r) for i, r in enumerate(resources) if isinstance(r, dict) and r.get("type") == STACK_TYPE), None
        )
        if found is None:
            raise SpecError(
                file, [Problem(("deployment", "resources"), f"no {STACK_TYPE} resource: not a stack export")]
            )
        index, stack = found
        outputs = stack.get("outputs") or {}
        where = ("deployment", "resources", index, "outputs", "inventory")
        if not isinstance(outputs, dict):
            raise SpecError(file, [Problem(where[:-1], "the stack's outputs must be an object")])
    else:
        outputs = data  # `pulumi stack output --json` prints the outputs themselves
        where = ("inventory",)
    if "inventory" not in outputs:
        raise SpecError(file, [Problem(where, "no 'inventory' output: was the stack deployed by kiban?")])
    inventory = _unwrap(outputs["inventory"], file, where)
    if not isinstance(inventory, dict) or not {"hosts", "areas", "flows"} <= inventory.keys():
        raise SpecError(file, [Problem(where, "the inventory needs 'hosts', 'areas' and 'flows'")])
    problems = inventory_problems(inventory, where)
    if problems:
        raise SpecError(file, problems)
    return inventory


def connection_facts(host: dict[str, Any], management: dict[str, Any] | None) -> dict[str, Any]:
    """How Ansible and testinfra reach a host: as the operations account, through its area's bastion, with sudo.

    The firewall check reads nftables, which needs root: every host escalates with become.
    A bastion is reached directly (from an operations network); every other host with
    ProxyJump through the bastion its inventory entry names.
    """
    facts: dict[str, Any] = {"ansible_become": True}
    if management is None:
        return facts
    user, port = management["user"], management["ssh_port"]
    facts |= {"ansible_user": user, "ansible_port": port}
    bastion = host.get("bastion")
    if bastion:
        facts["ansible_ssh_common_args"] = f"-o ProxyJump={user}@{bastion}:{port}"
    return facts


def host_facts(host: dict[str, Any], management: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "ansible_host": host["address"],
        **connection_facts(host, management),
        "kiban_role": host["role"],
        "kiban_business": host["business"],
        "kiban_tier": host["tier"],
        "kiban_area": host["area"],
        "kiban_group": host["group"],
        "kiban_subnet": host["subnet"],
        "kiban_failure_domain": host["failure_domain"],
        "kiban_blade": host["blade"],
        "kiban_ports": list(host["ports"]),
        "kiban_bastion": host.get("bastion"),
    }


def ansible_inventory(
    inventory: dict[str, Any], extra_facts: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Ansible's YAML inventory: every host under all.hosts, groups area_*, role_*, business_*.

    Bastions form the group role_bastion; with a management section every host carries the
    operations account, the SSH port, become, and (except bastions) a ProxyJump through its bastion.
    """
    extra_facts = extra_facts or {}
    management = inventory.get("management")
    hosts: dict[str, Any] = {}
    children: dict[str, dict[str, dict[str, None]]] = {}
    for host in inventory["hosts"]:
        hosts[host["name"]] = {**host_facts(host, management), **extra_facts.get(host["name"], {})}
        memberships = [_group_name("area", host["area"]), _group_name("role", host["role"])]
        if host["business"]:
            memberships.append(_group_name("business", host["business"]))
        for group in memberships:
            children.setdefault(group, {"hosts": {}})["hosts"][host["name"]] = None
    for name, facts in extra_facts.items():
        if name not in hosts:
            hosts[name] = facts  # hosts that exist only in a lab, such as outside networks
    return {
        "all": {
            "hosts": hosts,
            "children": dict(sorted(children.items())),
            "vars": {
                "kiban_areas": inventory["areas"],
                "kiban_flows": inventory["flows"],
                "kiban_management": management,
            },
        }
    }


def ansible_inventory_text(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


def write_ansible_inventory(document: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(ansible_inventory_text(document), encoding="utf-8")
