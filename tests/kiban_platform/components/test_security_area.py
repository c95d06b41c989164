"""A SecurityArea built alone: no SharedPlatform, no HardwarePool, the zones and vendor access made by the test.

What the area makes follows only from its Args: the instances sit in the zones of the handle given,
the vendors' role assignments use the groups of the access handle given, and the backend is left
holding nothing once the area is built.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from kiban.mock_runtime import STACK_TYPE, Registration, qualified_type
from kiban_platform.backends import create_backend
from kiban_platform.backends.handles import AreaNetwork, DeployedGroup, Zones
from kiban_platform.backends.openstack.handles import OpenStackAreaNetwork, OpenStackVendorAccess
from kiban_platform.components import SecurityArea, SecurityAreaArgs
from kiban_platform.templates import area_services
from tests.kiban_platform.components.alone import Plans, inputs, of_type, run_alone, tiny_plans

ZONES = {"c1": "zone-from-test-1", "c2": "zone-from-test-2", "c3": "zone-from-test-3"}
AREA = "office"


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> Plans:
    return tiny_plans(tmp_path_factory.mktemp("area"))


@pytest.fixture(scope="module")
def built(plans: Plans) -> tuple[dict[str, Registration], dict[str, Any]]:
    backend = create_backend("openstack", {})
    made: dict[str, Any] = {"backend": backend}
    vendors = sorted({business.vendor for business in plans.spec.businesses})

    def build() -> None:
        access = OpenStackVendorAccess(
            {},
            pulumi.Output.from_input("role-from-test"),
            pulumi.Output.from_input("operators-from-test"),
            {vendor: pulumi.Output.from_input(f"group-from-test-{index}") for index, vendor in enumerate(vendors)},
        )
        made["area"] = SecurityArea(
            AREA,
            SecurityAreaArgs(
                spec=plans.spec,
                area=plans.spec.area(AREA),
                network=plans.network,
                flows=plans.flows,
                hosts=plans.in_area(AREA),
                services=area_services(plans.spec, plans.network, plans.hosts, AREA),
                backend=backend,
                zones=Zones(ZONES),
                access=access,
                database_password="password-from-test",
            ),
        )

    return run_alone(build), made


def test_the_area_is_the_root_of_what_it_makes(built: tuple[dict[str, Registration], dict[str, Any]]) -> None:
    registrations, _ = built
    (area,) = of_type(registrations, "kiban:network:SecurityArea").values()
    assert qualified_type(area.parent) == STACK_TYPE
    assert not of_type(registrations, "kiban:platform:SharedPlatform")
    # No hardware pool and no vendor groups: those come in as handles.
    assert not of_type(registrations, "openstack:compute/aggregateV2:AggregateV2")
    assert not of_type(registrations, "openstack:identity/groupV3:GroupV3")
    for urn, registration in registrations.items():
        if registration.type != STACK_TYPE and urn != area.urn:
            assert "kiban:network:SecurityArea$" in urn, urn


def test_instances_take_the_zones_of_the_handle(
    built: tuple[dict[str, Registration], dict[str, Any]], plans: Plans
) -> None:
    registrations, _ = built
    instances = of_type(registrations, "openstack:compute/instance:Instance")
    assert set(instances) == {host.name for host in plans.in_area(AREA)}
    for host in plans.in_area(AREA):
        assert inputs(instances[host.name])["availabilityZone"] == ZONES[host.chassis.id]


def test_vendors_get_the_groups_of_the_access_handle(
    built: tuple[dict[str, Registration], dict[str, Any]], plans: Plans
) -> None:
    registrations, _ = built
    assignments = of_type(registrations, "openstack:identity/roleAssignment:RoleAssignment")
    businesses = [business for business in plans.spec.businesses if business.area == AREA]
    vendors = sorted({business.vendor for business in plans.spec.businesses})
    assert set(assignments) == {f"{b.id}-{who}" for b in businesses for who in ("vendor", "operators")}
    for business in businesses:
        vendor = inputs(assignments[f"{business.id}-vendor"])
        assert vendor["groupId"] == f"group-from-test-{vendors.index(business.vendor)}"
        assert vendor["roleId"] == "role-from-test"
        assert inputs(assignments[f"{business.id}-operators"])["groupId"] == "operators-from-test"


def test_the_area_hands_back_its_network_and_every_group(
    built: tuple[dict[str, Registration], dict[str, Any]], plans: Plans
) -> None:
    _, made = built
    area: SecurityArea = made["area"]
    assert isinstance(area.network, OpenStackAreaNetwork) and isinstance(area.network, AreaNetwork)
    assert area.network.area.id == AREA
    assert all(isinstance(group, DeployedGroup) for group in area.groups)
    assert sorted(group.group.id for group in area.groups) == sorted({host.group for host in plans.in_area(AREA)})


def test_the_backend_keeps_nothing_between_calls(built: tuple[dict[str, Registration], dict[str, Any]]) -> None:
    _, made = built
    backend = made["backend"]
    assert vars(backend) == {"settings": backend.settings}
