"""The OpenStack target: Keystone projects, VLAN provider networks, Nova, Cinder and Octavia (pulumi-openstack 5.x)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backends import TargetError
from backends.openstack.backend import OpenStackBackend
from backends.openstack.settings import OpenStackSettings, parse_settings


def create_backend(settings: Mapping[str, Any]) -> OpenStackBackend:
    try:
        return OpenStackBackend(parse_settings(settings))
    except ValueError as error:
        raise TargetError(str(error)) from None


__all__ = ["OpenStackBackend", "OpenStackSettings", "create_backend"]
