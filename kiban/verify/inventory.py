"""From a deployed (or rendered) stack to an Ansible inventory that testinfra and Ansible both read.

The stack output ``inventory`` is the contract: this module finds it in whichever file
an operator has at hand, and writes it in Ansible's YAML inventory shape (as JSON text) with
groups by area, role and business, each host with ``ansible_host`` and its kiban facts. How
hosts are reached (user, port, become, the bastion to jump through) and the plan are written
once, not per host (``hostvars`` says where).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kiban.verify.hostvars import PLAN_GROUP
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


def shared_connection_facts(management: dict[str, Any] | None) -> dict[str, Any]:
    """What every host of a city is reached with (written once, under ``all.vars``).

    The firewall check reads nftables, which needs root: every host escalates with become. With a
    management section, every host is reached as the operations account on its SSH port; a bastion
    directly (from an operations network), every other host through its bastion (``jump_facts``).
    """
    facts: dict[str, Any] = {"ansible_become": True}
    if management is not None:
        facts |= {"ansible_user": management["user"], "ansible_port": management["ssh_port"]}
    return facts


def jump_facts(management: dict[str, Any], bastion: str) -> dict[str, Any]:
    """How a host behind ``bastion`` is reached (written once per bastion, in its ``via_<bastion>`` group)."""
    return {"ansible_ssh_common_args": f"-o ProxyJump={management['user']}@{bastion}:{management['ssh_port']}"}


def host_facts(host: dict[str, Any]) -> dict[str, Any]:
    """A host's own variables: its address and its kiban facts (how it is reached lives in its groups)."""
    return {
        "ansible_host": host["address"],
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


def _jump_groups(
    placed: Sequence[tuple[str, dict[str, Any], dict[str, Any] | None]], hosts: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """One ``via_<bastion>`` group per bastion, holding the hosts that jump through it and the ProxyJump once.

    ``placed`` is each written host name with its inventory entry and its stack's management section. A
    host whose bastion address is no bastion of the inventory (a lab keeps one host per group) carries
    its ProxyJump itself, in ``hosts``.
    """
    bastion_names: dict[tuple[str, str], str] = {}
    for name, host, _ in placed:
        if host["role"] == "bastion":
            bastion_names.setdefault((str(host.get("site")), host["address"]), name)
    groups: dict[str, dict[str, Any]] = {}
    for name, host, management in placed:
        bastion = host.get("bastion")
        if management is None or not bastion:
            continue
        through = bastion_names.get((str(host.get("site")), bastion))
        if through is None:
            hosts[name] |= jump_facts(management, bastion)
            continue
        group = groups.setdefault(_group_name("via", through), {"hosts": {}, "vars": jump_facts(management, bastion)})
        group["hosts"][name] = None
    return groups


def ansible_inventory(
    inventory: dict[str, Any], extra_facts: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Ansible's YAML inventory: every host under all.hosts, groups area_*, role_*, business_* (and site_*).

    Bastions form the group role_bastion; with a management section every host is reached as the
    operations account on the SSH port with become (``all.vars``), and every host but the bastions
    through its area's bastion (the group ``via_<bastion>``'s ProxyJump). The plan (areas, rules,
    management) is the variables of the hostless group ``kiban_plan`` (``hostvars``: Ansible copies
    no host a copy). A site stack's inventory (a spec with sites) also groups its hosts by site_<id>
    and carries the city's sites, links and cross-site flows in the plan.
    """
    extra_facts = extra_facts or {}
    management = inventory.get("management")
    hosts: dict[str, Any] = {}
    children: dict[str, dict[str, Any]] = {}
    for host in inventory["hosts"]:
        hosts[host["name"]] = {**host_facts(host), **extra_facts.get(host["name"], {})}
        for group in _memberships(host):
            children.setdefault(group, {"hosts": {}})["hosts"][host["name"]] = None
    children |= _jump_groups([(host["name"], host, management) for host in inventory["hosts"]], hosts)
    for name, facts in extra_facts.items():
        if name not in hosts:
            hosts[name] = facts  # hosts that exist only in a lab, such as outside networks
    plan = {
        "kiban_areas": inventory["areas"],
        "kiban_flows": inventory["flows"],
        "kiban_management": management,
        **_city_vars(inventory),
    }
    return _document(hosts, children, shared_connection_facts(management), plan)


def _document(
    hosts: dict[str, Any], children: dict[str, dict[str, Any]], shared: dict[str, Any], plan: dict[str, Any]
) -> dict[str, Any]:
    return {
        "all": {
            "hosts": hosts,
            "children": dict(sorted({**children, PLAN_GROUP: {"hosts": {}, "vars": plan}}.items())),
            "vars": shared,
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
    "spec_digest": "kiban_spec_digest",
}


def _city_vars(inventory: dict[str, Any]) -> dict[str, Any]:
    found = {"kiban_site": inventory["site"]} if inventory.get("site") is not None else {}
    return found | {name: inventory[key] for key, name in CITY_KEYS.items() if key in inventory}


# What a site stack's inventory says of the whole city: equal in every site stack of one spec.
CITY_WIDE_KEYS = ("sites", "links", "business_sites", "api_gateways", "area_levels", "cross_site_flows", "operations")
SPEC_DIGEST_KEY = "spec_digest"


def _site_problem(inventory: dict[str, Any], where: FieldPath) -> Problem | None:
    site = inventory.get("site")
    if isinstance(site, str) and site:
        return None
    return Problem(
        (*where, "site"),
        "no site: only the states of a spec with sites' site stacks merge; a whole city's state makes its "
        "inventory alone",
    )


def _version_problem(
    inventory: dict[str, Any], where: FieldPath, first: dict[str, Any], first_file: Path
) -> Problem | None:
    """Whether two site states come from different versions of the city's spec.

    Each site stack publishes the digest of the spec it was planned from (``spec_digest``); a state
    written before the digest existed is compared by everything it says of the whole city.
    """
    advice = "render or deploy every site from the same one"
    if SPEC_DIGEST_KEY in inventory and SPEC_DIGEST_KEY in first:
        if inventory[SPEC_DIGEST_KEY] == first[SPEC_DIGEST_KEY]:
            return None
        return Problem(
            (*where, SPEC_DIGEST_KEY),
            f"planned from spec {inventory[SPEC_DIGEST_KEY]}, but {first_file} from spec {first[SPEC_DIGEST_KEY]}: "
            f"the states come from different versions of the spec; {advice}",
        )
    for key in CITY_WIDE_KEYS:
        if inventory.get(key) != first.get(key):
            return Problem(
                (*where, key),
                f"the city's {key} differ from those in {first_file}: the states come from different versions "
                f"of the spec; {advice}",
            )
    return None


def merge_problems(states: Sequence[tuple[Path, dict[str, Any], FieldPath]]) -> list[tuple[Path, Problem]]:
    """Why several site states cannot make one inventory: each a site stack of one city and one spec, each site once.

    Each state is compared with the first of the others that is a site state, so the problems found do
    not depend on the order of the states given, only which of the two files each message names first.
    """
    found: list[tuple[Path, Problem]] = []
    site_states = [state for state in states if _site_problem(state[1], state[2]) is None]
    seen: dict[str, Path] = {}
    for file, inventory, where in states:
        problem = _site_problem(inventory, where)
        if problem is not None:
            found.append((file, problem))
            continue
        first_file, first, _ = site_states[0]
        if inventory is not first and inventory.get("municipality") != first.get("municipality"):
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
        elif inventory is not first:
            version = _version_problem(inventory, where, first, first_file)
            if version is not None:
                found.append((file, version))
        site = inventory["site"]
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


def in_site_order(inventories: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The site states in the city's order of sites (the spec's), whatever order they were given in."""
    order = {site.get("id"): index for index, site in enumerate(inventories[0].get("sites") or [])}
    return sorted(inventories, key=lambda inventory: (order.get(inventory["site"], len(order)), inventory["site"]))


def merged_ansible_inventory(inventories: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One Ansible inventory of several site stacks of one city (``merge_problems`` found nothing wrong).

    Host names are unique within a stack only (each site has its own integration hub, bastions and so
    on), so every host is named ``<name>.<site>`` and keeps its stack name as ``kiban_name``; hosts are
    grouped by area, role and business across the sites, and by site_<id>. The plan (group ``kiban_plan``)
    holds every site's areas and rules (each with its ``site``), the bastions of all sites, each site's
    management section, and the city's sites, links and cross-site flows. The sites are written in the
    city's order whatever order the states came in, so the same states always make the same bytes.
    """
    inventories = in_site_order(inventories)
    hosts: dict[str, Any] = {}
    children: dict[str, dict[str, Any]] = {}
    placed: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
    for inventory in inventories:
        site = inventory["site"]
        children.setdefault(_group_name("site", site), {"hosts": {}})
        for host in inventory["hosts"]:
            name = f"{host['name']}.{site}"
            located = {**host, "site": host.get("site") or site}
            hosts[name] = host_facts(located) | {"kiban_name": host["name"]}
            placed.append((name, located, inventory.get("management")))
            for group in _memberships(located):
                children.setdefault(group, {"hosts": {}})["hosts"][name] = None
    children |= _jump_groups(placed, hosts)
    city = {key: value for key, value in _city_vars(inventories[0]).items() if key != "kiban_site"}
    management = _merged_management(inventories)
    plan = {
        "kiban_areas": [area | {"site": i["site"]} for i in inventories for area in i["areas"]],
        "kiban_flows": [rule | {"site": i["site"]} for i in inventories for rule in i["flows"]],
        "kiban_management": management,
        "kiban_management_by_site": {i["site"]: i.get("management") for i in inventories},
        **city,
    }
    return _document(hosts, children, shared_connection_facts(management), plan)


def ansible_inventory_text(document: dict[str, Any]) -> str:
    """The inventory as JSON text, which is YAML too: Ansible's YAML inventory reader tries JSON first.

    Ansible builds Python objects node by node for YAML but parses JSON in C: the sample's inventory
    reads in about a third of the time (docs/VERIFY.md), on every `kiban verify` that lists it.
    """
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def write_ansible_inventory(document: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(ansible_inventory_text(document), encoding="utf-8")
