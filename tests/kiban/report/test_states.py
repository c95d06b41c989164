"""The report of a render (`pulumi stack export`), with and without its spec, and of a hybrid city's site states.

The sample is rendered once per session (tests/conftest.py); these tests are slow because of that render.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from kiban.cli.plan import DEFAULT_SEED, DEFAULT_TIME_LIMIT, make_plan
from kiban.render import dumps_state
from kiban.report.html import report_html
from kiban.report.model import report_from_spec, report_from_states
from kiban.report.picture import picture_from_spec
from kiban_platform.placement.report import summary
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.problems import SpecError
from tests.conftest import REPO, SAMPLE_SPEC, hybrid_render_files

pytestmark = pytest.mark.slow
HYBRID_SPEC = REPO / "specs" / "sample-hybrid.yaml"


@pytest.fixture(scope="module")
def state_file(sample_openstack_state: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("state") / "sample-city-openstack.json"
    path.write_text(dumps_state(sample_openstack_state), encoding="utf-8")
    return path


def test_sample_spec_figures_equal_kiban_plan():
    report = report_from_spec(SAMPLE_SPEC)
    expected = summary(make_plan(load_spec(SAMPLE_SPEC), SAMPLE_SPEC, DEFAULT_TIME_LIMIT, DEFAULT_SEED))
    (capacity,) = report.capacity
    assert capacity.summary == expected
    assert (report.figures.blades_used, capacity.dedicated_baseline, capacity.first_fit, capacity.lower_bound) == (
        expected["blades_used"],
        expected["dedicated_baseline"],
        expected["first_fit"],
        expected["lower_bound"],
    )
    assert capacity.licence_cost_jpy == expected["licences"]["annual_cost_jpy"]
    assert report.figures.vms == 210


def test_a_state_with_its_spec_draws_the_specs_picture_and_the_committed_plans_figures(state_file: Path):
    report = report_from_states([state_file], SAMPLE_SPEC)
    assert report.picture == picture_from_spec(load_spec(SAMPLE_SPEC))
    committed = json.loads((REPO / "plans" / "sample-city.json").read_text(encoding="utf-8"))["summary"]
    (capacity,) = report.capacity
    assert (capacity.blades_used, capacity.dedicated_baseline, capacity.first_fit, capacity.lower_bound) == (
        committed["blades_used"],
        committed["dedicated_baseline"],
        committed["first_fit"],
        committed["lower_bound"],
    )
    assert capacity.licence_cost_jpy == committed["licences"]["annual_cost_jpy"]
    survival = [(loss.chassis, loss.vms_lost, loss.redundant_tiers_down) for loss in report.racks[0].survival]
    assert survival == [
        (loss["chassis"], loss["vms_lost"], tuple(loss["redundant_tiers_down"]))
        for loss in committed["survival"]["chassis"]
    ]
    juki = next(sheet for sheet in report.businesses if sheet.id == "juki")
    assert juki.name == "住民基本台帳" and juki.vendor and all(host.address and host.blade for host in juki.hosts)
    assert report.notes == ()


def test_a_state_alone_says_what_it_cannot_show(state_file: Path):
    report = report_from_states([state_file])
    assert report.notes and "--spec" in report.notes[0]
    assert report.figures.vcpu is None and report.figures.vms == 210
    (capacity,) = report.capacity
    assert capacity.blades_used == 16 and capacity.dedicated_baseline is None and capacity.note
    page = report_html(report, embed_font=False)
    assert "--spec" in page and '<section id="capacity">' in page
    assert all(f'id="business-{sheet.id}"' in page for sheet in report.businesses)


def test_the_command_reads_a_state_by_its_content_not_its_name(state_file: Path, tmp_path: Path):
    renamed = tmp_path / "state.yaml"
    renamed.write_bytes(state_file.read_bytes())
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", str(renamed), "--out", str(out), "--quiet", "--no-embedded-font"])
    assert result.exit_code == 0, result.stderr
    assert "note: " in result.stderr and out.exists()


def test_hybrid_site_states_make_one_city():
    files = list(hybrid_render_files().values())
    report = report_from_states(files, HYBRID_SPEC)
    assert report.sites == ("dc1", "gc", "portal")
    assert [link.id for link in report.picture.links] == ["dc1-gc", "portal-dc1"]
    assert report.picture == picture_from_spec(load_spec(HYBRID_SPEC))
    gc = next(racks for racks in report.racks if racks.site == "gc")
    assert gc.kind == "zones" and all(
        chassis.zone and chassis.zone.startswith("ap-northeast-1") for chassis in gc.chassis
    )
    assert sum(len(blade.hosts) for chassis in gc.chassis for blade in chassis.blades) > 0
    bare = report_from_states(files)
    assert bare.sites == ("dc1", "gc", "portal") and bare.notes


def test_states_of_two_cities_do_not_mix(state_file: Path):
    dc1 = hybrid_render_files()["sample-hybrid-dc1"]
    with pytest.raises(SpecError) as error:
        report_from_states([dc1, state_file])
    assert "site" in "\n".join(error.value.lines())
