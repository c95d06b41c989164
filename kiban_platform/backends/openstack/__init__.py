"""The OpenStack target: Keystone projects, VLAN provider networks, Nova, Cinder and Octavia (pulumi-openstack 5.x).

The backend (and pulumi_openstack with it) is imported only when a stack's program asks for it:
``kiban validate --target openstack`` runs ``backends.openstack.checks.validation_problems`` without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kiban_platform.backends import TargetError
from kiban_platform.backends.openstack.settings import OpenStackSettings, parse_settings

if TYPE_CHECKING:
    from kiban_platform.backends.openstack.backend import OpenStackBackend


def create_backend(settings: Mapping[str, Any]) -> OpenStackBackend:
    from kiban_platform.backends.openstack.backend import OpenStackBackend

    try:
        return OpenStackBackend(parse_settings(settings))
    except ValueError as error:
        raise TargetError(str(error)) from None


def __getattr__(name: str) -> Any:
    if name == "OpenStackBackend":
        from kiban_platform.backends.openstack.backend import OpenStackBackend

        return OpenStackBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["OpenStackBackend", "OpenStackSettings", "create_backend"]
