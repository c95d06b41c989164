"""The building blocks every spec model shares: the strict base model, identifiers, networks, VLAN IDs.

Kept apart from ``spec.model`` so that the city's models and the hybrid ones (``spec.sites``,
``spec.privacy``) both build on them without importing each other.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

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
VlanId = Annotated[int, Field(ge=1, le=4094, description="802.1Q VLAN ID (1-4094)")]


class StrictModel(BaseModel):
    """Base of every spec model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# A tunnel's inside addresses are link-local by design (169.254.0.0/16), so they are networks
# written as text but not the routable unicast of ``Cidr``.
LinkCidr = Annotated[ipaddress.IPv4Network, BeforeValidator(_cidr_text)]
