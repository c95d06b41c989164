"""The stack's ``kiban:openstack`` settings: names in the city's cloud that the spec does not know.

Every key has a default so ``kiban render --spec`` works without a stack; a real
stack names its own physical network, image, flavors and volume types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from kiban_platform.spec.model import DiskTier


class OpenStackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    physical_network: str = Field(default="physnet1", min_length=1, description="Neutron physical network of the VLANs")
    image: str = Field(default="debian-12-kiban", min_length=1, description="Glance image every VM boots")
    flavors: dict[str, str] | None = Field(
        default=None,
        description="'<vcpu>x<ram_gb>' -> flavor name; when absent, flavors are named kiban-<vcpu>c<ram_gb>g",
    )
    volume_types: dict[DiskTier, str] = Field(
        default_factory=lambda: {DiskTier.FAST: "fast", DiskTier.CAPACITY: "capacity"},
        description="Cinder volume type of each disk tier",
    )
    load_balancer_provider: Literal["ovn"] = Field(
        default="ovn",
        description="Octavia provider; only 'ovn' keeps client addresses, which the planned member rules need",
    )
    vendor_role: str = Field(default="member", min_length=1, description="Keystone role a vendor group gets")
    vendor_groups: dict[str, str] = Field(
        default_factory=dict, description="vendor (as in the spec) -> existing Keystone group; others are created"
    )
    operator_group: str = Field(
        default="kiban-operators",
        min_length=1,
        description="existing Keystone group of the operators (運用事業者) and the deploying user",
    )
    hypervisors: dict[str, str] = Field(
        default_factory=dict, description="blade id -> Nova hypervisor host name (default: the blade id)"
    )
    region: str | None = Field(default=None, description="OpenStack region (default: the provider's)")
    vpn_routers: dict[str, str] = Field(
        default_factory=dict,
        description="area -> the existing Neutron router that terminates the area's site-to-site tunnels "
        "(its gateway on the link's outside address, the area's platform subnets on its interfaces); "
        "default kiban-<area>-vpn",
    )

    def vpn_router(self, area: str) -> str:
        return self.vpn_routers.get(area, f"kiban-{area}-vpn")

    @field_validator("volume_types")
    @classmethod
    def _every_tier(cls, value: dict[DiskTier, str]) -> dict[DiskTier, str]:
        missing = [tier.value for tier in DiskTier if tier not in value]
        if missing:
            raise ValueError(f"no volume type for disk tier(s) {', '.join(missing)}")
        return value

    def flavor(self, vcpu: int, ram_gb: int) -> str:
        key = size_key(vcpu, ram_gb)
        if self.flavors is None:
            return f"kiban-{vcpu}c{ram_gb}g"
        return self.flavors[key]

    def missing_flavors(self, sizes: Iterable[tuple[int, int]]) -> list[str]:
        if self.flavors is None:
            return []
        return sorted({size_key(*size) for size in sizes} - set(self.flavors), key=_size_order)


def size_key(vcpu: int, ram_gb: int) -> str:
    return f"{vcpu}x{ram_gb}"


def _size_order(key: str) -> tuple[int, int]:
    vcpu, ram = key.split("x")
    return int(vcpu), int(ram)


def parse_settings(raw: Mapping[str, Any] | None) -> OpenStackSettings:
    """Parse ``kiban:openstack``; raise ValueError naming each bad key."""
    try:
        return OpenStackSettings.model_validate(dict(raw or {}))
    except ValidationError as error:
        problems = "; ".join(
            f"kiban:openstack.{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise ValueError(problems) from None
