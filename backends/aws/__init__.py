"""The AWS target: VPCs per security area, EC2, EBS, NLB, Organizations and RAM (pulumi-aws 7.x)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backends import TargetError
from backends.aws.backend import AwsBackend
from backends.aws.settings import AwsSettings, parse_settings


def create_backend(settings: Mapping[str, Any]) -> AwsBackend:
    try:
        return AwsBackend(parse_settings(settings))
    except ValueError as error:
        raise TargetError(str(error)) from None


__all__ = ["AwsBackend", "AwsSettings", "create_backend"]
