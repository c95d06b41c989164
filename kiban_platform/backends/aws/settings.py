"""The stack's ``kiban:aws`` settings: what the spec does not say about the city's AWS organisation.

Every key has a default so ``kiban render --spec FILE --target aws`` works without a stack; a
real stack names its own account e-mail addresses, AMI and, when its chassis carry no
``cloud_zone``, its availability zones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from kiban_platform.spec.model import DiskTier

TOKYO = "ap-northeast-1"
OSAKA = "ap-northeast-3"
# The Government Cloud keeps data in Japan: Tokyo and Osaka only, unless a stack says otherwise.
GOVERNMENT_CLOUD_REGIONS: tuple[str, ...] = (TOKYO, OSAKA)
VolumeType = Literal["gp3", "gp2", "io1", "io2", "st1", "sc1"]
# Throughput-optimised and cold HDD volumes cannot be smaller than this (EBS limit).
HDD_VOLUME_TYPES: frozenset[str] = frozenset({"st1", "sc1"})
HDD_MINIMUM_GB = 125


def _default_volume_types() -> dict[DiskTier, VolumeType]:
    return {DiskTier.FAST: "gp3", DiskTier.CAPACITY: "st1"}


class AwsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    region: str = Field(default=TOKYO, min_length=1, description="region of every resource and provider")
    allowed_regions: tuple[str, ...] = Field(
        default=GOVERNMENT_CLOUD_REGIONS,
        min_length=1,
        description="regions a stack may use; widen only if the city's data may leave Japan",
    )
    zones: dict[str, str] = Field(
        default_factory=dict, description="chassis id -> availability zone; overrides the spec's cloud_zone"
    )
    tenancy: Literal["account", "single"] = Field(
        default="account",
        description="'account': an AWS account per business and environment (Government Cloud model); "
        "'single': every business in the deploying account, separated by VPC subnets, tags and security groups",
    )
    environment: str = Field(
        default="production",
        pattern=r"^[a-z][a-z0-9-]{0,19}$",
        description="environment of this stack; production and verification accounts are kept apart",
    )
    account_email: str = Field(
        default="kiban+{business}-{environment}@example.jp",
        min_length=3,
        description="e-mail of each business account; {business} and {environment} are filled in",
    )
    organization_parent_id: str | None = Field(default=None, description="OU or root id the accounts go under")
    access_role: str = Field(
        default="OrganizationAccountAccessRole",
        min_length=1,
        description="role Organizations creates in each account; the per-account provider assumes it",
    )
    ami: str | None = Field(default=None, description="AMI id every VM boots; when absent, looked up by amiName")
    ami_name: str = Field(default="debian-12-kiban", min_length=1, description="AMI name looked up in amiOwner")
    ami_owner: str = Field(default="self", min_length=1)
    instance_types: dict[str, str] | None = Field(
        default=None,
        description="'<vcpu>x<ram_gb>' -> instance type; when absent, the smallest c7i/m7i/r7i type that fits",
    )
    volume_types: dict[DiskTier, VolumeType] = Field(
        default_factory=_default_volume_types,
        description="EBS volume type of each disk tier's data volume (root volumes are gp3)",
    )
    kms_key_id: str | None = Field(default=None, description="KMS key of every volume (default: the EBS key)")
    placement_groups: bool = Field(
        default=True,
        description="a spread placement group per replicated tier; off only where the API lacks them (moto)",
    )
    high_area_endpoints: tuple[str, ...] = Field(
        default=("ssm", "ssmmessages", "ec2messages", "logs", "monitoring"),
        description="interface VPC endpoints (service short names) of each high area, its only AWS path",
    )
    nacl_rule_limit: int = Field(
        default=20, ge=1, le=40, description="network ACL rules per direction the account's quota allows"
    )

    @field_validator("volume_types")
    @classmethod
    def _every_tier(cls, value: dict[DiskTier, VolumeType]) -> dict[DiskTier, VolumeType]:
        missing = [tier.value for tier in DiskTier if tier not in value]
        if missing:
            raise ValueError(f"no volume type for disk tier(s) {', '.join(missing)}")
        return value

    def account_email_of(self, business: str) -> str:
        return self.account_email.format(business=business, environment=self.environment)


def parse_settings(raw: Mapping[str, Any] | None) -> AwsSettings:
    """Parse ``kiban:aws``; raise ValueError naming each bad key."""
    try:
        return AwsSettings.model_validate(dict(raw or {}))
    except ValidationError as error:
        problems = "; ".join(
            f"kiban:aws.{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise ValueError(problems) from None
