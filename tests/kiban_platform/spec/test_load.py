"""Loading a spec: catalogue expansion, overrides, and never anything but a SpecError for bad input."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiban_platform.spec.load import load_spec, merge_overrides
from kiban_platform.spec.model import DiskTier, PlatformSpec, TierName
from kiban_platform.spec.problems import SpecError
from tests.conftest import SAMPLE_SPEC, SpecWriter

SAMPLE = load_spec(SAMPLE_SPEC)


def test_sample_expands_the_catalogue() -> None:
    juki = SAMPLE.business("juki")
    assert juki.catalog == "juki"
    assert juki.name == "住民基本台帳"
    assert juki.area == "mynumber", "the only high area is chosen for a high catalogue entry"
    assert juki.network_slot == 1, "the catalogue number is the network slot"
    assert juki.peak_months == [3, 4]
    assert juki.tiers.app is not None and juki.tiers.app.replicas == 3


def test_overrides_merge_field_by_field() -> None:
    tax = SAMPLE.business("kojin-juminzei")
    assert tax.tiers.db is not None
    assert (tax.tiers.db.vcpu, tax.tiers.db.ram_gb) == (24, 96), "overridden"
    assert tax.tiers.db.disk.tier == DiskTier.FAST and tax.tiers.db.disk.size_gb == 1000, "kept from the catalogue"
    assert SAMPLE.business("senkyo").peak_months == [7], "a list replaces the catalogue's"


def test_null_removes_a_catalogue_tier() -> None:
    seals = SAMPLE.business("inkan-toroku")
    assert seals.tiers.batch is None
    assert [name for name, _ in seals.tiers.items()] == [TierName.WEB, TierName.APP, TierName.DB]


def test_merge_overrides_does_not_touch_its_inputs() -> None:
    base: dict[str, Any] = {"tiers": {"app": {"replicas": 2, "vcpu": 4}}, "peak_months": [1]}
    overrides = {"tiers": {"app": {"replicas": 3}}, "peak_months": [2, 3]}
    merged = merge_overrides(base, overrides)
    assert merged == {"tiers": {"app": {"replicas": 3, "vcpu": 4}}, "peak_months": [2, 3]}
    assert base["tiers"]["app"]["replicas"] == 2


def test_explicit_area_wins_over_the_catalogue_level(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    sample_data["businesses"][1]["area"] = "lgwan"  # senkyo, moved on purpose
    sample_data["businesses"][1]["integrations"] = {"consumes": []}  # its resident data stays in mynumber
    spec = load_spec(write_spec(sample_data))
    assert spec.business("senkyo").area == "lgwan"


def test_unknown_catalogue_version(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    sample_data["catalog_version"] = 9
    with pytest.raises(SpecError) as raised:
        load_spec(write_spec(sample_data))
    assert "catalog_version: no catalogue version 9; available: 1" in str(raised.value)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(SpecError, match="expected a YAML mapping at the top, found a list"):
        load_spec(path)


def test_problems_point_at_source_lines(tmp_path: Path) -> None:
    text = SAMPLE_SPEC.read_text(encoding="utf-8").replace("    network_slot: 21\n", "    network_slot: 1\n")
    path = tmp_path / "city.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    network_slot: 1") + 1
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    assert f"businesses[20].network_slot: duplicate network slot 1 (first at index 0) (line {line})" in str(
        raised.value
    )


def _leaf_paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        return [p for key, value in data.items() for p in _leaf_paths(value, (*path, key))] + [path]
    if isinstance(data, list):
        return [p for index, value in enumerate(data) for p in _leaf_paths(value, (*path, index))] + [path]
    return [path]


_SAMPLE_DATA = yaml.safe_load(SAMPLE_SPEC.read_text(encoding="utf-8"))
_PATHS = [path for path in _leaf_paths(_SAMPLE_DATA) if path]
_DELETE = object()
_REPLACEMENTS = st.sampled_from(
    [_DELETE, None, -1, 0, 1, 5000, 2.5, True, "", "x", "10.0.0.0/8", "443/tcp", [], {}, ["mynumber"], {"a": 1}]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(_PATHS), _REPLACEMENTS), min_size=1, max_size=3))
def test_any_edit_gives_a_spec_or_a_spec_error(tmp_path: Path, edits: list[tuple[tuple[Any, ...], Any]]) -> None:
    """Whatever a person does to a valid spec, kiban answers with a spec or located problems, never a crash."""
    data = copy.deepcopy(_SAMPLE_DATA)
    for path, value in edits:
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            if value is _DELETE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or replaced this path
    file = tmp_path / "fuzzed.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        spec = load_spec(file)
    except SpecError as error:
        assert error.problems
        assert all(line.startswith(f"{file}: ") for line in error.lines())
    else:
        assert isinstance(spec, PlatformSpec)


@pytest.mark.parametrize(
    "code",
    ["\uff11\uff14\uff19\uff19\uff19\uff13", "\u0661\u0664\u0669\u0669\u0669\u0663", "14999\uff13"],
    ids=["full-width", "arabic-indic", "one-full-width-digit"],
)
def test_a_municipality_code_takes_ascii_digits_only(
    sample_data: dict[str, Any], write_spec: SpecWriter, code: str
) -> None:
    sample_data["municipality"]["code"] = code
    with pytest.raises(SpecError) as raised:
        load_spec(write_spec(sample_data))
    assert [problem.path for problem in raised.value.problems] == [("municipality", "code")]
    assert "6 ASCII digits (0-9, not full-width)" in raised.value.problems[0].message


@pytest.mark.parametrize(
    ("path", "blank"),
    [
        (("municipality", "name"), "   "),
        (("municipality", "name_en"), " "),
        (("municipality", "name"), "\u3000\u3000"),  # full-width spaces (全角スペース)
        (("areas", 0, "name"), "  "),
        (("middleware", "database", "product"), " "),
        (("flows", 0, "purpose"), "\t"),
    ],
)
def test_human_text_of_only_spaces_is_refused(
    sample_data: dict[str, Any], write_spec: SpecWriter, path: tuple[Any, ...], blank: str
) -> None:
    parent = sample_data
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = blank
    with pytest.raises(SpecError) as raised:
        load_spec(write_spec(sample_data))
    assert [problem.path for problem in raised.value.problems] == [path]
    assert "must not be blank" in raised.value.problems[0].message


def test_text_with_spaces_around_it_is_kept(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    sample_data["municipality"]["name_en"] = " Kaku City "
    assert load_spec(write_spec(sample_data)).municipality.name_en == " Kaku City "
