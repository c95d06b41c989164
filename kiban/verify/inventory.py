"""From a deployed (or rendered) stack to an Ansible inventory that testinfra and Ansible both read.

The stack output ``inventory`` is the contract: this module finds it in whichever file
an operator has at hand, and writes it as Ansible's YAML inventory with groups by area,
role and business, each host with ``ansible_host``, how to reach it (user, port, the
bastion to jump through, become) and its kiban facts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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
    return located_inventory(file)[0]


def located_inventory(file: Path) -> tuple[dict[str, Any], FieldPath]:
    """The inventory document of a state file (as ``inventory_from_state``), and where in the file it is."""
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
    return inventory, where


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
        # A site stack's hosts say where they run; a whole city's (a spec without sites) keep today's facts.
        **({"kiban_site": host["site"]} if host.get("site") is not None else {}),
    }


def ansible_inventory(
    inventory: dict[str, Any], extra_facts: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Ansible's YAML inventory: every host under all.hosts, groups area_*, role_*, business_* (and site_*).

    Bastions form the group role_bastion; with a management section every host carries the
    operations account, the SSH port, become, and (except bastions) a ProxyJump through its bastion.
    A site stack's inventory (a spec with sites) also groups its hosts by site_<id> and carries the
    city's sites, links and cross-site flows; any other inventory is written exactly as before.
    """
    extra_facts = extra_facts or {}
    management = inventory.get("management")
    hosts: dict[str, Any] = {}
    children: dict[str, dict[str, dict[str, None]]] = {}
    for host in inventory["hosts"]:
        hosts[host["name"]] = {**host_facts(host, management), **extra_facts.get(host["name"], {})}
        memberships = _memberships(host)
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
                **_city_vars(inventory),
            },
        }
    }


def _memberships(host: dict[str, Any]) -> list[str]:
    memberships = [_group_name("area", host["area"]), _group_name("role", host["role"])]
    if host["business"]:
        memberships.append(_group_name("business", host["business"]))
    if host.get("site") is not None:
        memberships.append(_group_name("site", host["site"]))
    return memberships


# The city-wide keys of a site stack's inventory, and the Ansible variables that carry them.
CITY_KEYS = {
    "sites": "kiban_sites",
    "links": "kiban_links",
    "business_sites": "kiban_business_sites",
    "cross_site_flows": "kiban_cross_site_flows",
    "operations": "kiban_operations",
}


def _city_vars(inventory: dict[str, Any]) -> dict[str, Any]:
    found = {"kiban_site": inventory["site"]} if inventory.get("site") is not None else {}
    return found | {name: inventory[key] for key, name in CITY_KEYS.items() if key in inventory}


def merge_problems(states: Sequence[tuple[Path, dict[str, Any], FieldPath]]) -> list[tuple[Path, Problem]]:
    """Why several site states cannot make one inventory: each must be a site stack of one city, each site once."""
    found: list[tuple[Path, Problem]] = []
    first_file, first, _ = states[0]
    seen: dict[str, Path] = {}
    for file, inventory, where in states:
        site = inventory.get("site")
        if not isinstance(site, str) or not site:
            found.append(
                (
                    file,
                    Problem(
                        (*where, "site"),
                        "no site: only the states of a spec with sites' site stacks merge; a whole city's state "
                        "makes its inventory alone",
                    ),
                )
            )
            continue
        if inventory.get("municipality") != first.get("municipality"):
            found.append(
                (
                    file,
                    Problem(
                        (*where, "municipality"),
                        f"city {inventory.get('municipality')}, but {first_file} is city {first.get('municipality')}: "
                        "one inventory holds one city's sites",
                    ),
                )
            )
        elif inventory.get("sites") != first.get("sites"):
            found.append(
                (
                    file,
                    Problem(
                        (*where, "sites"),
                        f"the city's sites differ from those in {first_file}: the states come from different "
                        "versions of the spec; render or deploy every site from the same one",
                    ),
                )
            )
        if site in seen:
            found.append(
                (file, Problem((*where, "site"), f"site {site} again (also {seen[site]}): give each site's state once"))
            )
        else:
            seen[site] = file
    return found


def _merged_management(inventories: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """One operations account and port (one spec), and every site's bastions by area."""
    sections = [inventory["management"] for inventory in inventories if inventory.get("management")]
    if not sections:
        return None
    bastions: dict[str, list[str]] = {}
    for section in sections:
        for area, addresses in section.get("bastions", {}).items():
            bastions.setdefault(area, []).extend(addresses)
    return {**sections[0], "bastions": bastions}


def merged_ansible_inventory(inventories: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One Ansible inventory of several site stacks of one city (``merge_problems`` found nothing wrong).

    Host names are unique within a stack only (each site has its own integration hub, bastions and so
    on), so every host is named ``<name>.<site>`` and keeps its stack name as ``kiban_name``. Each
    site_<id> group carries that site's areas, planned rules and management, which Ansible gives its
    hosts over the city-wide ``all`` variables: every site's areas and rules (each with its ``site``),
    the bastions of all sites, and the city's sites, links and cross-site flows.
    """
    hosts: dict[str, Any] = {}
    children: dict[str, dict[str, Any]] = {}
    for inventory in inventories:
        site = inventory["site"]
        management = inventory.get("management")
        for host in inventory["hosts"]:
            name = f"{host['name']}.{site}"
            hosts[name] = host_facts({**host, "site": host.get("site") or site}, management) | {
                "kiban_name": host["name"]
            }
            for group in _memberships({**host, "site": host.get("site") or site}):
                children.setdefault(group, {"hosts": {}})["hosts"][name] = None
        children.setdefault(_group_name("site", site), {"hosts": {}})["vars"] = {
            "kiban_areas": inventory["areas"],
            "kiban_flows": inventory["flows"],
            "kiban_management": management,
        }
    city = {key: value for key, value in _city_vars(inventories[0]).items() if key != "kiban_site"}
    return {
        "all": {
            "hosts": hosts,
            "children": dict(sorted(children.items())),
            "vars": {
                "kiban_areas": [area | {"site": i["site"]} for i in inventories for area in i["areas"]],
                "kiban_flows": [rule | {"site": i["site"]} for i in inventories for rule in i["flows"]],
                "kiban_management": _merged_management(inventories),
                **city,
            },
        }
    }


def ansible_inventory_text(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


def write_ansible_inventory(document: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(ansible_inventory_text(document), encoding="utf-8")
