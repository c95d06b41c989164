"""Targets: the provider-specific half of each component, chosen by the stack's ``kiban:target``.

Components know the model and the plans; a backend turns one component's
neutral description into provider resources, parented to that component. The
registry maps a target name to a factory, imported lazily so a stack for one
target never imports another target's provider SDK. A backend keeps nothing
between calls: what one call makes for a later one comes back as a handle
(``handles``) that the components pass on through their Args.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from kiban_platform.backends.handles import AreaNetwork, DeployedGroup, DeployedTenant, VendorAccess, Zones
from kiban_platform.network.flows import FlowPlan, HostGroup, Rule
from kiban_platform.network.hosts import PlannedHost
from kiban_platform.network.plan import NetworkPlan, Segment, Subnet
from kiban_platform.network.sites import PlannedLink
from kiban_platform.spec.model import (
    Area,
    Business,
    FailureDomains,
    MiddlewareRole,
    MiddlewareService,
    PlatformSpec,
    Port,
)
from kiban_platform.spec.problems import Problem, format_path


class TargetError(ValueError):
    """The stack's target or its settings cannot be used; the message says which key to fix."""


def target_error(problems: Sequence[Problem]) -> TargetError:
    """One TargetError for a target's located problems: each once, with its field path in the spec."""
    messages = [f"{format_path(p.path)}: {p.message}" if p.path else p.message for p in problems]
    return TargetError("; ".join(dict.fromkeys(messages)))


@dataclass(frozen=True)
class HostGroupDeployment:
    """One host group of the flow plan as it is deployed: its hosts, their user data and their rules."""

    group: HostGroup
    subnet: Subnet
    hosts: tuple[PlannedHost, ...]
    user_data: Mapping[str, pulumi.Input[str]]  # by host name
    ingress: tuple[Rule, ...]  # rules whose destination is this group
    egress: tuple[Rule, ...]  # rules whose source is this group
    balanced_ports: tuple[Port, ...]  # ports behind a load balancer at the subnet's service address; () = none
    anti_affinity: bool

    @property
    def name(self) -> str:
        """A resource-name form of the group id: "juki-app", "integration-hub-mynumber"."""
        return self.group.id.replace("/", "-").replace("@", "-").replace("_", "-")


