"""The single-site rules on many areas: each collision told once against the first area it collides with,
and capped per kind, not listed pair by pair."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kiban_platform.spec.load import load_spec
from kiban_platform.spec.problems import SpecError, format_path
from tests.conftest import SpecWriter

AREAS = 200


def test_many_areas_on_one_vlan_range_and_supernet_are_capped(
    sample_data: dict[str, Any], write_spec: SpecWriter
) -> None:
    first = sample_data["areas"][0]
    for index in range(AREAS):
        area = copy.deepcopy(first)
        area["id"] = f"copy-{index:04d}"
        area["level"] = "internet"  # not high: the catalogue's businesses still find their one high area
        sample_data["areas"].append(area)
    with pytest.raises(SpecError) as raised:
        load_spec(write_spec(sample_data))
    problems = [(format_path(problem.path), problem.message) for problem in raised.value.problems]
    vlans = [problem for problem in problems if problem[0].endswith(".vlans")]
    supernets = [problem for problem in problems if problem[0].endswith(".supernet")]
    assert len(vlans) == len(supernets) == 21
    count = len(sample_data["areas"])
    assert vlans[0][1].startswith(f"VLANs 100-199 reuse IDs of area '{first['id']}'")
    assert vlans[-1][1] == f"… and {count - 1 - 20 - 2:,} more problems of this kind (at areas[*].vlans)"
    assert supernets[0][1] == f"{first['supernet']} overlaps {first['supernet']} of area '{first['id']}'"
