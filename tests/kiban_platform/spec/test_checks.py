"""Whole-spec rules of ``spec.checks`` not covered by the command-line cases: the narrow-source limit, and
the management section (narrow operations networks outside every area, one path per area)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from kiban_platform.spec.checks import HIGH_AREA_WIDEST_EXTERNAL_PREFIX
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import OPERATIONS_NETWORK_MAX_PREFIX
from kiban_platform.spec.problems import SpecError, format_path
from tests.conftest import SMALL_CITY, SpecWriter


def _into_secure(cidr: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SMALL_CITY)
    data["flows"].append(
        {
            "id": "outside-in",
            "from": {"external": "counterpart", "area": "office", "cidr": cidr, **extra},
            "to": {"middleware": "integration_hub", "area": "secure"},
            "ports": [443],
            "purpose": "特定通信",
        }
    )
    return data


def _problems(write_spec: SpecWriter, data: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        load_spec(write_spec(data))
    except SpecError as error:
        return [(format_path(p.path), p.message) for p in error.problems]
    return []


@pytest.mark.parametrize("prefix", range(HIGH_AREA_WIDEST_EXTERNAL_PREFIX, 33))
def test_a_slash_24_or_narrower_passes(write_spec: SpecWriter, prefix: int) -> None:
    assert _problems(write_spec, _into_secure(f"198.51.100.0/{prefix}")) == []


@pytest.mark.parametrize("cidr", ["198.51.100.0/23", "198.51.0.0/16", "100.64.0.0/10", "64.0.0.0/3"])
def test_wider_is_refused_at_the_source_cidr(write_spec: SpecWriter, cidr: str) -> None:
    problems = _problems(write_spec, _into_secure(cidr))
    wide = [message for path, message in problems if path == "flows[1].from.cidr" and "wider than /24" in message]
    assert len(wide) == 1, problems


def test_an_approval_lets_a_wide_source_in(write_spec: SpecWriter) -> None:
    approval = {"approved_wide": {"approved_by": "CISO", "reason": "one published /16"}}
    assert _problems(write_spec, _into_secure("198.51.0.0/16", **approval)) == []


Mutation = Callable[[dict[str, Any]], None]


def _networks(data: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = data["management"]["operations_networks"]
    return found


def _management_problems(data: dict[str, Any], write_spec: SpecWriter) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as raised:
        load_spec(write_spec(data))
    return [(format_path(problem.path), problem.message) for problem in raised.value.problems]


def _inside_an_area(data: dict[str, Any]) -> None:
    _networks(data)[1]["cidr"] = "10.20.250.0/28"


def _too_wide(data: dict[str, Any]) -> None:
    _networks(data)[0]["cidr"] = "172.16.0.0/20"


def _overlapping(data: dict[str, Any]) -> None:
    _networks(data)[2]["cidr"] = "192.168.10.0/29"


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
    problems = _management_problems(sample_data, write_spec)
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
