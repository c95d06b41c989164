"""The hybrid test city's site stacks with hosts and the operations planes: gc's relays report to dc1.

gc runs one business with a batch tier (juki) and its My Number area's monitoring, job_management and
time_name (the relays); dc1 runs the managers. Each inventory holds the rules kiban plans: every host
to its area's monitoring and time_name, the batch tier to the job manager, each relay's flow toward
dc1 (``ops-<plane>-gc-mynumber``), and the ``operations`` key a site stack exports.
"""

from __future__ import annotations

from typing import Any

from tests.kiban.audit.hybrid_city import SiteStack

PLANES = {
    "monitoring": ("monitoring", "ops-monitoring-gc-mynumber", ["10051/tcp"]),
    "job_management": ("job_management", "ops-jobs-gc-mynumber", ["20240/tcp"]),
    "logs": ("monitoring", "ops-logs-gc-mynumber", ["6514/tcp"]),
    "time_name": ("time_name", "ops-time-name-gc-mynumber", ["123/udp", "53/udp", "53/tcp"]),
}
ROLES = ("monitoring", "job_management", "time_name")


def _end(group: str, site: str) -> dict[str, Any]:
    return {"group": group, "area": "mynumber", "site": site, "kind": "middleware", "cidr": "10.0.0.0/27"}


def _rule(source: str, destination: str, port: str, flow: str | None, sites: tuple[str, str]) -> dict[str, Any]:
    return {
        "from": _end(source, sites[0]),
        "to": _end(destination, sites[1]),
        "port": port,
        "kind": "declared-flow" if flow else "to-service",
        "flow": flow,
        "crosses_areas": False,
        "data": None,
    }


def operations_json() -> dict[str, Any]:
    return {
        plane: {
            "role": role,
            "manager_site": "dc1",
            "manager_areas": ["mynumber", "internet"],
            "relay": "relay",
            "ports": ports,
            "data": "personal",
            "relays": [{"site": "gc", "area": "mynumber", "group": f"{role}@mynumber", "flow": flow}],
        }
        for plane, (role, flow, ports) in PLANES.items()
    }


def crossings() -> list[dict[str, Any]]:
    return [
        {
            "flow": flow,
            "from": {"site": "gc", "area": "mynumber", "end": f"{role}@mynumber"},
            "to": {"site": "dc1", "area": "mynumber", "end": f"{role}@mynumber"},
            "ports": ports,
            "one_way": True,
            "data": "personal",
            "basis": None,
            "link": "dc1-gc",
        }
        for role, flow, ports in PLANES.values()
    ]


def ops_stack(site: str, operations: bool = True) -> SiteStack:
    """gc (relays and a batch business) or dc1 (managers), with their planned rules."""
    stack = SiteStack(site)
    inventory = stack.inventory
    groups = [*(f"{role}@mynumber" for role in ROLES), *(["juki/batch"] if site == "gc" else [])]
    inventory["hosts"] = [
        {"name": f"{group.replace('@', '-').replace('/', '-')}-1", "group": group, "area": "mynumber", "tier": None}
        for group in groups
    ]
    if site == "gc":
        inventory["hosts"][-1]["tier"] = "batch"
    here = (site, site)
    rules = [
        _rule(group, f"{role}@mynumber", "1/tcp", None, here)
        for group in groups
        for role in ("monitoring", "time_name")
        if not group.startswith(role)
    ]
    if site == "gc":
        rules.append(_rule("juki/batch", "job_management@mynumber", "20240/tcp", None, here))
    if operations:
        for role, flow, ports in PLANES.values():
            if site == "gc":
                rules += [
                    _rule(f"{role}@mynumber", f"dc1:{role}@mynumber", port, flow, ("gc", "dc1")) for port in ports
                ]
            else:
                rules += [_rule(f"gc:{role}@mynumber", f"{role}@mynumber", port, flow, ("gc", "dc1")) for port in ports]
        inventory["operations"] = operations_json()
        inventory["cross_site_flows"] += crossings()
    inventory["flows"] = rules
    return stack


def drop_rules(stack: SiteStack, **match: str | None) -> None:
    """Remove the planned rules whose from/to group or flow id are the given ones."""

    def matches(rule: dict[str, Any]) -> bool:
        found = {"source": rule["from"]["group"], "destination": rule["to"]["group"], "flow": rule["flow"]}
        return all(found[key] == value for key, value in match.items())

    stack.inventory["flows"] = [rule for rule in stack.inventory["flows"] if not matches(rule)]
