"""Whole-spec rules of the management section: narrow operations networks outside every area, one path per area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from spec.load import load_spec
from spec.model import OPERATIONS_NETWORK_MAX_PREFIX
from spec.problems import SpecError, format_path
from tests.conftest import SpecWriter

Mutation = Callable[[dict[str, Any]], None]


def _networks(data: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = data["management"]["operations_networks"]
    return found


def _problems(data: dict[str, Any], write_spec: SpecWriter) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as raised:
        load_spec(write_spec(data))
    return [(format_path(problem.path), problem.message) for problem in raised.value.problems]


def _inside_an_area(data: dict[str, Any]) -> None:
    _networks(data)[1]["cidr"] = "10.20.250.0/28"


def _too_wide(data: dict[str, Any]) -> None:
    _networks(data)[0]["cidr"] = "172.16.0.0/20"


def _overlapping(data: dict[str, Any]) -> None:
    _networks(data)[2]["cidr"] = "172.16.10.0/29"


def _unknown_area(data: dict[str, Any]) -> None:
    _networks(data)[2]["area"] = "dmz"


def _missing_area(data: dict[str, Any]) -> None:
    del _networks(data)[0]


def _duplicate_id(data: dict[str, Any]) -> None:
    _networks(data)[1]["id"] = "ops-mynumber"


def _overlaps_external(data: dict[str, Any]) -> None:
    _networks(data)[1]["cidr"] = "192.0.2.0/28"


def _ssh_on_a_service_port(data: dict[str, Any]) -> None:
    data["management"]["ssh_port"] = 443


def _bastion_in_a_flow(data: dict[str, Any]) -> None:
    data["flows"][2]["to"] = {"middleware": "bastion", "area": "lgwan"}


def _single_redundant_bastion(data: dict[str, Any]) -> None:
    data["management"]["bastion"]["replicas"] = 1


CASES: list[tuple[str, Mutation, str, str]] = [
    ("inside an area", _inside_an_area, "management.operations_networks[1].cidr", "overlaps area 'lgwan'"),
    ("too wide", _too_wide, "management.operations_networks[0].cidr", f"wider than /{OPERATIONS_NETWORK_MAX_PREFIX}"),
    ("overlapping", _overlapping, "management.operations_networks[2].cidr", "overlaps operations network"),
    ("unknown area", _unknown_area, "management.operations_networks[2].area", "unknown area 'dmz'"),
    ("area left out", _missing_area, "management.operations_networks", "area 'mynumber' has hosts but no"),
    ("duplicate id", _duplicate_id, "management.operations_networks[1].id", "duplicate operations network id"),
    ("external", _overlaps_external, "management.operations_networks[1].cidr", "external network 192.0.2.0/26"),
    ("ssh port", _ssh_on_a_service_port, "management.ssh_port", "also a service port of businesses"),
    ("bastion in a flow", _bastion_in_a_flow, "flows[2].to.middleware", "reached only from the operations"),
    ("one bastion", _single_redundant_bastion, "management.bastion.replicas", "at least 2 replicas"),
]


@pytest.mark.parametrize(("mutate", "field_path", "message"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_management_problems_are_located(
    sample_data: dict[str, Any], write_spec: SpecWriter, mutate: Mutation, field_path: str, message: str
) -> None:
    mutate(sample_data)
    problems = _problems(sample_data, write_spec)
    at_path = [text for path, text in problems if path == field_path]
    assert any(message in text for text in at_path), problems


def test_sample_gets_one_bastion_group_per_area(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    spec = load_spec(write_spec(sample_data))
    assert spec.management is not None
    assert (spec.management.ssh_port, spec.management.user) == (22, "kiban-ops")
    assert spec.bastion_areas() == ["mynumber", "lgwan", "internet"]


def test_without_management_the_spec_stays_valid_and_has_no_bastion(
    sample_data: dict[str, Any], write_spec: SpecWriter
) -> None:
    del sample_data["management"]
    spec = load_spec(write_spec(sample_data))
    assert spec.management is None and spec.bastion_service() is None
    assert all(role.value != "bastion" for role, _ in spec.platform_services())


def test_defaults_of_a_minimal_management_section(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    sample_data["management"] = {"operations_networks": _networks(sample_data)}
    spec = load_spec(write_spec(sample_data))
    assert spec.management is not None
    bastion = spec.management.bastion
    assert (spec.management.ssh_port, spec.management.user) == (22, "kiban-ops")
    assert (bastion.replicas, bastion.vcpu, bastion.ram_gb, bastion.disk.size_gb, bastion.anti_affinity) == (
        2,
        2,
        4,
        20,
        True,
    )


def test_an_area_without_hosts_needs_no_operations_network(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    sample_data["areas"].append(
        {
            "id": "spare",
            "name": "予備",
            "name_en": "Spare",
            "level": "middle",
            "vlans": {"first": 400, "last": 450},
            "supernet": "10.40.0.0/16",
        }
    )
    spec = load_spec(write_spec(sample_data))
    assert "spare" not in spec.bastion_areas()
