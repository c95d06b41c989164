"""One on-prem site, its own chassis (``spec.chassis_sites`` and its checks): each planted fault refused at
its field, each site's view holding exactly its own chassis, and a city with one data centre unchanged."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from kiban.cli import app
from kiban_platform.network.sites import site_view
from kiban_platform.spec.chassis_sites import chassis_site, site_chassis
from kiban_platform.spec.load import load_spec
from tests.conftest import FOUR_SITE_SPEC, REPO, SpecWriter
from tests.kiban_platform.spec.test_hybrid_checks import _problems

HYBRID_SPEC = REPO / "specs" / "sample-hybrid.yaml"
_FOUR: dict[str, Any] = yaml.safe_load(FOUR_SITE_SPEC.read_text(encoding="utf-8"))
_HYBRID: dict[str, Any] = yaml.safe_load(HYBRID_SPEC.read_text(encoding="utf-8"))


def _four() -> dict[str, Any]:
    return copy.deepcopy(_FOUR)


def _chassis_ids(chassis: list[Any]) -> list[str]:
    return [c.id for c in chassis]


def test_each_data_centre_plans_on_its_own_chassis_only() -> None:
    spec = load_spec(FOUR_SITE_SPEC)
    assert _chassis_ids(site_view(spec, "dc1").failure_domains.chassis) == ["d1-c1", "d1-c2"]
    assert _chassis_ids(site_view(spec, "dc2").failure_domains.chassis) == ["d2-c1", "d2-c2"]


def test_a_cloud_site_of_a_city_with_two_data_centres_spreads_over_zones_not_their_chassis() -> None:
    spec = load_spec(FOUR_SITE_SPEC)
    for site_id in ("gc", "portal"):
        chassis = site_view(spec, site_id).failure_domains.chassis
        assert [(c.id, c.cloud_zone) for c in chassis] == [
            ("ap-northeast-1a", "ap-northeast-1a"),
            ("ap-northeast-1c", "ap-northeast-1c"),
        ]
        assert all(c.site is None and c.openstack_zone == c.id for c in chassis)


def test_with_one_data_centre_every_chassis_is_its_own_and_the_views_are_unchanged(write_spec: SpecWriter) -> None:
    spec = load_spec(HYBRID_SPEC)
    all_chassis = spec.failure_domains.chassis
    assert [chassis_site(spec, c) for c in all_chassis] == ["dc1", "dc1", "dc1"]
    for site in spec.sites:
        assert site_chassis(spec, site) == all_chassis
    # Naming the only data centre explicitly changes nothing either.
    data = copy.deepcopy(_HYBRID)
    for chassis in data["failure_domains"]["chassis"]:
        chassis["site"] = "dc1"
    named = load_spec(write_spec(data))
    for site in spec.sites:
        assert _chassis_ids(site_view(named, site.id).failure_domains.chassis) == _chassis_ids(all_chassis)


def test_the_four_site_city_is_valid(write_spec: SpecWriter) -> None:
    assert _problems(write_spec, _four()) == []


def test_a_chassis_without_site_is_refused_when_the_city_has_two_data_centres(write_spec: SpecWriter) -> None:
    data = _four()
    del data["failure_domains"]["chassis"][2]["site"]
    problems = _problems(write_spec, data)
    assert [path for path, _ in problems] == ["failure_domains.chassis[2]"]
    assert "needs 'site'" in problems[0][1] and "dc1, dc2" in problems[0][1]


def test_a_chassis_at_an_unknown_site_is_refused_alone(write_spec: SpecWriter) -> None:
    data = _four()
    data["failure_domains"]["chassis"][0]["site"] = "dc9"
    # dc1 is left with one chassis, but its capacity is not reported: it would only echo the chassis' site.
    assert _problems(write_spec, data) == [
        ("failure_domains.chassis[0].site", "unknown site 'dc9'; the spec's on-prem sites: dc1, dc2")
    ]


def test_a_chassis_at_a_cloud_site_is_refused(write_spec: SpecWriter) -> None:
    data = _four()
    data["failure_domains"]["chassis"].append(
        {"id": "gc-c1", "site": "gc", "blades": [{"id": "gc-b1", "vcpu": 8, "ram_gb": 32, "disk_gb": 100}]}
    )
    problems = _problems(write_spec, data)
    assert [path for path, _ in problems] == ["failure_domains.chassis[4].site"]
    assert "'gc' is a government_cloud site" in problems[0][1]


def test_a_chassis_site_without_sites_is_refused(write_spec: SpecWriter, sample_data: dict[str, Any]) -> None:
    sample_data["failure_domains"]["chassis"][1]["site"] = "dc1"
    assert _problems(write_spec, sample_data) == [
        (
            "failure_domains.chassis[1].site",
            "needs `sites`: without them the spec is one implicit site, holding every chassis",
        )
    ]


def test_a_data_centre_with_vms_and_no_chassis_is_refused_at_the_site(write_spec: SpecWriter) -> None:
    data = _four()
    for chassis in data["failure_domains"]["chassis"]:
        chassis["site"] = "dc1"
    problems = _problems(write_spec, data)
    assert [path for path, _ in problems] == ["sites[1]"]
    assert "on-prem site 'dc2' runs VMs" in problems[0][1] and "`site: dc2`" in problems[0][1]


def test_anti_affine_replicas_beyond_a_data_centres_chassis_are_refused_there(write_spec: SpecWriter) -> None:
    data = _four()
    # kokuho (businesses[2]) runs at dc2, which has two chassis; the city has four.
    data["businesses"][2]["tiers"]["app"]["replicas"] = 3
    assert _problems(write_spec, data) == [
        (
            "businesses[2].tiers.app.replicas",
            "3 anti-affine replicas need 3 chassis, site 'dc2' has 2: the same business is never on the same "
            "blade or chassis",
        )
    ]


def test_a_vm_larger_than_every_blade_of_its_data_centre_is_refused(write_spec: SpecWriter) -> None:
    data = _four()
    for chassis in data["failure_domains"]["chassis"][:2]:  # dc1's blades grow; dc2's stay at 256 GB
        for blade in chassis["blades"]:
            blade["ram_gb"] = 1024
    data["businesses"][2]["tiers"]["app"]["ram_gb"] = 512  # kokuho, at dc2
    problems = _problems(write_spec, data)
    assert [path for path, _ in problems] == ["businesses[2].tiers.app.ram_gb"]
    assert "larger than every blade" in problems[0][1]


def test_validate_exits_2_naming_the_chassis_and_its_line(tmp_path: Path) -> None:
    data = _four()
    del data["failure_domains"]["chassis"][0]["site"]
    spec = tmp_path / "city.yaml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(spec)])
    assert result.exit_code == 2
    assert f"{spec}: failure_domains.chassis[0]: needs 'site'" in result.output
    assert "(line " in result.output
    assert "Traceback" not in result.output
