"""The report model of a spec: its figures are `kiban plan`'s, its sections hold every business, host and flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiban.cli.plan import DEFAULT_SEED, DEFAULT_TIME_LIMIT, make_plan
from kiban.report.model import Report, report_from_spec
from kiban_platform.placement.report import summary
from kiban_platform.spec.instances import expand_vms
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.problems import SpecError
from tests.conftest import FOUR_SITE_SPEC, REPO
from tests.kiban.report.cities import ONE_AREA_CITY, write_city


@pytest.fixture(scope="module")
def town_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_city(tmp_path_factory.mktemp("town"))


@pytest.fixture(scope="module")
def town(town_file: Path) -> Report:
    return report_from_spec(town_file)


def test_figures_equal_kiban_plans_summary(town: Report, town_file: Path):
    spec = load_spec(town_file)
    expected = summary(make_plan(spec, town_file, DEFAULT_TIME_LIMIT, DEFAULT_SEED))
    (capacity,) = town.capacity
    assert capacity.summary == expected
    assert capacity.blades_used == expected["blades_used"] == town.figures.blades_used
    assert capacity.dedicated_baseline == expected["dedicated_baseline"]
    assert capacity.first_fit == expected["first_fit"]
    assert capacity.first_fit_decreasing == expected["first_fit_decreasing"]
    assert capacity.lower_bound == expected["lower_bound"]
    assert capacity.blades_available == expected["blades_available"] == town.figures.blades_available == 6
    assert capacity.licence_cost_jpy == expected["licences"]["annual_cost_jpy"]
    assert [(line.product, line.hosts, line.annual_cost_jpy) for line in capacity.licences] == [
        (p["product"], p["hosts"], p["annual_cost_jpy"]) for p in expected["licences"]["products"]
    ]
    survival = [(loss.chassis, loss.vms_lost, loss.redundant_tiers_down) for loss in town.racks[0].survival]
    assert survival == [
        (loss["chassis"], loss["vms_lost"], tuple(loss["redundant_tiers_down"]))
        for loss in expected["survival"]["chassis"]
    ]


def test_licences_placement_does_not_count_are_listed_with_their_units(town: Report):
    (capacity,) = town.capacity
    lines = [(d.holder, d.model, d.product, d.units, d.unit, d.annual_total_jpy) for d in capacity.declared_licences]
    assert lines == [
        ("gomi", "per_vm", "収集管理", 3, "VM", 360_000),
        ("kouen", "per_core", "kouen", 2 * 1 + 2 * 3 + 2 * 3, "vCPU", 14 * 50_000),
    ]


def test_figures_count_every_vm_of_the_spec(town: Report, town_file: Path):
    vms = expand_vms(load_spec(town_file))
    figures = town.figures
    assert (figures.vms, figures.vcpu, figures.ram_gb) == (
        len(vms),
        sum(vm.vcpu for vm in vms),
        sum(vm.ram_gb for vm in vms),
    )
    assert (figures.sites, figures.areas, figures.businesses) == (0, 1, 3)
    assert town.title == "小島町" and town.title_en == "Kojima Town" and town.source == "spec"


def test_one_area_city_has_its_area_businesses_and_no_forbidden_pair(town: Report):
    (area,) = town.areas
    assert (area.id, area.name, area.level, area.businesses) == (
        "office",
        "LGWAN接続系",
        "middle",
        ("suido", "gomi", "kouen"),
    )
    assert town.picture.forbidden == ()
    assert town.matrix_rows == ("office",) and town.matrix_columns == ("office",)


def test_business_sheets_hold_tiers_hosts_and_flows(town: Report):
    sheets = {sheet.id: sheet for sheet in town.businesses}
    suido = sheets["suido"]
    assert (suido.name, suido.name_en, suido.vendor, suido.peak_months) == (
        "水道料金",
        "Water billing",
        "架空水道システム株式会社",
        (3, 9),
    )
    assert [(t.tier, t.replicas, t.vcpu, t.ram_gb, t.disk_gb) for t in suido.tiers] == [
        ("web", 2, 3, 7, 33),
        ("app", 3, 5, 11, 55),
    ]
    assert [host.name for host in suido.hosts] == [
        "suido-web-1",
        "suido-web-2",
        "suido-app-1",
        "suido-app-2",
        "suido-app-3",
    ]
    assert all(host.blade and host.chassis and host.address for host in suido.hosts)
    # Replicas of one tier sit on distinct chassis (the planner's rule, visible in the racks).
    assert len({host.chassis for host in suido.hosts if host.tier == "app"}) == 3
    declared_in = [line for line in suido.flows_in if line.flow == "gomi-to-suido"]
    assert [(line.other, line.ports) for line in declared_in] == [("ごみ収集 gomi", ("8443/tcp",))]
    assert any(line.flow == "gomi-to-suido" for line in sheets["gomi"].flows_out)


def test_racks_show_every_blade_and_each_vm_once(town: Report, town_file: Path):
    (racks,) = town.racks
    assert racks.kind == "chassis"
    assert [chassis.id for chassis in racks.chassis] == ["c1", "c2", "c3"]
    assert [blade.id for chassis in racks.chassis for blade in chassis.blades] == [
        "c1-b1",
        "c1-b2",
        "c1-b3",
        "c2-b1",
        "c2-b2",
        "c3-b1",
    ]
    placed = [host.name for chassis in racks.chassis for blade in chassis.blades for host in blade.hosts]
    assert sorted(placed) == sorted(vm.name for vm in expand_vms(load_spec(town_file)))


def test_months_show_each_blade_and_which_business_peaks_there(town: Report):
    (capacity,) = town.capacity
    assert len(capacity.months) == capacity.blades_used
    for blade in capacity.months:
        assert len(blade.shares) == len(blade.peaking) == 12
        assert all(0 < share <= 1 for share in blade.shares)
    peaking = {business for blade in capacity.months for month in blade.peaking for business in month}
    assert peaking == {"suido", "gomi", "kouen"}
    december = {business for blade in capacity.months for business in blade.peaking[11]}
    assert december == {"gomi"}


def test_a_bad_spec_is_a_located_problem(tmp_path: Path):
    broken = write_city(tmp_path, ONE_AREA_CITY.replace("network_slot: 8", "network_slot: 7"))
    with pytest.raises(SpecError) as error:
        report_from_spec(broken)
    assert any("network_slot" in line for line in error.value.lines())


def test_hybrid_sample_from_its_spec_shows_three_sites_and_their_links():
    report = report_from_spec(REPO / "specs" / "sample-hybrid.yaml")
    assert report.sites == ("dc1", "gc", "portal")
    assert [link.id for link in report.picture.links] == ["dc1-gc", "portal-dc1"]
    assert [(racks.site, racks.kind) for racks in report.racks] == [
        ("dc1", "chassis"),
        ("gc", "zones"),
        ("portal", "zones"),
    ]
    assert [capacity.site for capacity in report.capacity] == ["dc1"]
    assert {(cell.source, cell.target) for cell in report.site_matrix} == {("gc", "dc1"), ("portal", "dc1")}
    sheets = {sheet.id: sheet for sheet in report.businesses}
    assert sheets["juki"].site == "gc" and all(host.zone for host in sheets["juki"].hosts)


def test_four_site_city_racks_keep_each_data_centre_on_its_own_chassis():
    report = report_from_spec(FOUR_SITE_SPEC)
    racks = {r.site: r for r in report.racks}
    assert [(r.site, r.kind) for r in report.racks] == [
        ("dc1", "chassis"),
        ("dc2", "chassis"),
        ("gc", "zones"),
        ("portal", "zones"),
    ]
    own = {"dc1": ["d1-c1", "d1-c2"], "dc2": ["d2-c1", "d2-c2"]}
    for site, chassis in own.items():
        assert [c.id for c in racks[site].chassis] == chassis
        hosts = [h for c in racks[site].chassis for b in c.blades for h in b.hosts]
        assert hosts and all(h.site == site and h.chassis in chassis for h in hosts)
        assert [loss.chassis for loss in racks[site].survival] == chassis
    assert [c.id for c in racks["gc"].chassis] == ["ap-northeast-1a", "ap-northeast-1c"]


def test_a_site_state_shows_only_its_own_chassis():
    from kiban.report.model import _state_racks
    from kiban_platform.spec.load import load_spec

    racks = _state_racks(load_spec(FOUR_SITE_SPEC), "dc2", [], {})
    assert [c.id for c in racks.chassis] == ["d2-c1", "d2-c2"]
