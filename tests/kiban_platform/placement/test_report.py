import csv
import io
import json

import pytest
from rich.console import Console

from kiban.cli.placement_tables import plan_tables
from kiban_platform.placement.options import PlanOptions
from kiban_platform.placement.plan import plan_placement
from kiban_platform.placement.report import PLACEMENT_COLUMNS, plan_csv_text, plan_json
from tests.kiban_platform.placement.builders import business, chassis, make_spec, tier

SUMMARY_INTEGERS = ("blades_used", "dedicated_baseline", "first_fit", "lower_bound", "chassis_used")


@pytest.fixture(scope="module")
def plan():
    spec = make_spec(
        chassis(2, 2),
        [
            business("tax", 1, {"app": tier(2, vcpu=4, ram_gb=40)}, peak_months=[3], off_peak_load=0.5),
            business("ward", 2, {"app": tier(2), "batch": tier(1, redundant=False, anti_affinity=False)}),
        ],
        middleware={
            "job_management": {
                "product": "jobs",
                "replicas": 2,
                "areas": ["office"],
                "ports": [20240],
                "vcpu": 2,
                "ram_gb": 4,
                "disk": {"tier": "fast", "size_gb": 20},
                "licence": {"model": "per_host", "product": "scheduler", "annual_cost_jpy": 1_800_000},
            }
        },
        overcommit=4.0,
    )
    return plan_placement(spec, PlanOptions(work_limit=2.0, seed=0, workers=1))


def test_json_has_one_placement_per_vm_with_exactly_the_documented_fields(plan):
    document = plan_json(plan)
    assert [row["vm"] for row in document["placements"]] == [
        "tax-app-1",
        "tax-app-2",
        "ward-app-1",
        "ward-app-2",
        "ward-batch-1",
        "job-management-office-1",
        "job-management-office-2",
    ]
    assert all(tuple(row) == PLACEMENT_COLUMNS for row in document["placements"])
    middleware = document["placements"][-1]
    assert (middleware["business"], middleware["role"], middleware["tier"], middleware["replica"]) == (
        None,
        "job_management",
        None,
        2,
    )
    first = document["placements"][0]
    assert (first["business"], first["role"], first["tier"], first["replica"], first["disk_tier"]) == (
        "tax",
        "app",
        "app",
        1,
        "fast",
    )


def test_json_summary_gives_integers_flags_and_the_details(plan):
    summary = plan_json(plan)["summary"]
    assert all(type(summary[key]) is int for key in SUMMARY_INTEGERS)
    assert type(summary["optimal"]) is bool and type(summary["gap"]) is float
    assert summary["lower_bound"] <= summary["blades_used"] <= summary["first_fit"]
    assert summary["licences"]["products"][0]["product"] == "scheduler"
    assert summary["licences"]["annual_cost_jpy"] == 1_800_000 * summary["licences"]["products"][0]["hosts"]
    assert [entry["chassis"] for entry in summary["survival"]["chassis"]] == ["c1", "c2"]
    assert summary["survival"]["survives_any_chassis_loss"] is True
    assert json.loads(json.dumps(plan_json(plan))) == plan_json(plan)


def test_csv_has_a_header_and_one_row_per_vm_with_empty_cells_for_null(plan):
    rows = list(csv.DictReader(io.StringIO(plan_csv_text(plan))))
    assert tuple(rows[0]) == PLACEMENT_COLUMNS
    assert len(rows) == len(plan.placements)
    assert rows[-1]["business"] == "" and rows[-1]["tier"] == ""


def test_table_shows_the_summary_the_blades_and_the_chassis_losses(plan):
    buffer = io.StringIO()
    Console(file=buffer, width=200, no_color=True).print(plan_tables(plan))
    text = buffer.getvalue()
    for expected in (
        "blades used",
        "dedicated baseline",
        "first fit",
        "lower bound",
        "¥",
        "If one chassis is lost",
        "ward/batch",
    ):
        assert expected in text


def test_write_plan_json_writes_what_format_json_prints(plan, tmp_path) -> None:
    from kiban_platform.placement.report import plan_json_text, write_plan_json

    out = tmp_path / "plan.json"
    write_plan_json(plan, out)
    assert out.read_text(encoding="utf-8") == plan_json_text(plan)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["plan.json"]
