"""Provider-neutral Pulumi components (kiban:<module>:<Type>); built on the plans, never on raw spec YAML.

Each component describes one part of the platform in the model's terms and
hands the provider-specific part to the stack's backend (see ``backends``).
"""

from kiban_platform.components.business_tenant import BusinessTenant, BusinessTenantArgs
from kiban_platform.components.hardware_pool import HardwarePool, HardwarePoolArgs
from kiban_platform.components.middleware_tier import MiddlewareTier, MiddlewareTierArgs
from kiban_platform.components.security_area import SecurityArea, SecurityAreaArgs
from kiban_platform.components.shared_platform import SharedPlatform, SharedPlatformArgs

__all__ = [
    "BusinessTenant",
    "BusinessTenantArgs",
    "HardwarePool",
    "HardwarePoolArgs",
    "MiddlewareTier",
    "MiddlewareTierArgs",
    "SecurityArea",
    "SecurityAreaArgs",
    "SharedPlatform",
    "SharedPlatformArgs",
]
