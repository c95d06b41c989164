"""Shared fixtures: the built-in sample as plain data, and a way to write a variant of it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SAMPLE_SPEC = REPO / "specs" / "sample-city.yaml"

_SAMPLE_DATA: dict[str, Any] = yaml.safe_load(SAMPLE_SPEC.read_text(encoding="utf-8"))

SpecWriter = Callable[[dict[str, Any]], Path]


@pytest.fixture
def sample_data() -> dict[str, Any]:
    """A fresh deep copy of the sample spec as written (catalogue entries not yet expanded)."""
    return copy.deepcopy(_SAMPLE_DATA)


@pytest.fixture
def write_spec(tmp_path: Path) -> SpecWriter:
    def write(data: dict[str, Any]) -> Path:
        path = tmp_path / "city.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write
