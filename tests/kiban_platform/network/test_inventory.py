"""The inventory document: the contract verification reads, the same shape from every target."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kiban_platform.network.flows import plan_flows
from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.inventory import build_inventory
from kiban_platform.network.plan import plan_network
from kiban_platform.spec.instances import expand_vms
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec
from tests.conftest import SAMPLE_SPEC

HOST_FIELDS = {
    "name",
    "role",
    "business",
    "tier",
    "area",
    "group",
    "address",
    "subnet",
    "failure_domain",
    "blade",
    "ports",
    "bastion",
}


@pytest.fixture(scope="module")
def sample() -> PlatformSpec:
    return load_spec(SAMPLE_SPEC)


@pytest.fixture(scope="module")
def inventory(sample: PlatformSpec) -> dict[str, Any]:
    network = plan_network(sample)
    return build_inventory(sample, network, plan_flows(sample, network), plan_hosts(sample, network), "openstack")


def test_is_plain_json(inventory: dict[str, Any]) -> None:
    assert json.loads(json.dumps(inventory)) == inventory


def test_hosts_have_exactly_the_contract_fields(sample: PlatformSpec, inventory: dict[str, Any]) -> None:
    assert [host["name"] for host in inventory["hosts"]] == [vm.name for vm in expand_vms(sample)]
    for host in inventory["hosts"]:
        assert set(host) == HOST_FIELDS


def test_business_host(inventory: dict[str, Any]) -> None:
    host = next(host for host in inventory["hosts"] if host["name"] == "juki-app-2")
    assert host == {
        "name": "juki-app-2",
        "role": "app",
        "business": "juki",
        "tier": "app",
        "area": "mynumber",
        "group": "juki/app",
        "address": "10.10.5.5",
        "subnet": "10.10.5.0/24",
        "failure_domain": "ch2",
        "blade": None,
        "ports": ["8443/tcp"],
        "bastion": "10.10.3.4",
    }


def test_middleware_host_has_no_business(inventory: dict[str, Any]) -> None:
    host = next(host for host in inventory["hosts"] if host["name"] == "time-name-lgwan-1")
    assert host["business"] is None and host["tier"] is None
    assert host["role"] == "time_name"
    assert host["ports"] == ["123/udp", "53/udp", "53/tcp"]
    assert host["failure_domain"] == "ch1"


def test_areas_carry_the_planned_vlans_and_cidrs(sample: PlatformSpec, inventory: dict[str, Any]) -> None:
    network = plan_network(sample)
    for area in inventory["areas"]:
        segments = network.in_area(area["id"])
        assert area["vlans"] == [segment.vlan for segment in segments]
        assert area["cidr"] == str(sample.area(area["id"]).supernet)
        assert [segment["cidr"] for segment in area["segments"]] == [str(segment.cidr) for segment in segments]


def test_flows_are_the_plan(sample: PlatformSpec, inventory: dict[str, Any]) -> None:
    plan = plan_flows(sample, plan_network(sample))
    assert [(f["from"]["group"], f["to"]["group"], f["port"]) for f in inventory["flows"]] == [
        (rule.source.id, rule.destination.id, str(rule.port)) for rule in plan.rules
    ]
    declared = [flow for flow in inventory["flows"] if flow["flow"] == "eltax-tokutei"]
    assert declared == [
        {
            "from": {"group": "external:eLTAX@lgwan", "kind": "external", "area": "lgwan", "cidr": "192.0.2.0/26"},
            "to": {
                "group": "integration_hub@mynumber",
                "kind": "middleware",
                "area": "mynumber",
                "cidr": "10.10.0.128/25",
            },
            "port": "443/tcp",
            "kind": "declared-flow",
            "flow": "eltax-tokutei",
            "crosses_areas": True,
        }
    ]


def test_management_names_the_account_port_terminals_and_bastions(inventory: dict[str, Any]) -> None:
    management = inventory["management"]
    assert (management["user"], management["ssh_port"]) == ("kiban-ops", 22)
    assert management["operations_networks"][0] == {
        "id": "ops-mynumber",
        "area": "mynumber",
        "cidr": "192.168.10.0/28",
        "purpose": "運用端末 of the My Number area, in the information-systems office's closed room",
    }
    assert management["bastions"] == {
        "mynumber": ["10.10.3.4", "10.10.3.5"],
        "lgwan": ["10.20.3.4", "10.20.3.5"],
        "internet": ["10.30.3.4", "10.30.3.5"],
    }
    for host in inventory["hosts"]:
        if host["role"] == "bastion":
            assert host["bastion"] is None, "a bastion is reached directly"
        else:
            assert host["bastion"] == management["bastions"][host["area"]][0]


def test_without_management_no_host_has_a_bastion(sample: PlatformSpec) -> None:
    plain = sample.model_copy(update={"management": None})
    network = plan_network(plain)
    document = build_inventory(plain, network, plan_flows(plain, network), plan_hosts(plain, network), "aws")
    assert document["management"] is None
    assert all(host["bastion"] is None for host in document["hosts"])
