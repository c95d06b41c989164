"""Build one component (or call one backend method) under the Pulumi mock runtime, with no program around it.

``kiban.mock_runtime.run_program`` runs the whole program; these tests give it a function that builds a single
SecurityArea, BusinessTenant or MiddlewareTier from handles made in the test, with the same
recording monitor, so they see parents, dependencies and inputs exactly as a render records them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiban.mock_runtime import RecordingMonitor, Registration, resource_name, run_program
from kiban_platform.network.flows import FlowPlan, plan_flows
from kiban_platform.network.hosts import PlannedHost, plan_hosts
from kiban_platform.network.plan import NetworkPlan, plan_network
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec
from tests.rendering import write_tiny_city

PROJECT = "kiban"
STACK = "alone"


def run_alone(build: Callable[[], None], config: Mapping[str, str] | None = None) -> dict[str, Registration]:
    """Run ``build`` inside a fresh mock stack, as ``kiban render`` runs the program; every registration by URN."""
    monitor = run_program(build, PROJECT, STACK, dict(config or {}), [])
    assert isinstance(monitor, RecordingMonitor)
    return dict(monitor.registrations)


def of_type(registrations: Mapping[str, Registration], type_: str) -> dict[str, Registration]:
    """The registrations of one type, by resource name."""
    return {resource_name(urn): r for urn, r in registrations.items() if r.type == type_}


@dataclass(frozen=True)
class Plans:
    """The tiny city's plans, as the program would hand them to the components."""

    spec: PlatformSpec
    network: NetworkPlan
    flows: FlowPlan
    hosts: tuple[PlannedHost, ...]

    def in_area(self, area: str) -> list[PlannedHost]:
        return [host for host in self.hosts if host.vm.area == area]


def tiny_plans(folder: Path, zonal_subnets: bool = False) -> Plans:
    spec = load_spec(write_tiny_city(folder))
    network = plan_network(spec)
    return Plans(spec, network, plan_flows(spec, network), plan_hosts(spec, network, zonal_subnets=zonal_subnets))


def inputs(registration: Registration) -> dict[str, Any]:
    return registration.inputs
