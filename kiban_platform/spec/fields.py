"""The building blocks every spec model shares: the strict base model, identifiers, networks, VLAN IDs, ports.

Kept apart from ``spec.model`` so that the city's models and the hybrid ones (``spec.sites``,
``spec.privacy``) both build on them without importing each other.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

IDENTIFIER_PATTERN = r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"
Identifier = Annotated[
    str,
    StringConstraints(pattern=IDENTIFIER_PATTERN),
    Field(description="lower-case letters, digits and '-', 2-32 characters, e.g. 'juki'"),
]


def _cidr_text(value: Any) -> Any:
    # pydantic would read a number as an address (True as 0.0.0.1); in a spec that is always a typo.
    if not isinstance(value, str | ipaddress.IPv4Network):
        raise ValueError(f"write an IPv4 network as text, e.g. '10.10.0.0/16' (got {value!r})")
    return value


def _not_blank(value: str) -> str:
    # min_length=1 lets "  " (or a full-width space, U+3000) through: a name or purpose of only spaces names nothing.
    if not value.strip():
        raise ValueError("must not be blank (only spaces): write the text")
    return value


# Human text of a spec (names, vendors, products, purposes): not empty, not only spaces.
Text = Annotated[str, AfterValidator(_not_blank)]


# Address blocks no platform network and no outside peer may use or contain, with the rule each breaks.
SPECIAL_BLOCKS: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (ipaddress.IPv4Network("0.0.0.0/8"), "'this network' (RFC 1122), never a source or a destination"),
    (ipaddress.IPv4Network("127.0.0.0/8"), "loopback (RFC 1122): each host's own, never routed"),
    (ipaddress.IPv4Network("169.254.0.0/16"), "link-local (RFC 3927): one link only, never routed"),
    (ipaddress.IPv4Network("224.0.0.0/4"), "multicast (RFC 5771), not unicast"),
    (ipaddress.IPv4Network("240.0.0.0/4"), "reserved (RFC 1112) and broadcast, not unicast"),
)


def _unicast(value: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
    """A network of routable unicast addresses: none of ``SPECIAL_BLOCKS`` in it or around it."""
    for block, rule in SPECIAL_BLOCKS:
        if value.overlaps(block):
            where = "is inside" if value.subnet_of(block) else "includes"
            raise ValueError(f"{value} {where} {block}, {rule}")
    return value


Cidr = Annotated[ipaddress.IPv4Network, BeforeValidator(_cidr_text), AfterValidator(_unicast)]
VLAN_FIRST, VLAN_LAST = 1, 4094  # 802.1Q: 0 and 4095 are reserved
VlanId = Annotated[int, Field(ge=VLAN_FIRST, le=VLAN_LAST, description="802.1Q VLAN ID (1-4094)")]


class StrictModel(BaseModel):
    """Base of every spec model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# A tunnel's inside addresses are link-local by design (169.254.0.0/16), so they are networks
# written as text but not the routable unicast of ``Cidr``.
LinkCidr = Annotated[ipaddress.IPv4Network, BeforeValidator(_cidr_text)]


class Protocol(StrEnum):
    TCP = "tcp"
    UDP = "udp"


class Port(StrictModel):
    """A listening port or port range; written in YAML as 443, "443/tcp" or "8000-8010/udp"."""

    protocol: Protocol = Protocol.TCP
    first: int = Field(ge=1, le=65535)
    last: int = Field(ge=1, le=65535)

    @model_validator(mode="after")
    def _ordered(self) -> Port:
        if self.first > self.last:
            raise ValueError(f"port range {self.first}-{self.last} is reversed")
        return self

    def __str__(self) -> str:
        span = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        return f"{span}/{self.protocol}"


_PORT_TEXT = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?(?:/(tcp|udp))?$")


def _parse_port(value: Any) -> Any:
    if isinstance(value, bool):
        return value  # let pydantic report the wrong type
    if isinstance(value, int):
        return {"first": value, "last": value}
    if isinstance(value, str):
        match = _PORT_TEXT.match(value.strip())
        if match is None:
            raise ValueError(f"'{value}' is not a port: write 443, '443/tcp' or '8000-8010/udp'")
        first, last, protocol = match.groups()
        return {"first": int(first), "last": int(last or first), "protocol": protocol or "tcp"}
    return value


PortSpec = Annotated[
    Port,
    BeforeValidator(_parse_port),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 65535},
                {"type": "string", "pattern": r"^\d{1,5}(-\d{1,5})?(/(tcp|udp))?$"},
            ],
            "description": "443, '443/tcp' or '8000-8010/udp'",
        }
    ),
]
