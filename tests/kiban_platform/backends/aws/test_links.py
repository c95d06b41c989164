"""``area_links`` alone: the peerings and routes between areas, from handles made in the test, in one call.

Every VPC and route table exists before the call (made here by the test); the call makes one peering
per pair of areas a declared flow joins, parented to the second area of the pair, and a route per
group per CIDR at the other end of its flows, parented to that group's route table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from kiban.mock_runtime import Registration, mock_id
from kiban_platform.backends import create_backend
from kiban_platform.backends.aws.network import AwsAreaNetwork, AwsDeployedGroup
from kiban_platform.backends.handles import AreaNetwork
from kiban_platform.network.flows import FlowPlan, GroupKind, HostGroup, plan_flows
from kiban_platform.network.plan import plan_network
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import MiddlewareRole
from tests.conftest import SMALL_CITY
from tests.kiban_platform.components.alone import PROJECT, STACK, inputs, of_type, run_alone

SETTINGS = {"zones": {"c1": "ap-northeast-1a", "c2": "ap-northeast-1c"}, "ami": "ami-0123456789abcdef0"}
HUB = MiddlewareRole.INTEGRATION_HUB


def _urn(type_: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Registration], dict[str, str], FlowPlan]:
    path = Path(tmp_path_factory.mktemp("links")) / "city.yaml"
    path.write_text(SMALL_CITY, encoding="utf-8")
    spec = load_spec(path)
    network = plan_network(spec)
    flows = plan_flows(spec, network)
    hubs = {area.id: str(network.role_subnet(area.id, HUB).cidr) for area in spec.areas}
    backend = create_backend("aws", SETTINGS)

    def build() -> None:
        areas: dict[str, AreaNetwork] = {}
        groups = []
        for area in spec.areas:
            component = pulumi.ComponentResource("test:area:Area", area.id)
            vpc = aws.ec2.Vpc(area.id, cidr_block=str(area.supernet), opts=pulumi.ResourceOptions(parent=component))
            areas[area.id] = AwsAreaNetwork(area, {}, vpc, component, {})
            table = aws.ec2.RouteTable(f"hub-{area.id}", vpc_id=vpc.id)
            other = next(a.id for a in spec.areas if a.id != area.id)
            group = HostGroup(
                f"{HUB.value}@{area.id}", GroupKind.MIDDLEWARE, area.id, network.role_subnet(area.id, HUB).cidr
            )
            groups.append(AwsDeployedGroup(group, {}, f"hub-{area.id}", table, ((hubs[other], other),)))
        backend.area_links(None, areas, groups, flows)  # type: ignore[arg-type]  # AWS parents links to the areas

    return run_alone(build), hubs, flows


def test_one_peering_for_the_declared_flow_under_the_second_area(
    built: tuple[dict[str, Registration], dict[str, str], FlowPlan],
) -> None:
    registrations, _, _ = built
    peerings = of_type(registrations, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
    assert list(peerings) == ["office-secure"]
    peering = peerings["office-secure"]
    assert peering.parent == _urn("test:area:Area", "secure")
    assert inputs(peering)["vpcId"] == mock_id(_urn("test:area:Area$aws:ec2/vpc:Vpc", "office"))
    assert inputs(peering)["peerVpcId"] == mock_id(_urn("test:area:Area$aws:ec2/vpc:Vpc", "secure"))
    assert inputs(peering)["autoAccept"] is True


def test_a_route_per_group_to_the_other_ends_cidr_through_the_peering(
    built: tuple[dict[str, Registration], dict[str, str], FlowPlan],
) -> None:
    registrations, hubs, _ = built
    routes = of_type(registrations, "aws:ec2/route:Route")
    peering_id = mock_id(_urn("test:area:Area$aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "office-secure"))
    expected = {
        f"hub-office-to-{hubs['secure'].replace('/', '-')}": ("office", hubs["secure"]),
        f"hub-secure-to-{hubs['office'].replace('/', '-')}": ("secure", hubs["office"]),
    }
    assert set(routes) == set(expected)
    for name, (area, cidr) in expected.items():
        route: Any = routes[name]
        assert route.parent == _urn("aws:ec2/routeTable:RouteTable", f"hub-{area}")
        assert inputs(route)["destinationCidrBlock"] == cidr
        assert inputs(route)["vpcPeeringConnectionId"] == peering_id
        assert inputs(route)["routeTableId"] == mock_id(_urn("aws:ec2/routeTable:RouteTable", f"hub-{area}"))


def test_links_refuse_an_area_handle_not_made_by_aws(
    built: tuple[dict[str, Registration], dict[str, str], FlowPlan],
) -> None:
    _, _, flows = built
    with pytest.raises(TypeError, match="not its own AwsAreaNetwork"):
        create_backend("aws", SETTINGS).area_links(None, {"office": AreaNetwork(None, {})}, [], flows)  # type: ignore[arg-type]
