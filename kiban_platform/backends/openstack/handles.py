"""What the OpenStack target's calls hand on: an area's platform segment, the vendors' access (see backends.handles)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from kiban_platform.backends.handles import AreaNetwork, VendorAccess
from kiban_platform.spec.model import MiddlewareRole


@dataclass(frozen=True)
class OpenStackAreaNetwork(AreaNetwork):
    """An area's platform segment: its VLAN network and a subnet per middleware role (none without middleware)."""

    platform_network: openstack.networking.Network | None
    platform_subnets: Mapping[MiddlewareRole, openstack.networking.Subnet]


@dataclass(frozen=True)
class OpenStackVendorAccess(VendorAccess):
    """The role vendors and operators get on a business project, and each vendor's Keystone group id."""

    role_id: pulumi.Output[str]
    operator_group_id: pulumi.Output[str]
    vendor_groups: Mapping[str, pulumi.Output[str]]
