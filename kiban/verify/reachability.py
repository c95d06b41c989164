"""Which connections a verified platform must allow, and which it must refuse (pure).

Derived from an Ansible inventory written by `kiban inventory` or `kiban lab up`:
- every planned rule connects, from the first host of its source group to the first
  host of its destination group, on its port, and from every replica of the source group
  to every replica of the destination group (a rule is written for the group's subnet, so a
  second replica left out of it, or a host firewall closed on one replica, is a real fault);
- a rule that crosses areas connects only on its port: the same pair on the
  destination's other ports and on the management port is refused;
- for each pair of areas with no planned rule between them, a host of the first
  reaches no host of the second, on any of its ports nor by ICMP;
- an outside network reaches no area its declared flows do not lead to;
- with a management section, SSH only through the bastion: a bastion reaches no host of
  another area on the SSH port, and an operations network reaches no host of its area but
  the bastion on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kiban.verify.hostvars import expanded, plan_vars

ICMP = "icmp"
MANAGEMENT_PORT = "22/tcp"
BASTION_ROLE = "bastion"


@dataclass(frozen=True)
class Check:
    source: str
    source_area: str
    target: str
    target_area: str
    address: str
    port: str  # "443/tcp", "123/udp" or "icmp"
    expect_open: bool
    why: str
    cross_site: bool = False  # between two sites of a hybrid city (over a link)

    @property
    def id(self) -> str:
        return f"{self.source}->{self.target}:{self.port}"

    def failure(self, outcome: str) -> str:
        """The message an operator reads when the check fails."""
        route = (
            f"{self.source} (area {self.source_area}) -> {self.target} (area {self.target_area}) "
            f"{self.address} {self.port}"
        )
        if self.expect_open:
            return f"{route}: expected to connect, got {outcome}; {self.why}"
        return f"{route}: connected but must be blocked; {self.why}"


def _first_port(port: str) -> str:
    span, _, protocol = port.partition("/")
    return f"{span.split('-')[0]}/{protocol}"


def management_port(inventory: dict[str, Any]) -> str:
    """The port sshd listens on: the management section's, else the default."""
    management = plan_vars(inventory).get("kiban_management")
    return f"{management['ssh_port']}/tcp" if management else MANAGEMENT_PORT


