"""A MiddlewareTier built alone on OpenStack, in a platform network and subnet the test makes.

Its ports attach to the network and subnet of the area handle, its instances go to the zones of the
zones handle; an area handle without the role's subnet, or one made for another target, is refused.
"""

from __future__ import annotations

from typing import Any

import pulumi_openstack as openstack
import pytest

from kiban.mock_runtime import STACK_TYPE, Registration, mock_id, qualified_type
from kiban_platform.backends import TargetError, create_backend
from kiban_platform.backends.handles import AreaNetwork, Zones, own
from kiban_platform.backends.openstack.handles import OpenStackAreaNetwork
from kiban_platform.components import MiddlewareTier, MiddlewareTierArgs
from kiban_platform.components.deployments import middleware_deployments
from kiban_platform.spec.model import MiddlewareRole
from kiban_platform.templates import area_services
from tests.kiban_platform.components.alone import PROJECT, STACK, Plans, inputs, of_type, run_alone, tiny_plans

ZONES = {"c1": "zone-from-test-1", "c2": "zone-from-test-2", "c3": "zone-from-test-3"}
AREA = "secure"
ROLE = MiddlewareRole.INTEGRATION_HUB


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> Plans:
    return tiny_plans(tmp_path_factory.mktemp("tier"))


def _described(plans: Plans) -> Any:
    services = area_services(plans.spec, plans.network, plans.hosts, AREA)
    described = middleware_deployments(plans.spec, AREA, plans.network, plans.flows, plans.in_area(AREA), services)
    return next((service, deployment) for role, service, deployment in described if role == ROLE)


@pytest.fixture(scope="module")
def built(plans: Plans) -> dict[str, Registration]:
    backend = create_backend("openstack", {})
    service, deployment = _described(plans)

    def build() -> None:
        network = openstack.networking.Network("network-from-test")
        subnet = openstack.networking.Subnet(
            "subnet-from-test", network_id=network.id, cidr=str(deployment.subnet.cidr)
        )
        handle = OpenStackAreaNetwork(plans.spec.area(AREA), {}, network, {ROLE: subnet})
        MiddlewareTier(deployment.name, MiddlewareTierArgs(ROLE, service, deployment, backend, handle, Zones(ZONES)))

    return run_alone(build)


def test_ports_attach_to_the_network_of_the_handle(built: dict[str, Registration], plans: Plans) -> None:
    (tier,) = of_type(built, "kiban:middleware:MiddlewareTier").values()
    assert qualified_type(tier.parent) == STACK_TYPE
    network_id = mock_id(f"urn:pulumi:{STACK}::{PROJECT}::openstack:networking/network:Network::network-from-test")
    subnet_id = mock_id(f"urn:pulumi:{STACK}::{PROJECT}::openstack:networking/subnet:Subnet::subnet-from-test")
    hosts = [host for host in plans.in_area(AREA) if host.vm.middleware_role == ROLE]
    ports = of_type(built, "openstack:networking/port:Port")
    instances = of_type(built, "openstack:compute/instance:Instance")
    assert set(ports) == set(instances) == {host.name for host in hosts}
    for host in hosts:
        assert inputs(ports[host.name])["networkId"] == network_id
        assert inputs(ports[host.name])["fixedIps"] == [{"subnetId": subnet_id, "ipAddress": str(host.address)}]
        assert inputs(instances[host.name])["availabilityZone"] == ZONES[host.chassis.id]
    (balancer,) = of_type(built, "openstack:loadbalancer/loadBalancer:LoadBalancer").values()
    assert inputs(balancer)["vipSubnetId"] == subnet_id


def test_an_area_without_the_roles_subnet_is_refused(plans: Plans) -> None:
    service, deployment = _described(plans)
    empty = OpenStackAreaNetwork(plans.spec.area(AREA), {}, None, {})
    with pytest.raises(TargetError, match=r"integration_hub@secure: area secure has no platform subnet"):
        create_backend("openstack", {}).middleware_tier(None, ROLE, service, deployment, empty, Zones(ZONES))  # type: ignore[arg-type]


def test_a_handle_of_another_kind_is_refused(plans: Plans) -> None:
    plain = AreaNetwork(plans.spec.area(AREA), {})
    with pytest.raises(
        TypeError,
        match="the openstack backend was given a handle of type AreaNetwork, not its own OpenStackAreaNetwork",
    ):
        own(plain, OpenStackAreaNetwork, "openstack")
    service, deployment = _described(plans)
    with pytest.raises(TypeError, match="not its own OpenStackAreaNetwork"):
        create_backend("openstack", {}).middleware_tier(None, ROLE, service, deployment, plain, Zones(ZONES))  # type: ignore[arg-type]
