"""`kiban plan` for a spec with sites: each on-prem site's blades on their own, each cloud site's zone spread."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from kiban.planning import SITE_CSV_COLUMNS
from kiban_platform.network.sites import site_view
from kiban_platform.spec.instances import expand_vms
from kiban_platform.spec.load import load_spec
from tests.conftest import REPO, SAMPLE_SPEC

HYBRID = REPO / "specs" / "sample-hybrid.yaml"
SPEC = load_spec(HYBRID)
CLOUD_ZONES = [chassis.cloud_zone for chassis in SPEC.failure_domains.chassis]
runner = CliRunner()


def _plan(spec: Path, *arguments: str) -> Any:
    return runner.invoke(app, ["plan", str(spec), "--quiet", "--work-limit", "0.5", *arguments])


def _names(site: str) -> list[str]:
    return [vm.name for vm in expand_vms(site_view(SPEC, site))]


@pytest.fixture(scope="module")
def whole() -> dict[str, Any]:
    result = _plan(HYBRID, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_each_site_has_its_section_with_only_its_own_vms(whole: dict[str, Any]) -> None:
    sites = whole["sites"]
    assert list(sites) == ["dc1", "gc", "portal"]
    assert [sites[s]["kind"] for s in sites] == ["on_prem", "government_cloud", "public_cloud"]
    assert [p["vm"] for p in sites["dc1"]["placements"]] == _names("dc1")
    assert [vm["vm"] for vm in sites["gc"]["vms"]] == _names("gc")
    assert "juki-web-1" not in {p["vm"] for p in sites["dc1"]["placements"]}, "juki runs at gc"
    assert sites["portal"]["vms"] == []


def test_an_on_prem_site_is_placed_on_the_blades_with_every_redundant_tier_surviving(whole: dict[str, Any]) -> None:
    dc1 = whole["sites"]["dc1"]
    blades = {blade.id for _, blade in SPEC.failure_domains.blades()}
    assert {p["blade"] for p in dc1["placements"]} <= blades
    assert dc1["summary"]["survival"]["survives_any_chassis_loss"] is True


def test_a_cloud_site_spreads_replicas_round_robin_over_the_chassis_zones(whole: dict[str, Any]) -> None:
    gc = whole["sites"]["gc"]
    assert [zone["zone"] for zone in gc["zones"]] == CLOUD_ZONES
    assert sum(zone["vms"] for zone in gc["zones"]) == len(gc["vms"])
    for vm in gc["vms"]:
        # Replica n goes to chassis (n - 1) mod 3, as the AWS backend builds it, and the blade is AWS's.
        assert vm["zone"] == CLOUD_ZONES[(vm["replica"] - 1) % len(CLOUD_ZONES)], vm["vm"]
        assert vm["blade"] is None
    groups: dict[str, list[str]] = {}
    for vm in gc["vms"]:
        groups.setdefault(vm["vm"].rsplit("-", 1)[0], []).append(vm["zone"])
    # Every group's replicas in as many distinct zones as there are replicas (up to the three zones).
    assert all(len(set(zones)) == min(len(zones), len(CLOUD_ZONES)) for zones in groups.values()), groups
    assert len(groups["juki-app"]) == 3 and len(set(groups["juki-app"])) == 3
    assert gc["single_zone_groups"] == []


def test_one_on_prem_site_prints_a_one_site_plan_that_previous_reads(tmp_path: Path, whole: dict[str, Any]) -> None:
    plan_file = tmp_path / "dc1.json"
    result = _plan(HYBRID, "--site", "dc1", "--format", "json", "--out", str(plan_file))
    assert result.exit_code == 0, result.stderr
    alone = json.loads(plan_file.read_text(encoding="utf-8"))
    assert list(alone) == ["placements", "summary", "blades"]
    header = {"kind", "target", "region"}
    assert alone == {key: value for key, value in whole["sites"]["dc1"].items() if key not in header}
    again = _plan(HYBRID, "--site", "dc1", "--format", "json", "--previous", str(plan_file))
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["summary"]["moved"] == 0


def test_one_cloud_site_prints_its_zone_spread(whole: dict[str, Any]) -> None:
    result = _plan(HYBRID, "--site", "gc", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["site"] == "gc" and document["region"] == "ap-northeast-1"
    assert document["vms"] == whole["sites"]["gc"]["vms"]


def test_the_tables_have_a_section_per_site() -> None:
    result = _plan(HYBRID)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.index("site dc1 (on_prem, openstack)") < out.index("Placement plan: blades to buy")
    assert out.index("site gc (government_cloud, aws, ap-northeast-1)") < out.index("Site gc: zone spread")
    assert "Site gc: each group's replicas and their zones" in out
    assert "Site portal has no VMs kiban builds" in out


def test_csv_has_a_row_per_vm_of_every_site_with_its_zone() -> None:
    result = _plan(HYBRID, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == SITE_CSV_COLUMNS
    assert [row["vm"] for row in rows] == _names("dc1") + _names("gc")
    on_prem = {chassis.id: chassis.openstack_zone for chassis in SPEC.failure_domains.chassis}
    for row in rows:
        if row["site"] == "dc1":
            assert row["blade"] and row["zone"] == on_prem[row["chassis"]]
        else:
            assert row["blade"] == "" and row["zone"] in CLOUD_ZONES


def test_a_spec_without_sites_prints_exactly_what_it_did() -> None:
    result = _plan(SAMPLE_SPEC, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert list(json.loads(result.stdout)) == ["placements", "summary", "blades"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--site", "osaka"],
            "sample-hybrid.yaml: --site osaka: unknown site 'osaka'; the spec's sites: dc1, gc, portal",
        ),
        (["--previous", "old.json"], "old.json: --previous is one on-prem site's plan: give --site"),
        (["--site", "gc", "--previous", "old.json"], "old.json: --previous is one on-prem site's plan"),
    ],
    ids=["unknown site", "previous without site", "previous of a cloud site"],
)
def test_bad_site_arguments_exit_2(arguments: list[str], message: str) -> None:
    result = _plan(HYBRID, *arguments)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_a_site_asked_of_a_spec_without_sites_exits_2() -> None:
    result = _plan(SAMPLE_SPEC, "--site", "dc1")
    assert result.exit_code == 2
    assert "sample-city.yaml: --site dc1: the spec has no sites" in result.stderr


def test_a_cloud_site_whose_chassis_has_no_zone_exits_2_naming_the_site_and_chassis(tmp_path: Path) -> None:
    text = HYBRID.read_text(encoding="utf-8").replace("      cloud_zone: ap-northeast-1d\n", "")
    spec = tmp_path / "no-zone.yaml"
    spec.write_text(text, encoding="utf-8")
    result = _plan(spec, "--site", "gc")
    assert result.exit_code == 2
    # Located in the spec like every problem (file, field path, message naming the site, line).
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        f"{spec}: failure_domains.chassis[2].cloud_zone: site gc: chassis ch3 has no availability zone"
    )
    assert line.endswith(f"(line {text.splitlines().index('    - id: ch3') + 1})")


OSAKA = REPO / "tests" / "kiban_platform" / "backends" / "data" / "osaka-hybrid.yaml"


def test_each_cloud_site_is_spread_over_its_own_regions_zones() -> None:
    """A Government Cloud in Osaka (the chassis' zones) beside a public cloud in Tokyo (given Tokyo's zones)."""
    result = _plan(OSAKA, "--format", "json")
    assert result.exit_code == 0, result.stderr
    sites = json.loads(result.stdout)["sites"]
    for site, region, zones in (
        ("gc", "ap-northeast-3", ["ap-northeast-3a", "ap-northeast-3b", "ap-northeast-3c"]),
        ("portal", "ap-northeast-1", ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]),
    ):
        assert sites[site]["region"] == region
        assert [zone["zone"] for zone in sites[site]["zones"]] == zones
        assert {vm["zone"] for vm in sites[site]["vms"]} <= set(zones)