def _representatives(hosts: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The first host of each group stands for the group."""
    chosen: dict[str, str] = {}
    for name, facts in hosts.items():
        chosen.setdefault(facts["kiban_group"], name)
    return chosen


def _second_member(hosts: dict[str, dict[str, Any]], group: str) -> str | None:
    members = [name for name, facts in hosts.items() if facts["kiban_group"] == group]
    return members[1] if len(members) > 1 else None


def _rule_area(end: dict[str, Any]) -> str:
    return "outside" if end["kind"] == "external" else str(end["area"])


def plan_checks(inventory: dict[str, Any]) -> list[Check]:
    """Every reachability check for an Ansible inventory document, in a stable order.

    An inventory of several sites (its hosts carry ``kiban_site``) is checked site by site as above,
    each with its own rules, then across sites (``plan_cross_site_checks``).
    """
    inventory = expanded(inventory)  # the plan where `kiban inventory` keeps it, under all.vars
    sites = _sites(inventory)
    if sites:
        checks = [check for site in sites for check in _one_place_checks(_site_part(inventory, site))]
        checks += plan_cross_site_checks(inventory)
        unique: dict[str, Check] = {}
        for found in checks:
            unique.setdefault(found.id, found)
        return list(unique.values())
    return _one_place_checks(inventory)


def _sites(inventory: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(str(f["kiban_site"]) for f in inventory["all"]["hosts"].values() if f.get("kiban_site")))


def rule_site(rule: Mapping[str, Any], inventory: Mapping[str, Any]) -> str | None:
    """Whose rule it is: the merged inventory says so on each rule, a site stack's once for all."""
    site = rule.get("site") or plan_vars(inventory).get("kiban_site")
    return str(site) if site is not None else None


def _site_part(inventory: dict[str, Any], site: str) -> dict[str, Any]:
    """One site's hosts, areas and rules, as if its inventory stood alone."""
    variables = inventory["all"].get("vars", {})
    return {
        "all": {
            "hosts": {n: f for n, f in inventory["all"]["hosts"].items() if f.get("kiban_site") == site},
            "vars": {
                **variables,
                "kiban_areas": [a for a in variables["kiban_areas"] if a.get("site", site) == site],
                "kiban_flows": [r for r in variables["kiban_flows"] if rule_site(r, inventory) in (site, None)],
            },
        }
    }


def _one_place_checks(inventory: dict[str, Any]) -> list[Check]:
    hosts: dict[str, dict[str, Any]] = inventory["all"]["hosts"]
    flows: list[dict[str, Any]] = inventory["all"]["vars"]["kiban_flows"]
    areas = [area["id"] for area in inventory["all"]["vars"]["kiban_areas"]]
    checker = _Checker(hosts, _representatives(hosts), management_port(inventory))
    checks = [
        *_flow_checks(checker, flows),
        *_replica_checks(checker, flows),
        *_separation_checks(checker, flows, areas),
        *_ssh_only_through_bastions(inventory, checker.representative, checker.check, checker.ssh),
    ]
    unique: dict[str, Check] = {}
    for found in checks:
        unique.setdefault(found.id, found)
    return list(unique.values())


@dataclass(frozen=True)
class _Checker:
    """The hosts checks are made between: one representative per group, and the management port."""

    hosts: dict[str, dict[str, Any]]
    representative: dict[str, str]
    ssh: str

    def area_of(self, name: str) -> str:
        facts = self.hosts[name]
        return "outside" if facts.get("kiban_external") else str(facts["kiban_area"])

    def check(self, source: str, target: str, port: str, expect_open: bool, why: str) -> Check:
        address = self.hosts[target]["ansible_host"]
        return Check(source, self.area_of(source), target, self.area_of(target), address, port, expect_open, why)

    def ports_of(self, target: str) -> set[str]:
        """What ``target`` listens on, and the management port every host has."""
        return {_first_port(port) for port in self.hosts[target]["kiban_ports"]} | {self.ssh}


def _flow_checks(checker: _Checker, flows: list[dict[str, Any]]) -> list[Check]:
    """Each rule connects; a rule crossing areas opens only its own ports of the target."""
    checks: list[Check] = []
    allowed: dict[tuple[str, str], set[str]] = {}
    for rule in flows:
        allowed.setdefault((rule["from"]["group"], rule["to"]["group"]), set()).add(_first_port(rule["port"]))
    for rule in flows:
        source = checker.representative.get(rule["from"]["group"])
        target = checker.representative.get(rule["to"]["group"])
        if rule["from"]["group"] == rule["to"]["group"]:
            # A group admitting its own subnet (load-balancer health checks): one member to another, when
            # there is another; a host reaching itself goes over loopback and would prove nothing.
            target = _second_member(checker.hosts, rule["to"]["group"])
        if source is None or target is None:
            continue  # an outside network has no host outside a lab
        reason = f"declared flow {rule['flow']}" if rule["flow"] else f"platform rule {rule['kind']}"
        checks.append(checker.check(source, target, _first_port(rule["port"]), True, reason))
        if rule["crosses_areas"]:
            permitted = allowed[(rule["from"]["group"], rule["to"]["group"])]
            why = f"{reason} allows {', '.join(sorted(permitted))} only"
            checks += [
                checker.check(source, target, port, False, why) for port in sorted(checker.ports_of(target) - permitted)
            ]
    return checks


def _replica_checks(checker: _Checker, flows: list[dict[str, Any]]) -> list[Check]:
    """Each rule connects between every pair of its groups' members (a host never to itself)."""
    members: dict[str, list[str]] = {}
    for name, facts in checker.hosts.items():
        members.setdefault(str(facts["kiban_group"]), []).append(name)
    checks: list[Check] = []
    for rule in flows:
        reason = f"declared flow {rule['flow']}" if rule["flow"] else f"platform rule {rule['kind']}"
        port = _first_port(rule["port"])
        for source in members.get(rule["from"]["group"], []):
            for target in members.get(rule["to"]["group"], []):
                if source != target:
                    checks.append(checker.check(source, target, port, True, f"{reason}, replica to replica"))
    return checks


def _separation_checks(checker: _Checker, flows: list[dict[str, Any]], areas: list[str]) -> list[Check]:
    """Between two areas no rule joins (and from each outside network), every port of every host is blocked."""
    reached = {
        (_rule_area(rule["from"]), _rule_area(rule["to"])) for rule in flows if rule["from"]["kind"] != "external"
    }
    # Outside networks are each their own source: one of them reaching is as bad as any, and one
    # network's flow (an operations network's into its own area) opens nothing for the others.
    reached_from_outside: dict[str, set[str]] = {}
    for rule in flows:
        if rule["from"]["kind"] == "external":
            reached_from_outside.setdefault(rule["from"]["group"], set()).add(_rule_area(rule["to"]))
    checks: list[Check] = []
    for source_area in [*areas, "outside"]:
        for target_area in areas:
            if source_area == target_area or (source_area, target_area) in reached:
                continue
            sources = [name for name in checker.representative.values() if checker.area_of(name) == source_area]
            if source_area == "outside":
                sources = [
                    name
                    for name in sources
                    if target_area not in reached_from_outside.get(checker.hosts[name]["kiban_group"], set())
                ]
            else:
                sources = sources[:1]
            why = f"no planned flow lets {source_area} reach {target_area}"
            for source in sources:
                for target in checker.representative.values():
                    if checker.area_of(target) == target_area:
                        ports = [*sorted(checker.ports_of(target)), ICMP]
                        checks += [checker.check(source, target, port, False, why) for port in ports]
    return checks


def _ssh_only_through_bastions(
    inventory: dict[str, Any],
    representative: dict[str, str],
    check: Callable[[str, str, str, bool, str], Check],
    ssh: str,
) -> list[Check]:
    hosts: dict[str, dict[str, Any]] = inventory["all"]["hosts"]
    if not inventory["all"].get("vars", {}).get("kiban_management"):
        return []
    found: list[Check] = []
    inside = [name for name in representative.values() if not hosts[name].get("kiban_external")]
    for bastion in (name for name in inside if hosts[name]["kiban_role"] == BASTION_ROLE):
        area = hosts[bastion]["kiban_area"]
        for target in inside:
            if hosts[target]["kiban_area"] != area:
                found.append(check(bastion, target, ssh, False, f"a bastion of {area} manages its own area only"))
    terminals = [name for name in representative.values() if str(hosts[name]["kiban_group"]).startswith("operations:")]
    for terminal in terminals:
        area = hosts[terminal]["kiban_area"]
        for target in inside:
            if hosts[target]["kiban_area"] == area and hosts[target]["kiban_role"] != BASTION_ROLE:
                found.append(check(terminal, target, ssh, False, "operators reach hosts only through the bastion"))
    return found


def _far_group(group: str, site: str) -> str:
    """The real group behind a site view's far end ``external:<site>:<group>@<area>``."""
    return group.removeprefix(f"external:{site}:").rsplit("@", 1)[0]


def plan_cross_site_checks(inventory: dict[str, Any]) -> list[Check]:
    """Across the sites of a hybrid city, from the rules each site holds for its cross-site flows.

    - each cross-site flow connects from its ``from`` group to its ``to`` group on its port, and only
      on that port; no other group of the ``from`` end's area reaches the ``to`` group on it, and the
      ``to`` group reaches the ``from`` group on none of its ports (the reverse is not planned);
    - nothing else of the ``to`` end's area is reached from the ``from`` group;
    - between two areas of two sites that no cross-site flow joins, a host of the first reaches no
      host of the second (toward a public cloud the reason says that nothing above ``anonymized``
      may go there).
    """
    inventory = expanded(inventory)
    hosts: dict[str, dict[str, Any]] = inventory["all"]["hosts"]
    variables = inventory["all"].get("vars", {})
    rules = [(rule, rule_site(rule, inventory)) for rule in variables["kiban_flows"]]
    kinds = {site["id"]: site["kind"] for site in variables.get("kiban_sites", [])}
    relays = _relay_flows(variables.get("kiban_operations"))
    ssh = management_port(inventory)
    representative: dict[tuple[str, str], str] = {}
    for name, facts in hosts.items():
        representative.setdefault((str(facts.get("kiban_site")), str(facts["kiban_group"])), name)

    def area_label(name: str) -> str:
        return f"{hosts[name]['kiban_area']} at {hosts[name]['kiban_site']}"

    def check(source: str, target: str, port: str, expect_open: bool, why: str) -> Check:
        address = hosts[target]["ansible_host"]
        return Check(
            source, area_label(source), target, area_label(target), address, port, expect_open, why, cross_site=True
        )

    def ports_of(name: str) -> set[str]:
        return {_first_port(port) for port in hosts[name]["kiban_ports"]} | {ssh}

    # Each cross-site flow once: the rule its `from` site holds, between the two real groups.
    crossings: list[tuple[dict[str, Any], str, str]] = []
    for rule, site in rules:
        start, end = rule["from"], rule["to"]
        if site is None or start.get("site") != site or end.get("site") in (None, site):
            continue
        source = representative.get((site, start["group"]))
        target = representative.get((end["site"], _far_group(end["group"], end["site"])))
        if source is not None and target is not None:
            crossings.append((rule, source, target))
    allowed: dict[tuple[str, str], set[str]] = {}
    for rule, source, target in crossings:
        allowed.setdefault((source, target), set()).add(_first_port(rule["port"]))
    joined = {(hosts[source]["kiban_site"], hosts[source]["kiban_area"], hosts[target]["kiban_site"],
               hosts[target]["kiban_area"]) for _, source, target in crossings}  # fmt: skip

    checks: list[Check] = []
    for rule, source, target in crossings:
        port = _first_port(rule["port"])
        from_site, to_site = hosts[source]["kiban_site"], hosts[target]["kiban_site"]
        flow = f"cross-site flow {rule['flow']} ({from_site} -> {to_site})"
        if rule["flow"] in relays:
            flow = f"the {relays[rule['flow']]} relay's flow {rule['flow']} ({from_site} -> its manager at {to_site})"
        permitted = allowed[(source, target)]
        checks.append(check(source, target, port, True, flow))
        only = f"{flow} allows {', '.join(sorted(permitted))} only"
        checks += [check(source, target, other, False, only) for other in sorted(ports_of(target) - permitted)]
        reverse = f"{flow} opens only from {from_site} to {to_site}: the reverse is not planned"
        back = allowed.get((target, source), set())
        checks += [check(target, source, other, False, reverse) for other in sorted((ports_of(source) | {port}) - back)]
        for (site, _group), other in representative.items():
            facts = hosts[other]
            if other == source or site != from_site or facts["kiban_area"] != hosts[source]["kiban_area"]:
                continue
            if facts.get("kiban_external") or port in allowed.get((other, target), set()):
                continue
            checks.append(check(other, target, port, False, f"{flow} opens only from its `from` end, {source}"))
        for (site, _group), other in representative.items():
            facts = hosts[other]
            if other == target or site != to_site or facts["kiban_area"] != hosts[target]["kiban_area"]:
                continue
            if facts.get("kiban_external"):
                continue
            for other_port in sorted(ports_of(other) - allowed.get((source, other), set())):
                checks.append(check(source, other, other_port, False, f"{flow} reaches {target} only"))

    places = list(dict.fromkeys((str(f["kiban_site"]), str(f["kiban_area"])) for f in hosts.values()))
    for from_site, from_area in places:
        sources = [
            name
            for (site, _), name in representative.items()
            if site == from_site and hosts[name]["kiban_area"] == from_area and _stands_in(hosts[name])
        ][:1]
        for to_site, to_area in places:
            if to_site == from_site or (from_site, from_area, to_site, to_area) in joined:
                continue
            why = f"no cross-site flow lets {from_area} at {from_site} reach {to_area} at {to_site}"
            if kinds.get(to_site) == "public_cloud":
                why += f"; nothing above anonymized goes to a public cloud ({to_site})"
            targets = [
                name
                for (site, _), name in representative.items()
                if site == to_site and hosts[name]["kiban_area"] == to_area and _stands_in(hosts[name])
            ]
            for source in sources:
                for target in targets:
                    checks += [check(source, target, port, False, why) for port in [*sorted(ports_of(target)), ICMP]]
    return checks


def _relay_flows(operations: Any) -> dict[str, str]:
    """The flow id of each operations relay toward its manager, and the plane it belongs to (the
    inventory's ``kiban_operations``: None without planes; anything malformed counts as none)."""
    found: dict[str, str] = {}
    if not isinstance(operations, dict):
        return found
    for plane, config in operations.items():
        for relay in config.get("relays", []) if isinstance(config, dict) else []:
            if isinstance(relay, dict) and isinstance(relay.get("flow"), str):
                found[relay["flow"]] = str(plane)
    return found


def _stands_in(facts: dict[str, Any]) -> bool:
    """A host of the city, or an outside group that serves ports (a lab's stand-in for a public service)."""
    return not facts.get("kiban_external") or bool(facts.get("kiban_ports"))
