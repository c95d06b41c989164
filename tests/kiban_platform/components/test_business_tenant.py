"""A BusinessTenant built alone on AWS, in a VPC the test makes, with zones and an owner account from the test.

Its subnets go into the VPC of the area handle, its instances into the zones of the zones handle,
its RAM shares name the owner account of the access handle, and it makes no peering or route:
links between areas are ``area_links``' alone.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from kiban.mock_runtime import STACK_TYPE, Registration, mock_id, qualified_type
from kiban_platform.backends import create_backend
from kiban_platform.backends.aws.backend import AwsVendorAccess
from kiban_platform.backends.aws.network import AwsAreaNetwork, AwsDeployedGroup
from kiban_platform.backends.handles import Zones
from kiban_platform.components import BusinessTenant, BusinessTenantArgs
from kiban_platform.components.deployments import business_deployments
from kiban_platform.templates import area_services
from tests.kiban_platform.components.alone import PROJECT, STACK, Plans, inputs, of_type, run_alone, tiny_plans

ZONES = {"c1": "ap-northeast-1a", "c2": "ap-northeast-1c", "c3": "ap-northeast-1d"}
SETTINGS = {"zones": ZONES, "ami": "ami-0123456789abcdef0"}
OWNER = "123456789012"
BUSINESS = "kyuyo"


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> Plans:
    return tiny_plans(tmp_path_factory.mktemp("tenant"), zonal_subnets=True)


@pytest.fixture(scope="module")
def built(plans: Plans) -> tuple[dict[str, Registration], dict[str, Any]]:
    backend = create_backend("aws", SETTINGS)
    business = plans.spec.business(BUSINESS)
    area = plans.spec.area(business.area)
    services = area_services(plans.spec, plans.network, plans.hosts, area.id)
    tiers = business_deployments(business, plans.network, plans.flows, plans.in_area(area.id), services)
    made: dict[str, Any] = {"backend": backend}

    def build() -> None:
        vpc = aws.ec2.Vpc("vpc-from-test", cidr_block=str(area.supernet))
        network = AwsAreaNetwork(area, {}, vpc, vpc, {})
        made["tenant"] = BusinessTenant(
            BUSINESS,
            BusinessTenantArgs(
                business=business,
                segment=plans.network.segment(area.id, business.id),
                tiers=tiers,
                dns_servers=services.time_name,
                backend=backend,
                network=network,
                zones=Zones(ZONES),
                access=AwsVendorAccess({}, pulumi.Output.from_input(OWNER)),
            ),
        )

    return run_alone(build), made


def test_the_tenant_stands_alone(built: tuple[dict[str, Registration], dict[str, Any]]) -> None:
    registrations, _ = built
    (tenant,) = of_type(registrations, "kiban:tenancy:BusinessTenant").values()
    assert qualified_type(tenant.parent) == STACK_TYPE
    assert not of_type(registrations, "kiban:network:SecurityArea")


def test_subnets_are_zone_blocks_in_the_vpc_of_the_handle(
    built: tuple[dict[str, Registration], dict[str, Any]], plans: Plans
) -> None:
    registrations, _ = built
    vpc_id = mock_id(f"urn:pulumi:{STACK}::{PROJECT}::aws:ec2/vpc:Vpc::vpc-from-test")
    subnets = of_type(registrations, "aws:ec2/subnet:Subnet")
    tiers = list(plans.spec.business(BUSINESS).tiers.items())
    assert len(subnets) == len(tiers) * len(ZONES)
    for name, subnet in subnets.items():
        assert inputs(subnet)["vpcId"] == vpc_id
        assert inputs(subnet)["availabilityZone"] == ZONES[name.rsplit("-", 1)[1]]
    for host in plans.hosts:
        if host.vm.business == BUSINESS:
            instance = of_type(registrations, "aws:ec2/instance:Instance")[host.name]
            assert inputs(instance)["availabilityZone"] == ZONES[host.chassis.id]


def test_ram_shares_name_the_owner_account_of_the_handle(built: tuple[dict[str, Registration], dict[str, Any]]) -> None:
    registrations, _ = built
    shared = of_type(registrations, "aws:ram/resourceAssociation:ResourceAssociation")
    assert shared
    assert all(f":{OWNER}:subnet/" in inputs(share)["resourceArn"] for share in shared.values())


def test_the_tenant_makes_no_link_and_hands_back_its_route_tables(
    built: tuple[dict[str, Registration], dict[str, Any]], plans: Plans
) -> None:
    registrations, made = built
    assert not of_type(registrations, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
    assert not of_type(registrations, "aws:ec2/route:Route")
    groups = made["tenant"].groups
    assert [group.group.id for group in groups] == [
        f"{BUSINESS}/{tier.value}" for tier, _ in plans.spec.business(BUSINESS).tiers.items()
    ]
    tables = of_type(registrations, "aws:ec2/routeTable:RouteTable")
    for group in groups:
        assert isinstance(group, AwsDeployedGroup)
        assert group.name in tables
        assert group.peers == ()  # its flows stay inside its area: nothing for area_links to route


def test_the_backend_keeps_nothing_between_calls(built: tuple[dict[str, Registration], dict[str, Any]]) -> None:
    _, made = built
    assert vars(made["backend"]) == {"settings": made["backend"].settings}
