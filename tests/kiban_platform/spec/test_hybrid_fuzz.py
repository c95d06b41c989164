"""The hybrid checks never crash: the hybrid sample with its site, link, service and flow fields swapped for
other names and values of the same spec, or removed, loads or fails with located problems only."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiban_platform.spec.load import load_spec
from kiban_platform.spec.problems import SpecError
from tests.conftest import REPO

_HYBRID: dict[str, Any] = yaml.safe_load((REPO / "specs" / "sample-hybrid.yaml").read_text(encoding="utf-8"))
_SECTIONS = ("sites", "links", "public_services", "flows", "businesses", "middleware", "areas")

Path_ = tuple[Any, ...]


def _leaves(value: Any, path: Path_ = ()) -> list[Path_]:
    if isinstance(value, dict):
        return [path, *(leaf for key, item in value.items() for leaf in _leaves(item, (*path, key)))]
    if isinstance(value, list):
        return [path, *(leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index)))]
    return [path]


def _walk(document: Any, path: Path_) -> Any:
    for part in path:
        document = document[part]
    return document


CANDIDATES = [path for path in _leaves(_HYBRID) if path and path[0] in _SECTIONS and len(path) > 1]
# Values a person could plausibly write: the spec's own names and numbers, and the enums' values.
_SCALARS = sorted({value for path in CANDIDATES if isinstance(value := _walk(_HYBRID, path), str)})
PLAUSIBLE = st.one_of(
    st.sampled_from(_SCALARS),
    st.sampled_from([None, True, False, 0, 2, 64512, 65010, 4095, "169.254.0.0/30", "10.11.0.0/16"]),
    st.sampled_from(["on_prem", "public_cloud", "internet", "none", "macsec", "my_number", "public", "lgwan"]),
    st.lists(st.sampled_from(["dc1", "gc", "portal", "mynumber", "lgwan", "public"]), max_size=3),
)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    changed = copy.deepcopy(_HYBRID)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(CANDIDATES))
        try:
            parent = _walk(changed, path[:-1])
            parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(PLAUSIBLE)
    return changed


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=mutated())
def test_hybrid_checks_never_crash(document: dict[str, Any], tmp_path: Path) -> None:
    file = tmp_path / "city.yaml"
    file.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        load_spec(file)
    except SpecError as error:
        assert error.problems
