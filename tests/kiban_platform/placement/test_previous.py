"""Planning against a previous plan: VMs stay on their blades unless they must move, and each move says why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kiban_platform.placement.options import PlanOptions
from kiban_platform.placement.plan import PlacementPlan, plan_placement
from kiban_platform.placement.previous import (
    ANTI_AFFINITY,
    BLADE_REMOVED,
    CHASSIS_REMOVED,
    OVER_CAPACITY,
    TOO_LARGE,
    Continuity,
)
from kiban_platform.placement.report import plan_json
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.problems import SpecError
from tests.conftest import REPO, SpecWriter
from tests.kiban_platform.placement.builders import blade, business, chassis, make_spec, tier

SAMPLE_PLAN = REPO / "plans" / "sample-city.json"
FAST = PlanOptions(work_limit=2.0, seed=0, workers=1)


def _continuity(plan: PlacementPlan) -> Continuity:
    assert plan.continuity is not None
    return plan.continuity


def _blade_of(plan: PlacementPlan) -> dict[str, str]:
    return {p.vm.name: p.blade for p in plan.placements}


def _moves(plan: PlacementPlan) -> dict[str, tuple[str, str, str]]:
    return {m.vm: (m.from_blade, m.to_blade, m.reason) for m in _continuity(plan).moves}


FACILITY_BOOKING: dict[str, Any] = {
    "id": "shisetsu-yoyaku",
    "name": "施設予約",
    "name_en": "Facility booking",
    "vendor": "V",
    "area": "lgwan",
    "network_slot": 25,
    "tiers": {
        "web": {"replicas": 2, "vcpu": 2, "ram_gb": 4, "disk": {"tier": "fast", "size_gb": 40}},
        "app": {"replicas": 2, "vcpu": 2, "ram_gb": 8, "disk": {"tier": "fast", "size_gb": 60}},
    },
}


def test_adding_a_business_to_the_sample_moves_no_vm(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    sample_data["businesses"].append(FACILITY_BOOKING)
    spec_file = write_spec(sample_data)
    plan = plan_placement(load_spec(spec_file), FAST, spec_file, previous=SAMPLE_PLAN)
    before = {p["vm"]: p["blade"] for p in json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))["placements"]}
    kept = _continuity(plan)
    assert kept.moves == ()
    assert set(kept.kept) == set(before) and len(kept.kept) == 210
    assert kept.added == (
        "shisetsu-yoyaku-web-1",
        "shisetsu-yoyaku-web-2",
        "shisetsu-yoyaku-app-1",
        "shisetsu-yoyaku-app-2",
    )
    assert kept.removed == ()
    now = _blade_of(plan)
    assert {vm: now[vm] for vm in before} == before
    # The sample's plan has room: the four new VMs fit on its 16 blades.
    assert plan.blades_used == 16
    assert plan.solve.phases[0].name == "moves" and plan.solve.phases[0].value == 0


def test_the_previous_plan_of_an_unchanged_spec_is_kept_exactly() -> None:
    spec = load_spec(REPO / "specs" / "sample-city.yaml")
    plan = plan_placement(spec, FAST, previous=SAMPLE_PLAN)
    before = {p["vm"]: p["blade"] for p in json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))["placements"]}
    assert _blade_of(plan) == before
    assert _continuity(plan).moves == () and _continuity(plan).added == ()


def test_a_removed_blade_moves_only_its_vms_and_says_why() -> None:
    spec = make_spec(chassis(2, 1), [business("tax", 1, {"app": tier(2)}), business("ward", 2, {"app": tier(2)})])
    previous = {
        "tax-app-1": ("c1", "c1-b2"),  # c1-b2 is gone from the spec
        "tax-app-2": ("c2", "c2-b1"),
        "ward-app-1": ("c1", "c1-b1"),
        "ward-app-2": ("c2", "c2-b1"),
    }
    plan = plan_placement(spec, FAST, previous=previous)
    assert _moves(plan) == {"tax-app-1": ("c1-b2", "c1-b1", BLADE_REMOVED)}
    assert set(_continuity(plan).kept) == {"tax-app-2", "ward-app-1", "ward-app-2"}
    assert "blade c1-b2 is no longer in the spec" in _continuity(plan).moves[0].detail


def test_a_removed_chassis_is_named_as_the_reason() -> None:
    spec = make_spec(chassis(2, 2), [business("tax", 1, {"app": tier(2)})])
    plan = plan_placement(spec, FAST, previous={"tax-app-1": ("c1", "c1-b1"), "tax-app-2": ("c3", "c3-b1")})
    moves = _moves(plan)
    assert list(moves) == ["tax-app-2"] and moves["tax-app-2"][2] == CHASSIS_REMOVED
    # Its replica stays in c1, so it goes to c2.
    assert moves["tax-app-2"][1].startswith("c2-")


def test_a_vm_grown_beyond_its_blade_moves_and_the_rest_stay() -> None:
    small, large = blade("c1-b1", ram_gb=64), blade("c1-b2", ram_gb=128)
    spec = make_spec(
        [{"id": "c1", "blades": [small, large]}, {"id": "c2", "blades": [blade("c2-b1", ram_gb=128)]}],
        [business("tax", 1, {"db": tier(2, ram_gb=96)}), business("ward", 2, {"app": tier(1, ram_gb=8)})],
    )
    previous = {"tax-db-1": ("c1", "c1-b1"), "tax-db-2": ("c2", "c2-b1"), "ward-app-1": ("c1", "c1-b2")}
    plan = plan_placement(spec, FAST, previous=previous)
    assert _moves(plan) == {"tax-db-1": ("c1-b1", "c1-b2", TOO_LARGE)}
    assert "96 ram_gb" in _continuity(plan).moves[0].detail
    assert _blade_of(plan)["ward-app-1"] == "c1-b2"


def test_a_blade_that_can_no_longer_hold_its_vms_moves_the_fewest() -> None:
    # Three 24 GB VMs fitted a 64 GB blade; grown to 30 GB, two of them still fit: one moves.
    spec = make_spec(chassis(1, 2), [business("tax", 1, {"app": tier(3, ram_gb=30, anti_affinity=False)})])
    previous = {f"tax-app-{i}": ("c1", "c1-b1") for i in (1, 2, 3)}
    plan = plan_placement(spec, FAST, previous=previous)
    moves = _continuity(plan).moves
    assert len(moves) == 1 and moves[0].reason == OVER_CAPACITY and moves[0].to_blade == "c1-b2"
    assert "ram_gb 90/64" in moves[0].detail
    assert len(_continuity(plan).kept) == 2


def test_anti_affinity_switched_on_separates_replicas_with_one_move() -> None:
    spec = make_spec(chassis(2, 2), [business("tax", 1, {"app": tier(2)})])
    previous = {"tax-app-1": ("c1", "c1-b1"), "tax-app-2": ("c1", "c1-b2")}
    plan = plan_placement(spec, FAST, previous=previous)
    moves = _moves(plan)
    assert len(moves) == 1
    [(vm, (_, to_blade, reason))] = moves.items()
    assert vm in ("tax-app-1", "tax-app-2")
    assert reason == ANTI_AFFINITY and to_blade.startswith("c2-")


def test_a_business_gone_from_the_spec_is_dropped_and_counted() -> None:
    spec = make_spec(chassis(2, 1), [business("tax", 1, {"app": tier(2)})])
    previous = {
        "tax-app-1": ("c1", "c1-b1"),
        "tax-app-2": ("c2", "c2-b1"),
        "gone-app-1": ("c1", "c1-b1"),
        "gone-app-2": ("c2", "c2-b1"),
    }
    plan = plan_placement(spec, FAST, previous=previous)
    assert _continuity(plan).removed == ("gone-app-1", "gone-app-2")
    assert _moves(plan) == {} and sorted(_blade_of(plan)) == ["tax-app-1", "tax-app-2"]
    summary = plan_json(plan)["summary"]
    assert (summary["moved"], summary["kept"], summary["added"], summary["removed"]) == (0, 2, 0, 2)


def test_the_json_lists_each_move_with_from_to_and_reason() -> None:
    spec = make_spec(chassis(2, 1), [business("tax", 1, {"app": tier(2)})])
    document = plan_json(plan_placement(spec, FAST, previous={"tax-app-1": ("c1", "c1-b9")}))
    [move] = document["moves"]
    assert {key: move[key] for key in ("vm", "from_blade", "to_blade", "reason")} == {
        "vm": "tax-app-1",
        "from_blade": "c1-b9",
        "to_blade": "c1-b1",
        "reason": BLADE_REMOVED,
    }
    assert document["summary"]["added"] == 1 and document["summary"]["fewest_moves_proven"] is True


def test_a_plan_without_previous_has_no_moves_key() -> None:
    spec = make_spec(chassis(2, 1), [business("tax", 1, {"app": tier(2)})])
    document = plan_json(plan_placement(spec, FAST))
    assert "moves" not in document and "moved" not in document["summary"]


@pytest.mark.parametrize(
    ("content", "path"),
    [
        ("{", "(top level)"),
        ('{"placements": [], "summary": []}', "(top level)"),
        ('{"placements": [{"vm": "a", "blade": "b"}, {"vm": "c"}], "summary": {}}', "placements[1].blade"),
        ('{"placements": [{"vm": "a", "blade": "b"}, {"vm": "a", "blade": "b"}], "summary": {}}', "placements[1].vm"),
        ('{"placements": [{"vm": "a", "blade": "b", "chassis": 3}], "summary": {}}', "placements[0].chassis"),
    ],
)
def test_a_previous_file_that_is_not_a_plan_names_the_file_and_field(tmp_path: Path, content: str, path: str) -> None:
    bad = tmp_path / "old.json"
    bad.write_text(content, encoding="utf-8")
    spec = make_spec(chassis(2, 1), [business("tax", 1, {"app": tier(2)})])
    with pytest.raises(SpecError) as raised:
        plan_placement(spec, FAST, previous=bad)
    assert raised.value.lines()[0].startswith(f"{bad}: {path}: ")
