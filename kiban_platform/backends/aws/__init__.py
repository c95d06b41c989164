"""The AWS target: VPCs per security area, EC2, EBS, NLB, Organizations and RAM (pulumi-aws 7.x).

The backend (and pulumi_aws with it) is imported only when a stack's program asks for it:
``kiban validate --target aws`` runs ``backends.aws.plan.validation_problems`` without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kiban_platform.backends import TargetError
from kiban_platform.backends.aws.settings import AwsSettings, parse_settings

if TYPE_CHECKING:
    from kiban_platform.backends.aws.backend import AwsBackend


def create_backend(settings: Mapping[str, Any]) -> AwsBackend:
    from kiban_platform.backends.aws.backend import AwsBackend

    try:
        return AwsBackend(parse_settings(settings))
    except ValueError as error:
        raise TargetError(str(error)) from None


def __getattr__(name: str) -> Any:
    if name == "AwsBackend":
        from kiban_platform.backends.aws.backend import AwsBackend

        return AwsBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["AwsBackend", "AwsSettings", "create_backend"]
