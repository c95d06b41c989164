"""Which connections a verified platform must allow, and which it must refuse (pure).

Derived from an Ansible inventory written by `kiban inventory` or `kiban lab up`:
- every planned rule connects, from the first host of its source group to the first
  host of its destination group, on its port;
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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
    management = inventory["all"].get("vars", {}).get("kiban_management")
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
    """Every reachability check for an Ansible inventory document, in a stable order."""
    hosts: dict[str, dict[str, Any]] = inventory["all"]["hosts"]
    flows: list[dict[str, Any]] = inventory["all"]["vars"]["kiban_flows"]
    areas = [area["id"] for area in inventory["all"]["vars"]["kiban_areas"]]
    checker = _Checker(hosts, _representatives(hosts), management_port(inventory))
    checks = [
        *_flow_checks(checker, flows),
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