class Backend(ABC):
    """What a target builds for each component; every resource it makes is parented to ``parent``.

    A backend holds its settings and nothing else: each call gets what it needs as arguments (the
    plans, and the handles earlier calls returned) and returns a handle for the calls after it,
    so no call depends on another having run first on the same object (see ``handles``).
    """

    target: str
    # True where a subnet lives in one zone (AWS): hosts take addresses in their zone's block of the
    # planned subnet (``inventory.plan_hosts(zonal_subnets=True)``), so the inventory matches the cloud.
    zonal_subnets: bool = False

    @abstractmethod
    def check(self, spec: PlatformSpec, network: NetworkPlan | None = None, flows: FlowPlan | None = None) -> None:
        """Raise TargetError when the spec needs something the target's settings lack (e.g. a flavor).

        The program passes its own plans; without them (a check before any program runs) they are made here.
        """

    @abstractmethod
    def hardware_pool(self, parent: pulumi.Resource, failure_domains: FailureDomains) -> Zones:
        """Make each chassis a placement zone; return the zones."""

    @abstractmethod
    def vendor_access(self, parent: pulumi.Resource, vendors: Sequence[str]) -> VendorAccess:
        """Find or make each business vendor's identity group; return the access the tenants use."""

    @abstractmethod
    def security_area(
        self,
        parent: pulumi.Resource,
        area: Area,
        platform_segment: Segment | None,
        hosts_per_subnet: Mapping[str, int],
        dns_servers: Sequence[str],
        zones: Zones,
    ) -> AreaNetwork:
        """Make the area's network and its platform segment (the middleware's VLAN and subnets)."""

    @abstractmethod
    def middleware_tier(
        self,
        parent: pulumi.Resource,
        role: MiddlewareRole,
        service: MiddlewareService,
        deployment: HostGroupDeployment,
        network: AreaNetwork,
        zones: Zones,
    ) -> DeployedGroup:
        """Deploy one middleware role in one area, in the area's platform segment."""

    @abstractmethod
    def business_tenant(
        self,
        parent: pulumi.Resource,
        business: Business,
        segment: Segment,
        tiers: Sequence[HostGroupDeployment],
        dns_servers: Sequence[str],
        network: AreaNetwork,
        zones: Zones,
        access: VendorAccess,
    ) -> DeployedTenant:
        """Make the business's tenancy, its segment and its tiers in its area's network."""

    @abstractmethod
    def area_links(
        self,
        parent: pulumi.Resource,
        areas: Mapping[str, AreaNetwork],
        groups: Sequence[DeployedGroup],
        flows: FlowPlan,
    ) -> None:
        """Join areas for the declared flows between them, once every area and group exists (one call)."""

    # -- between sites (a spec with sites: one stack per site, HYBRID.md §6.3) ----------------------------
    @abstractmethod
    def check_links(self, links: Sequence[PlannedLink], spec: PlatformSpec | None = None) -> None:
        """Raise TargetError, naming the link and the field, for a link of this site the target cannot build.

        ``spec``: the site's view (``site_view``), for what a link needs of the site's own areas.
        """

    @abstractmethod
    def peer_outputs_needed(self, links: Sequence[PlannedLink]) -> list[str]:
        """The peer sites whose stack's ``links`` output ``site_links`` reads (in ``peers``), in link order."""

    @abstractmethod
    def site_links(
        self,
        parent: pulumi.Resource,
        links: Sequence[PlannedLink],
        areas: Mapping[str, AreaNetwork],
        peers: Mapping[str, pulumi.Output[Any]],
        groups: Sequence[DeployedGroup] = (),
    ) -> dict[str, Any]:
        """Make this site's end of each link; return the stack's ``links`` export, keyed by link id.

        ``areas`` are this site's area handles (``security_area``); ``peers`` maps each site of
        ``peer_outputs_needed`` to that stack's ``links`` output (a dict keyed by link id);
        ``groups`` are the site's host groups as made, whose routes toward the far ends of their
        cross-site flows a target may need to add. A site without links makes nothing and exports ``{}``.
        """


BackendFactory = Callable[[Mapping[str, Any]], Backend]

# target name -> "module:factory"; the module is imported only when its target is chosen.
BACKENDS: dict[str, str] = {
    "openstack": "kiban_platform.backends.openstack:create_backend",
    "aws": "kiban_platform.backends.aws:create_backend",
}


# target name -> "module:function" of its pure checks: the spec against what the target refuses, with
# default settings. The modules import no provider SDK, so `kiban validate --target` stays light.
SPEC_CHECKS: dict[str, str] = {
    "openstack": "kiban_platform.backends.openstack.checks:validation_problems",
    "aws": "kiban_platform.backends.aws.plan:validation_problems",
}


def known_targets() -> list[str]:
    return sorted(BACKENDS)


def check_target(target: str) -> None:
    if target not in BACKENDS:
        raise TargetError(f"unknown target {target!r} (kiban:target); known targets: {', '.join(known_targets())}")


def create_backend(target: str, settings: Mapping[str, Any]) -> Backend:
    """The backend of ``target``, configured from the stack's ``kiban:<target>`` settings."""
    check_target(target)
    module_name, factory_name = BACKENDS[target].split(":")
    factory: BackendFactory = getattr(importlib.import_module(module_name), factory_name)
    return factory(settings)


def target_problems(target: str, spec: PlatformSpec) -> list[Problem]:
    """What ``target`` would refuse of a valid ``spec`` with default settings, located at the field to change.

    Each target's backend runs the very same function with its stack's settings in ``check``.
    """
    check_target(target)
    module_name, function_name = SPEC_CHECKS[target].split(":")
    check: Callable[[PlatformSpec], list[Problem]] = getattr(importlib.import_module(module_name), function_name)
    return check(spec)
