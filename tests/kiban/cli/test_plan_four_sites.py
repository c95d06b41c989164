"""`kiban plan` of a city with two data centres: each on-prem site's VMs on its own chassis and blades only
(issue 21: two data centres shared the blades of the first chassis, with no warning)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from typer.testing import CliRunner

from kiban.cli import app
from tests.conftest import FOUR_SITE_SPEC

runner = CliRunner()
OWN_CHASSIS = {"dc1": {"d1-c1", "d1-c2"}, "dc2": {"d2-c1", "d2-c2"}}
OWN_ZONES = {"dc1": {"dc1-c1", "dc1-c2"}, "dc2": {"dc2-c1", "dc2-c2"}}


def _plan(*extra: str) -> Any:
    result = runner.invoke(app, ["plan", str(FOUR_SITE_SPEC), "--work-limit", "2", *extra])
    assert result.exit_code == 0, result.output
    return result


def test_every_site_plan_keeps_each_data_centre_on_its_own_chassis() -> None:
    sites = json.loads(_plan("--format", "json").stdout)["sites"]
    for site, chassis in OWN_CHASSIS.items():
        placed = {p["chassis"] for p in sites[site]["placements"]}
        assert placed == chassis, site  # both of its own (anti-affine pairs), nothing of the other's
        blades = {p["blade"] for p in sites[site]["placements"]}
        assert all(blade.startswith(site.replace("dc", "d") + "-") for blade in blades)
        assert {b["availability_zone"] for b in sites[site]["blades"]} <= OWN_ZONES[site]
        assert sites[site]["summary"]["chassis_available"] == 2
        assert sites[site]["summary"]["blades_available"] == 4
    # The cloud sites spread over zones, named as zones: no data centre's chassis appears there.
    for cloud in ("gc", "portal"):
        assert {vm["chassis"] for vm in sites[cloud]["vms"]} <= {"ap-northeast-1a", "ap-northeast-1c"}


def test_one_site_plan_the_plan_file_shape_holds_its_own_chassis_only() -> None:
    for site, chassis in OWN_CHASSIS.items():
        document = json.loads(_plan("--site", site, "--format", "json").stdout)
        assert {p["chassis"] for p in document["placements"]} == chassis
        assert {b["chassis"] for b in document["blades"]} <= chassis
        assert {c["chassis"] for c in document["summary"]["survival"]["chassis"]} == chassis


def test_csv_rows_of_two_data_centres_share_no_blade_or_chassis() -> None:
    rows = list(csv.DictReader(io.StringIO(_plan("--format", "csv").stdout)))
    by_site: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        by_site.setdefault(row["site"], set()).add((row["chassis"], row["blade"]))
    dc1, dc2 = by_site["dc1"], by_site["dc2"]
    assert {c for c, _ in dc1}.isdisjoint({c for c, _ in dc2})
    assert {b for _, b in dc1}.isdisjoint({b for _, b in dc2})
    assert {row["zone"] for row in rows if row["site"] in OWN_ZONES} == OWN_ZONES["dc1"] | OWN_ZONES["dc2"]
