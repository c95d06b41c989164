"""What one backend call hands to the next: small frozen records the components pass through their Args.

A backend keeps nothing between calls. Each call returns a handle holding the provider objects
a later call needs (an area's network, the placement zones, the vendors' identities), and the
components carry it explicitly to the calls that use it, as pulumi/examples' hub-and-spoke
network passes one component's outputs as the next one's arguments. Each target subclasses the
handles it fills with provider objects and narrows what it is given with ``own``, so a handle
made by another target is refused by name rather than misread.

The call sequence (``components.SharedPlatform``): ``check`` → ``hardware_pool`` (``Zones``) →
``vendor_access`` (``VendorAccess``) → per area ``security_area`` (``AreaNetwork``) → per
middleware role ``middleware_tier`` and per business ``business_tenant`` (``DeployedGroup``s) →
once every area exists, ``area_links`` (the only resources joining two areas).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from kiban_platform.network.flows import HostGroup
from kiban_platform.spec.model import Area


@dataclass(frozen=True)
class Zones:
    """The hardware pool as a target places into it: chassis id -> placement zone, in the spec's chassis order."""

    by_chassis: Mapping[str, str]

    def __post_init__(self) -> None:
        # A read-only copy: a caller's later change to its dict must not move a replica.
        object.__setattr__(self, "by_chassis", MappingProxyType(dict(self.by_chassis)))

    def of(self, chassis_id: str) -> str:
        return self.by_chassis[chassis_id]


@dataclass(frozen=True)
class VendorAccess:
    """How the business vendors reach their own tenancies; ``outputs`` go on the platform component."""

    outputs: Mapping[str, Any]


@dataclass(frozen=True)
class AreaNetwork:
    """One security area's network as made: what its host groups attach to; ``outputs`` go on the area."""

    area: Area
    outputs: Mapping[str, Any]


@dataclass(frozen=True)
class DeployedGroup:
    """One host group as made: its outputs, and (per target) what a link to another area attaches to."""

    group: HostGroup
    outputs: Mapping[str, Any]


@dataclass(frozen=True)
class DeployedTenant:
    """One business as made: its component's outputs and its tiers' groups."""

    outputs: Mapping[str, Any]
    groups: tuple[DeployedGroup, ...]


HandleT = TypeVar("HandleT")


def own(handle: object, kind: type[HandleT], target: str) -> HandleT:
    """``handle`` as this target's ``kind``; a handle made by another target (or a plain one) is refused."""
    if not isinstance(handle, kind):
        given = type(handle).__name__
        raise TypeError(f"the {target} backend was given a handle of type {given}, not its own {kind.__name__}")
    return handle
