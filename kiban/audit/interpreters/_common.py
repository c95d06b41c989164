"""Reading property values the way every interpreter must: secrets and unknowns are never read."""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from kiban.audit.facts import ALL_PORTS, Network, parse_network
from kiban.audit.values import is_opaque

ANYWHERE_V4 = ipaddress.ip_network("0.0.0.0/0")
ANYWHERE_V6 = ipaddress.ip_network("::/0")
_PROTOCOLS = {
    "": "any",
    "-1": "any",
    "all": "any",
    "any": "any",
    "6": "tcp",
    "tcp": "tcp",
    "17": "udp",
    "udp": "udp",
    "1": "icmp",
    "icmp": "icmp",
    "58": "icmpv6",
    "icmpv6": "icmpv6",
    "ipv6-icmp": "icmpv6",
}


def value(inputs: Mapping[str, Any], key: str) -> Any:
    """The value under ``key``, or None when it is missing, secret or unknown."""
    item = inputs.get(key)
    return None if is_opaque(item) else item


def text(inputs: Mapping[str, Any], key: str) -> str | None:
    item = value(inputs, key)
    return item if isinstance(item, str) and item else None


def flag(inputs: Mapping[str, Any], key: str) -> bool | None:
    """A boolean property; some providers carry booleans as "true"/"false" text."""
    item = value(inputs, key)
    if isinstance(item, bool):
        return item
    if isinstance(item, str) and item.lower() in ("true", "false"):
        return item.lower() == "true"
    return None


def number(inputs: Mapping[str, Any], key: str) -> int | None:
    item = value(inputs, key)
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return item
    if isinstance(item, float):
        return int(item) if math.isfinite(item) else None
    if isinstance(item, str) and item.lstrip("-").isdigit() and len(item) <= 12:
        return int(item)
    return None


def mapping(inputs: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    item = value(inputs, key)
    if isinstance(item, str) and item.startswith("{"):
        # Explicit providers carry object-valued settings as JSON text.
        try:
            item = json.loads(item)
        except json.JSONDecodeError:
            return {}
    if isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 1:
        item = item[0]  # a "max items 1" block stored as a one-element list
    return item if isinstance(item, Mapping) else {}


def blocks(inputs: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    item = value(inputs, key)
    if isinstance(item, str) and item.startswith("["):
        try:
            item = json.loads(item)
        except json.JSONDecodeError:
            return []
    if isinstance(item, Mapping):
        return [item]
    if isinstance(item, Sequence) and not isinstance(item, str):
        return [block for block in item if isinstance(block, Mapping)]
    return []


def strings(inputs: Mapping[str, Any], key: str) -> list[str]:
    item = value(inputs, key)
    if isinstance(item, str):
        return [item]
    if isinstance(item, Sequence):
        return [entry for entry in item if isinstance(entry, str) and not is_opaque(entry)]
    return []


def networks(values: Sequence[str]) -> list[Network]:
    """The address ranges of a rule's remote; one that is not an address range counts as anywhere.

    A rule's fields that cannot be read are read as the widest rule they could be (docs/AUDIT.md):
    a broken state then shows as a finding, never as "0 findings".
    """
    return [parse_network(entry) or ANYWHERE_V4 for entry in values]


_PROTOCOL_WORD = re.compile(r"^[a-z0-9-]{1,20}$")


def protocol_name(raw: Any) -> str:
    """A rule's protocol; a value that is not a protocol name or number reads as "any" (the widest)."""
    if raw is None or is_opaque(raw) or isinstance(raw, bool) or not isinstance(raw, str | int):
        return "any"
    name = str(raw).strip().lower()
    if not _PROTOCOL_WORD.match(name):
        return "any"
    return _PROTOCOLS.get(name, name)


def port_span(protocol: str, first: int | None, last: int | None) -> tuple[int, int]:
    """A rule's port range; "any protocol", no/negative/zero bounds, or bounds past 65535 mean every port."""
    if protocol == "any" or first is None or last is None or first < 0 or last < 0:
        return ALL_PORTS
    if first > 65535 or last > 65535:
        return ALL_PORTS
    if first == 0 and last in (0, 65535):
        return ALL_PORTS
    return (first, last) if first <= last else (last, first)
