"""The lab router's firewall: the flow plan as an nftables ruleset, through nftables' JSON API.

The ruleset is built as data (libnftables' JSON schema) rather than as rule text, so no
address or port is ever spliced into a command line, and it is loaded in one atomic
transaction: a reload replaces the whole table or nothing.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

TABLE = "kiban"
FAMILY = "inet"


def _prefix(cidr: str) -> dict[str, Any]:
    address, length = cidr.split("/")
    return {"prefix": {"addr": address, "len": int(length)}}


def _port_match(port: str) -> dict[str, Any]:
    span, protocol = port.split("/")
    first, _, last = span.partition("-")
    right: Any = {"range": [int(first), int(last)]} if last else int(first)
    return {"match": {"op": "==", "left": {"payload": {"protocol": protocol, "field": "dport"}}, "right": right}}


def rule_expression(rule: dict[str, Any]) -> list[dict[str, Any]]:
    """Source CIDR, destination CIDR, protocol and port of one planned rule, then accept."""
    return [
        {
            "match": {
                "op": "==",
                "left": {"payload": {"protocol": "ip", "field": "saddr"}},
                "right": _prefix(rule["from"]["cidr"]),
            }
        },
        {
            "match": {
                "op": "==",
                "left": {"payload": {"protocol": "ip", "field": "daddr"}},
                "right": _prefix(rule["to"]["cidr"]),
            }
        },
        _port_match(rule["port"]),
        {"counter": None},
        {"accept": None},
    ]


def _comment(rule: dict[str, Any]) -> str:
    # nftables comments are at most 128 bytes; ASCII keeps them readable in `nft list ruleset`.
    text = f"{rule['kind']} {rule['flow'] or ''} {rule['from']['group']} -> {rule['to']['group']}"
    return text.encode("ascii", "replace").decode()[:120]


def router_ruleset(rules: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """Default deny between all segments; replies of allowed connections; each planned rule once."""
    table = {"family": FAMILY, "name": TABLE}
    chain = {"family": FAMILY, "table": TABLE}
    commands: list[dict[str, Any]] = [
        {"add": {"table": table}},
        {"delete": {"table": table}},
        {"add": {"table": table}},
        {
            "add": {
                "chain": {**chain, "name": "forward", "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}
            }
        },
        {"add": {"chain": {**chain, "name": "input", "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}},
        {
            "add": {
                "rule": {
                    **chain,
                    "chain": "forward",
                    "expr": [
                        {"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}},
                        {"accept": None},
                    ],
                }
            }
        },
    ]
    for rule in rules:
        commands.append(
            {"add": {"rule": {**chain, "chain": "forward", "expr": rule_expression(rule), "comment": _comment(rule)}}}
        )
    return {"nftables": [{"metainfo": {"json_schema_version": 1}}, *commands]}


def load_ruleset(namespace: str, ruleset: dict[str, Any]) -> None:
    """Load a JSON ruleset inside a namespace in one transaction; raise with nft's message on failure."""
    result = subprocess.run(
        ["ip", "netns", "exec", namespace, "nft", "-j", "-f", "-"],
        input=json.dumps(ruleset),
        text=True,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"nft refused the ruleset in {namespace}: {result.stderr.strip()}")
