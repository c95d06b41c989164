"""Read what an nftables ruleset (``nft -j list ruleset``) accepts, to compare it with the flow plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ANYWHERE = "0.0.0.0/0"


@dataclass(frozen=True, order=True)
class Accepted:
    source: str  # CIDR, ANYWHERE when the rule does not restrict it
    destination: str
    port: str  # "443/tcp", "8000-8010/tcp", or "any"


@dataclass(frozen=True)
class ChainView:
    policy: str | None
    accepted: tuple[Accepted, ...]
    stateful: bool  # has a rule that accepts replies of established connections


def _address(right: Any) -> str | None:
    if isinstance(right, str):
        return f"{right}/32"
    if isinstance(right, dict) and "prefix" in right:
        return f"{right['prefix']['addr']}/{right['prefix']['len']}"
    return None


def _ports(right: Any, protocol: str) -> list[str]:
    if isinstance(right, int):
        return [f"{right}/{protocol}"]
    if isinstance(right, dict) and "range" in right:
        first, last = right["range"]
        return [f"{first}-{last}/{protocol}"]
    if isinstance(right, dict) and "set" in right:
        return [port for item in right["set"] for port in _ports(item, protocol)]
    return []


def _rule_view(expressions: list[dict[str, Any]]) -> tuple[list[Accepted], bool] | None:
    """What one rule accepts, or None when it does not end in accept or matches on something else."""
    if not expressions or "accept" not in expressions[-1]:
        return None
    source, destination, ports, stateful = ANYWHERE, ANYWHERE, ["any"], False
    for expression in expressions[:-1]:
        match = expression.get("match")
        if match is None:
            if "counter" in expression or "log" in expression:
                continue
            return None
        left, right = match["left"], match["right"]
        if "ct" in left and left["ct"].get("key") == "state":
            stateful = True
        elif "payload" in left and left["payload"].get("protocol") == "ip":
            field = left["payload"]["field"]
            if field == "saddr":
                source = _address(right) or source
            elif field == "daddr":
                destination = _address(right) or destination
        elif "payload" in left and left["payload"].get("field") == "dport":
            ports = _ports(right, left["payload"]["protocol"])
        elif "meta" in left and left["meta"].get("key") == "iifname" and right == "lo":
            return [], False  # loopback traffic is the host talking to itself
        else:
            return None
    if stateful:
        return [], True
    return [Accepted(source, destination, port) for port in ports], False


def chain_view(ruleset: dict[str, Any], table: str, chain: str) -> ChainView | None:
    """The policy and accepted traffic of one chain (in any family), or None if it is absent."""
    policy: str | None = None
    found = False
    accepted: list[Accepted] = []
    stateful = False
    for item in ruleset.get("nftables", []):
        if "chain" in item and item["chain"]["table"] == table and item["chain"]["name"] == chain:
            found = True
            policy = item["chain"].get("policy")
        elif "rule" in item and item["rule"]["table"] == table and item["rule"]["chain"] == chain:
            view = _rule_view(item["rule"].get("expr", []))
            if view is not None:
                accepted += view[0]
                stateful = stateful or view[1]
    return ChainView(policy, tuple(sorted(set(accepted))), stateful) if found else None
