"""Whole-spec rules of ``spec.checks`` not covered by the command-line cases: the narrow-source limit."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from spec.checks import HIGH_AREA_WIDEST_EXTERNAL_PREFIX
from spec.load import load_spec
from spec.problems import SpecError, format_path
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
