"""The provider-neutral components: their tokens, their tree, and the outputs they register."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiban_platform.network.plan import plan_network
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import MiddlewareRole
from tests.rendering import by_name, resources, tiny_render, write_tiny_city

TOKENS = {
    "SharedPlatform": "kiban:platform:SharedPlatform",
    "HardwarePool": "kiban:compute:HardwarePool",
    "SecurityArea": "kiban:network:SecurityArea",
    "MiddlewareTier": "kiban:middleware:MiddlewareTier",
    "BusinessTenant": "kiban:tenancy:BusinessTenant",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tiny")


@pytest.fixture(scope="module")
def state(folder: Path) -> dict[str, Any]:
    return tiny_render()


def test_one_component_per_part_of_the_spec(state: dict[str, Any], folder: Path) -> None:
    spec = load_spec(write_tiny_city(folder))
    assert list(by_name(state, TOKENS["SharedPlatform"])) == ["platform"]
    assert list(by_name(state, TOKENS["HardwarePool"])) == ["hardware"]
    assert sorted(by_name(state, TOKENS["SecurityArea"])) == sorted(area.id for area in spec.areas)
    assert sorted(by_name(state, TOKENS["BusinessTenant"])) == sorted(b.id for b in spec.businesses)
    tiers = {
        f"{role.value.replace('_', '-')}-{area}" for role, service in spec.platform_services() for area in service.areas
    }
    assert {"bastion-secure", "bastion-office"} <= tiers, "bastions are middleware tiers of their area"
    assert set(by_name(state, TOKENS["MiddlewareTier"])) == tiers


def test_components_nest_area_then_tenant(state: dict[str, Any]) -> None:
    tenant = by_name(state, TOKENS["BusinessTenant"])["juki"]
    area = by_name(state, TOKENS["SecurityArea"])["secure"]
    platform = by_name(state, TOKENS["SharedPlatform"])["platform"]
    assert tenant["parent"] == area["urn"]
    assert area["parent"] == platform["urn"]
    assert tenant["custom"] is False and "id" not in tenant


def test_every_provider_resource_belongs_to_a_component(state: dict[str, Any]) -> None:
    """Nothing is made outside the tree: each resource's ancestors reach the SharedPlatform."""
    parents = {r["urn"]: r.get("parent") for r in state["deployment"]["resources"]}
    platform = by_name(state, TOKENS["SharedPlatform"])["platform"]["urn"]
    for resource in state["deployment"]["resources"]:
        if resource["type"] == "pulumi:pulumi:Stack" or resource["urn"].endswith("::default_5_5_3"):
            continue
        chain, current = [], resource["urn"]
        while current and current != platform:
            chain.append(current)
            current = parents.get(current)
        assert current == platform, resource["urn"]


def test_components_register_their_outputs(state: dict[str, Any], folder: Path) -> None:
    network = plan_network(load_spec(write_tiny_city(folder)))
    area = by_name(state, TOKENS["SecurityArea"])["office"]
    assert area["outputs"]["vlans"] == [segment.vlan for segment in network.in_area("office")]
    assert area["outputs"]["level"] == "middle"
    tier = by_name(state, TOKENS["MiddlewareTier"])["database-office"]
    assert tier["outputs"]["hosts"] == ["database-office-1", "database-office-2"]
    assert tier["outputs"]["service_address"] == str(
        network.role_subnet("office", MiddlewareRole.DATABASE).service_address
    )
    pool = by_name(state, TOKENS["HardwarePool"])["hardware"]
    assert pool["outputs"]["zones"] == {"c1": "az-c1", "c2": "az-c2", "c3": "c3"}


def test_stack_exports_the_inventory(state: dict[str, Any]) -> None:
    (stack,) = resources(state, "pulumi:pulumi:Stack")
    inventory = stack["outputs"]["inventory"]
    assert inventory["target"] == "openstack"
    assert [host["name"] for host in inventory["hosts"]][:3] == ["juki-web-1", "juki-web-2", "juki-app-1"]
    # The program plans placement: every host names its blade, inside its failure domain.
    assert all(host["blade"].startswith(f"{host['failure_domain']}-") for host in inventory["hosts"])
    assert {"segments", "rules", "municipality"} <= set(stack["outputs"])
