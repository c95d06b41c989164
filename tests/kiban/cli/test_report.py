"""`kiban report`: a spec or states in, one HTML file out; bad input is exit 2 with a located message, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from tests.conftest import FOUR_SITE_SPEC
from tests.kiban.report.cities import ONE_AREA_CITY, write_city

runner = CliRunner()


def _report(*arguments: str):
    return runner.invoke(app, ["report", *arguments, "--quiet"])


def test_a_spec_makes_the_page(tmp_path: Path):
    spec = write_city(tmp_path)
    out = tmp_path / "town.html"
    result = _report(str(spec), "--out", str(out), "--no-embedded-font")
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "水道料金" in page and '<section id="racks">' in page
    assert f"wrote {out}: 1 areas, 3 businesses, 26 VMs" in result.stderr


def test_help_says_what_it_makes():
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0
    assert "HTML" in result.stdout and "--spec" in result.stdout and "--out" in result.stdout


def test_out_is_required(tmp_path: Path):
    result = _report(str(write_city(tmp_path)))
    assert result.exit_code == 2


def test_a_bad_spec_is_located_and_nothing_is_written(tmp_path: Path):
    spec = write_city(tmp_path, ONE_AREA_CITY.replace("level: middle", "level: medium"))
    out = tmp_path / "town.html"
    result = _report(str(spec), "--out", str(out))
    assert result.exit_code == 2
    assert f"{spec}: areas[0].level" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_hostile_states_are_refused_naming_the_file(tmp_path: Path):
    out = tmp_path / "report.html"
    cases = {
        "not-json.json": "{ this is not json",
        "no-deployment.json": json.dumps({"version": 3}),
        "no-inventory.json": json.dumps(
            {"version": 3, "deployment": {"resources": [{"type": "pulumi:pulumi:Stack", "urn": "u", "outputs": {}}]}}
        ),
        "wrong-inventory.json": json.dumps({"inventory": {"hosts": "many", "areas": [], "flows": []}}),
        "deep.json": "{" + '"a":[' * 5000 + "]" * 5000 + "}",
        # The keys a site stack adds, which only the report reads: checked as well.
        "sites-not-objects.json": json.dumps({"inventory": {"hosts": [], "areas": [], "flows": [], "sites": [1]}}),
        "link-of-one-site.json": json.dumps(
            {"inventory": {"hosts": [], "areas": [], "flows": [], "links": [{"id": "l", "between": ["a"]}]}}
        ),
        "crossing-without-ends.json": json.dumps(
            {"inventory": {"hosts": [], "areas": [], "flows": [], "cross_site_flows": [{"flow": "f"}]}}
        ),
    }
    for name, text in cases.items():
        state = tmp_path / name
        state.write_text(text, encoding="utf-8")
        result = _report(str(state), "--out", str(out))
        assert result.exit_code == 2, (name, result.stderr)
        assert str(state) in result.stderr, name
        if name.endswith("of-one-site.json"):
            assert "inventory.links[0].between" in result.stderr
        assert "Traceback" not in result.stderr
        assert not out.exists()


def test_a_spec_and_states_do_not_mix(tmp_path: Path):
    spec = write_city(tmp_path)
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"inventory": {"hosts": [], "areas": [], "flows": []}}), encoding="utf-8")
    out = tmp_path / "report.html"
    mixed = _report(str(state), str(spec), "--out", str(out))
    assert mixed.exit_code == 2 and str(spec) in mixed.stderr
    two_specs = _report(str(spec), str(spec), "--out", str(out))
    assert two_specs.exit_code == 2
    spec_with_spec = _report(str(spec), "--spec", str(spec), "--out", str(out))
    assert spec_with_spec.exit_code == 2 and "--spec" in spec_with_spec.stderr
    assert not out.exists()


def test_missing_input_and_missing_folder_are_bad_input(tmp_path: Path):
    missing = _report(str(tmp_path / "nowhere.yaml"), "--out", str(tmp_path / "r.html"))
    assert missing.exit_code == 2 and "nowhere.yaml" in missing.stderr
    no_folder = _report(str(write_city(tmp_path)), "--out", str(tmp_path / "no" / "r.html"), "--no-embedded-font")
    assert no_folder.exit_code == 2 and "does not exist" in no_folder.stderr


def test_a_four_site_city_makes_the_page_with_each_data_centre_on_its_own_racks(tmp_path: Path):
    """Issue 21: dot failed inside Graphviz ("trouble in init_rank") with a traceback on this city."""
    out = tmp_path / "four.html"
    result = _report(str(FOUR_SITE_SPEC), "--out", str(out), "--no-embedded-font")
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "4 sites" in result.stderr and "layout-note" not in page
    assert all(f"拠点 site {site}" in page for site in ("dc1", "dc2", "gc", "portal"))


def test_when_graphviz_cannot_lay_out_the_picture_the_report_exits_2_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import graphviz

    from kiban.report import picture

    def failing(graph: object) -> str:
        raise graphviz.CalledProcessError(1, ["dot"], stderr=b"Error: trouble in init_rank\n")

    monkeypatch.setattr(picture, "_pipe", failing)
    out = tmp_path / "town.html"
    result = _report(str(write_city(tmp_path)), "--out", str(out), "--no-embedded-font")
    assert result.exit_code == 2
    assert "kiban report: Graphviz could not lay out the network picture: dot: Error: trouble in init_rank" in (
        result.stderr
    )
    assert "Traceback" not in result.output and not out.exists()
