"""`kiban render` of a city with two data centres, a Government Cloud joined to both, and a public cloud
(issue 21): each data centre's stack builds host aggregates and zones of its own chassis only, and the
Government Cloud is no transit between the data centres."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kiban.audit.engine import run_audit
from kiban.audit.state import state_from_document
from tests.conftest import FOUR_SITE_SPEC

pytestmark = pytest.mark.slow  # each data centre's render renders its peers first

AGGREGATE = "openstack:compute/aggregateV2:AggregateV2"
INSTANCE = "openstack:compute/instance:Instance"
TGW_TABLE = "aws:ec2transitgateway/routeTable:RouteTable"


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    from kiban.cli import app

    folder = tmp_path_factory.mktemp("four-sites")
    documents: dict[str, dict[str, Any]] = {}
    for site in ("gc", "dc1", "dc2"):
        out = folder / f"{site}.json"
        arguments = ["render", "--spec", str(FOUR_SITE_SPEC), "--site", site, "--out", str(out), "--quiet"]
        result = CliRunner().invoke(app, arguments)
        assert result.exit_code == 0, result.output
        documents[site] = json.loads(Path(out).read_text(encoding="utf-8"))
    return documents


def _of(document: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [r for r in document["deployment"]["resources"] if r["type"] == type_]


def test_each_data_centre_builds_aggregates_and_zones_of_its_own_chassis_only(
    renders: dict[str, dict[str, Any]],
) -> None:
    expected = {
        "dc1": {
            "d1-c1-hosts": ("dc1-c1", ["d1-c1-b1", "d1-c1-b2"]),
            "d1-c2-hosts": ("dc1-c2", ["d1-c2-b1", "d1-c2-b2"]),
        },
        "dc2": {
            "d2-c1-hosts": ("dc2-c1", ["d2-c1-b1", "d2-c1-b2"]),
            "d2-c2-hosts": ("dc2-c2", ["d2-c2-b1", "d2-c2-b2"]),
        },
    }
    for site, aggregates in expected.items():
        made = {r["inputs"]["name"]: (r["inputs"]["zone"], r["inputs"]["hosts"]) for r in _of(renders[site], AGGREGATE)}
        assert made == aggregates, site
        zones = {r["inputs"]["availabilityZone"] for r in _of(renders[site], INSTANCE)}
        assert zones == {zone for zone, _ in aggregates.values()}, site


def test_the_government_cloud_routes_each_data_centre_by_a_table_of_its_own_and_audits_clean(
    renders: dict[str, dict[str, Any]],
) -> None:
    tables = sorted(r["urn"].rsplit("::", 1)[1] for r in _of(renders["gc"], TGW_TABLE))
    assert tables == ["gc-tgw-dc1-gc", "gc-tgw-dc2-gc", "gc-tgw-mynumber"]
    report = run_audit(state_from_document(renders["gc"], "gc"))
    # KB-HYB-008 is left out: a render of --spec has no stack file, so its AWS provider names no region.
    hybrid = [f for f in report.findings if f.rule.startswith(("KB-HYB", "KB-PRV")) and f.rule != "KB-HYB-008"]
    assert hybrid == []
    passed = {tally.rule.id: tally.passed for tally in report.tallies}
    assert passed["KB-HYB-010"] == 2  # the two links' tables
