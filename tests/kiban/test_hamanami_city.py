"""A second hybrid city, of four sites, through every command: the trial issue 21 asks every hybrid change to pass.

浜波市 (specs/examples/hamanami-hybrid.yaml): two on-prem data centres each on its own chassis (the city's
and the prefecture's), a Government Cloud in Osaka holding every operations manager, a public cloud in
Tokyo that only receives anonymized data; links over a closed line, LGWAN and the internet. Each step is
the command a vendor, an auditor or an operator types, and each must answer truly: validate, plan per
site, render every site twice (identical), audit (clean), inventory (the same bytes in any order), the
report of the states and of the spec, and the diff forms.
"""

from __future__ import annotations

import functools
import itertools
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from tests.conftest import REPO

SPEC = REPO / "specs" / "examples" / "hamanami-hybrid.yaml"
SITES = ("dc1", "pref", "gc", "opendata")
# The AWS sites go up first; each data centre reads the tunnels of the clouds it links to (StackReference).
READS = {"dc1": ("gc", "opendata"), "pref": ("gc",), "gc": (), "opendata": ()}
RENDER_ORDER = ("gc", "opendata", "dc1", "pref")
runner = CliRunner()

pytestmark = pytest.mark.slow  # four site renders, each twice, and the commands over them


def _kiban(*args: str) -> str:
    result = runner.invoke(app, [*args])
    assert result.exit_code == 0, f"kiban {' '.join(args)} exited {result.exit_code}:\n{result.output}"
    assert "Traceback" not in result.output
    return result.output


@functools.cache
def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="kiban-four-sites-"))


def _render(site: str, out: Path, files: dict[str, Path]) -> None:
    references = [f"--reference=hamanami-hybrid-{peer}={files[peer]}" for peer in READS[site]]
    _kiban("render", "--spec", str(SPEC), "--site", site, "--out", str(out), "--quiet", *references)


@functools.cache
def rendered() -> dict[str, Path]:
    """Each site's state, rendered from the spec in the documented order, each reading its peers' renders."""
    files: dict[str, Path] = {}
    for site in RENDER_ORDER:
        files[site] = _folder() / f"{site}.json"
        _render(site, files[site], files)
    return files


def _state(site: str) -> dict[str, Any]:
    state: dict[str, Any] = json.loads(rendered()[site].read_text(encoding="utf-8"))
    return state


def test_the_city_validates_and_plans_each_site_on_its_own_hardware() -> None:
    assert "every site fits its target" in _kiban("validate", str(SPEC))
    blades_of: dict[str, set[str]] = {}
    for site in SITES:
        out = _folder() / f"plan-{site}.json"
        _kiban("plan", str(SPEC), "--site", site, "--format", "json", "--out", str(out))
        plan = json.loads(out.read_text(encoding="utf-8"))
        placements = plan.get("placements", [])
        blades_of[site] = {row["blade"] for row in placements if row.get("blade")}
    # The two data centres are two rooms of hardware: no blade holds VMs of both.
    assert blades_of["dc1"] and blades_of["pref"]
    assert not blades_of["dc1"] & blades_of["pref"]


def test_every_site_renders_byte_identical_again() -> None:
    files = rendered()
    for site in RENDER_ORDER:
        again = _folder() / f"{site}-again.json"
        _render(site, again, files)
        assert again.read_bytes() == files[site].read_bytes(), site


def test_the_government_cloud_is_in_osaka_and_the_public_cloud_in_tokyo() -> None:
    def regions(site: str) -> tuple[set[str], set[str]]:
        """The AWS providers' regions, and the regions of every zone a resource is placed in."""
        resources = _state(site)["deployment"]["resources"]
        providers = {r["inputs"].get("region") for r in resources if r["type"] == "pulumi:providers:aws"}
        zones = {
            r["inputs"]["availabilityZone"][:-1]
            for r in resources
            if isinstance((r.get("inputs") or {}).get("availabilityZone"), str)
        }
        return providers, zones

    assert regions("gc") == ({"ap-northeast-3"}, {"ap-northeast-3"})
    providers, zones = regions("opendata")  # a public service only: no VM, so no zone to place one in
    assert providers == {"ap-northeast-1"} and zones <= {"ap-northeast-1"}


def test_every_site_audits_clean() -> None:
    for site in SITES:
        out = _kiban("audit", str(rendered()[site]), "--format", "json")
        report = json.loads(out)
        assert report["findings"] == [], f"{site}: {json.dumps(report['findings'], ensure_ascii=False)[:2000]}"
        assert any(rule["passed"] for rule in report["rules"]), f"{site}: no rule judged anything"


def test_the_merged_inventory_is_the_same_bytes_in_any_order() -> None:
    outputs = []
    for index, order in enumerate(itertools.permutations(SITES)):
        if index % 6:  # 4 of the 24 orders: each site first once
            continue
        out = _folder() / f"inventory-{index}.yml"
        _kiban("inventory", *(str(rendered()[site]) for site in order), "--out", str(out))
        outputs.append(out.read_bytes())
    assert len(set(outputs)) == 1


def test_the_report_of_the_states_and_of_the_spec() -> None:
    states = [str(rendered()[site]) for site in SITES]
    from_states = _folder() / "states.html"
    _kiban("report", *states, "--spec", str(SPEC), "--out", str(from_states))
    from_spec = _folder() / "spec.html"
    _kiban("report", str(SPEC), "--out", str(from_spec))
    for page in (from_states, from_spec):
        text = page.read_text(encoding="utf-8")
        assert "浜波市" in text and all(site in text for site in SITES)


def test_every_diff_form_of_a_site_against_itself_finds_nothing() -> None:
    state = str(rendered()["gc"])
    for form in ("text", "markdown", "json", "sarif", "html"):
        result = runner.invoke(app, ["diff", state, state, "--format", form])
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
    result = runner.invoke(app, ["diff", "--old-spec", str(SPEC), "--new-spec", str(SPEC), "--site", "gc", "--quiet"])
    assert result.exit_code == 0, result.output


def test_a_diff_of_two_sites_states_is_refused() -> None:
    result = runner.invoke(app, ["diff", str(rendered()["dc1"]), str(rendered()["pref"])])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
