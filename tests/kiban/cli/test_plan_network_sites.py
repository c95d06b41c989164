"""`kiban plan-network` for a spec with sites: sites, links, the cross-site flow matrix and each site's plans."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kiban.cli import app
from kiban_platform.network.site_plans import hybrid_network_plan_json
from kiban_platform.spec.load import load_spec
from tests.conftest import REPO, SAMPLE_SPEC

# The flows the sample's operations planes plan: gc's relays toward dc1's managers.
OPERATIONS_FLOWS = [
    "ops-monitoring-gc-mynumber",
    "ops-jobs-gc-mynumber",
    "ops-logs-gc-mynumber",
    "ops-time-name-gc-mynumber",
]

HYBRID = REPO / "specs" / "sample-hybrid.yaml"
runner = CliRunner()


def _plan(*arguments: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["plan-network", *arguments])
    return result.exit_code, result.stdout, result.stderr


def test_json_has_sites_links_cross_site_flows_and_a_plan_per_site() -> None:
    code, out, err = _plan(str(HYBRID), "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document == hybrid_network_plan_json(load_spec(HYBRID))
    assert {"segments", "rules"}.isdisjoint(document), "a spec with sites has no single-site keys"
    assert [flow["flow"] for flow in document["cross_site_flows"]] == [
        "gc-to-dc1-renkei",
        "portal-shinsei",
        *OPERATIONS_FLOWS,
    ]
    gc_rules = document["site_plans"]["gc"]["rules"]
    # The far end of the flow into dc1 is an outside network at dc1's planned hub addresses, seen from gc.
    assert any(rule["flow"] == "gc-to-dc1-renkei" for rule in gc_rules)
    assert list(document["site_plans"]["dc1"]) == ["segments", "rules"]


def test_a_spec_without_sites_keeps_exactly_todays_json() -> None:
    code, out, err = _plan(str(SAMPLE_SPEC), "--format", "json")
    assert code == 0, err
    assert list(json.loads(out)) == ["segments", "rules"]


def test_the_tables_show_sites_links_the_matrix_with_data_classes_and_each_site() -> None:
    code, out, err = _plan(str(HYBRID))
    assert code == 0, err
    for title in (
        "Sites: where the city runs",
        "Links between sites",
        "Cross-site flow matrix",
        "Cross-site flows: each over one link",
        "Site dc1: Segments",
        "Site gc: Flow matrix",
        "Site gc: Rules that cross an area boundary",
    ):
        assert title in out, title
    matrix = out[out.index("Cross-site flow matrix") : out.index("Cross-site flows: each")]
    row = next(line for line in matrix.splitlines() if line.startswith("│ gc/mynumber"))
    assert "gc-to-dc1-renkei (my_number)" in row
    portal = next(line for line in matrix.splitlines() if line.startswith("│ portal/public"))
    assert "portal-shinsei (personal)" in portal
    assert "dc1 <-> gc" in out and "169.254.10.4/30" in out
    assert "Site portal has no segments" in out


def test_one_site_shows_that_site_only() -> None:
    code, out, err = _plan(str(HYBRID), "--site", "portal")
    assert code == 0, err
    assert "portal-dc1" in out and "dc1-gc" not in out
    assert "gc-to-dc1-renkei" not in out and "portal-shinsei" in out
    assert "Site dc1:" not in out
    code, out, err = _plan(str(HYBRID), "--site", "gc", "--format", "json")
    assert code == 0, err
    assert list(json.loads(out)["site_plans"]) == ["gc"]


def test_an_unknown_site_exits_2_naming_it_and_the_known_ones() -> None:
    code, out, err = _plan(str(HYBRID), "--site", "osaka")
    assert code == 2
    assert "sample-hybrid.yaml: --site osaka: unknown site 'osaka'; the spec's sites: dc1, gc, portal" in err
    assert out == ""


def test_a_site_asked_of_a_spec_without_sites_exits_2() -> None:
    code, _, err = _plan(str(SAMPLE_SPEC), "--site", "dc1", "--format", "json")
    assert code == 2
    assert "sample-city.yaml: --site dc1: the spec has no sites" in err
