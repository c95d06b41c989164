import json

import pytest

from kiban_platform.placement.options import PlanOptions
from kiban_platform.placement.plan import plan_placement
from kiban_platform.placement.report import plan_json_text
from kiban_platform.placement.survival import chassis_losses
from kiban_platform.spec.instances import expand_vms
from kiban_platform.spec.problems import SpecError
from tests.kiban_platform.placement.builders import blade, business, chassis, make_spec, tier

FAST = PlanOptions(work_limit=2.0, seed=0, workers=1)


def _seasonal_city(blades: int = 2):
    """Two businesses with 40 GB peaks in different months, on 64 GB blades in two chassis."""
    return make_spec(
        chassis(2, blades),
        [
            business("tax", 1, {"app": tier(2, vcpu=4, ram_gb=40)}, peak_months=[3], off_peak_load=0.5),
            business("ward", 2, {"app": tier(2, vcpu=4, ram_gb=40)}, peak_months=[9], off_peak_load=0.5),
        ],
        overcommit=4.0,
    )


def test_peaks_that_do_not_overlap_share_blades_and_beat_both_baselines():
    plan = plan_placement(_seasonal_city(), FAST)
    # Peak-aware: tax and ward share a blade in each chassis. Peak-blind first fit needs one blade per VM,
    # and one dedicated pair of blades per business is four blades too.
    assert (plan.blades_used, plan.first_fit, plan.dedicated_baseline, plan.lower_bound) == (2, 4, 4, 2)
    assert plan.optimal and plan.gap == 0.0
    assert plan.chassis_used == 2
    assert plan.dedicated_by_unit == {"tax": 2, "ward": 2}


def test_first_fit_is_counted_beyond_the_inventory_when_it_needs_more_blades_than_the_spec_has():
    plan = plan_placement(_seasonal_city(blades=1), FAST)
    assert plan.blades_available == 2
    assert (plan.blades_used, plan.first_fit) == (2, 4)


def test_every_replica_gets_its_own_chassis_whose_zone_and_aggregate_the_plan_names():
    spec = make_spec(
        [
            {"id": "c1", "availability_zone": "az-1", "blades": [blade("c1-b1")]},
            {"id": "c2", "host_aggregate": "agg-2", "blades": [blade("c2-b1")]},
            {"id": "c3", "blades": [blade("c3-b1")]},
        ],
        [business("juki", 1, {"app": tier(3)})],
    )
    plan = plan_placement(spec, FAST)
    assert [p.vm.name for p in plan.placements] == ["juki-app-1", "juki-app-2", "juki-app-3"]
    assert sorted(p.chassis for p in plan.placements) == ["c1", "c2", "c3"]
    assert {p.chassis: p.blade for p in plan.placements}["c3"] == "c3-b1"
    chassis = {info.id: (info.availability_zone, info.host_aggregate) for info in plan.chassis}
    assert chassis == {"c1": ("az-1", "c1-hosts"), "c2": ("c2", "agg-2"), "c3": ("c3", "c3-hosts")}


def test_a_single_replica_tier_is_reported_down_with_its_chassis_but_does_not_fail_survival():
    spec = make_spec(
        chassis(2, 1), [business("tax", 1, {"app": tier(2), "batch": tier(1, redundant=False, anti_affinity=False)})]
    )
    plan = plan_placement(spec, FAST)
    batch_chassis = next(p.chassis for p in plan.placements if p.vm.name == "tax-batch-1")
    loss = next(loss for loss in plan.survival if loss.chassis == batch_chassis)
    assert loss.tiers_down == ("tax/batch",) and loss.redundant_tiers_down == ()
    assert plan.survives_any_chassis_loss


def test_a_redundant_tier_without_anti_affinity_on_one_chassis_fails_survival():
    spec = make_spec(chassis(1, 2), [business("tax", 1, {"app": tier(2, anti_affinity=False)})])
    plan = plan_placement(spec, FAST)
    assert plan.survival[0].redundant_tiers_down == ("tax/app",)
    assert not plan.survives_any_chassis_loss


def test_chassis_losses_list_every_chassis_and_the_groups_left_without_a_replica():
    spec = make_spec(
        chassis(2, 1), [business("tax", 1, {"app": tier(2), "batch": tier(1, redundant=False, anti_affinity=False)})]
    )
    vms = expand_vms(spec)
    losses = chassis_losses(vms, {"tax-app-1": "c1", "tax-app-2": "c2", "tax-batch-1": "c1"}, ["c1", "c2"])
    assert [(loss.chassis, loss.vms_lost, loss.tiers_down) for loss in losses] == [
        ("c1", 2, ("tax/batch",)),
        ("c2", 1, ()),
    ]
    broken = chassis_losses(vms, {"tax-app-1": "c1", "tax-app-2": "c1", "tax-batch-1": "c1"}, ["c1", "c2"])
    assert broken[0].redundant_tiers_down == ("tax/app",) and not broken[0].survives


def test_the_same_spec_and_seed_give_byte_identical_json():
    spec = _seasonal_city(blades=3)
    first = plan_json_text(plan_placement(spec, PlanOptions(work_limit=1.0, seed=7, workers=2)))
    second = plan_json_text(plan_placement(spec, PlanOptions(work_limit=1.0, seed=7, workers=2)))
    assert first == second
    assert json.loads(first)["summary"]["solver"]["seed"] == 7


def _located(spec) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(SpecError) as caught:
        plan_placement(spec, FAST, file="city.yaml")
    return [(problem.path, problem.message) for problem in caught.value.problems]


def test_more_anti_affine_replicas_than_chassis_is_located_at_the_replicas():
    spec = make_spec(chassis(2, 2), [business("aa", 1, {"web": tier(2)}), business("bb", 2, {"app": tier(3)})])
    [(path, message)] = _located(spec)
    assert path == ("businesses", 1, "tiers", "app", "replicas")
    assert "3 anti-affine replicas need 3 chassis, the spec has 2" in message


def test_a_vm_larger_than_every_blade_is_located_at_the_field_too_large():
    spec = make_spec(chassis(2, 1), [business("aa", 1, {"db": tier(2, ram_gb=128)})])
    [(path, message)] = _located(spec)
    assert path == ("businesses", 0, "tiers", "db", "ram_gb")
    assert "larger than every blade" in message


def test_too_few_blades_for_the_demand_is_located_at_the_chassis():
    spec = make_spec(
        chassis(2, 1), [business("aa", 1, {"app": tier(2, ram_gb=40)}), business("bb", 2, {"app": tier(2, ram_gb=40)})]
    )
    [(path, message)] = _located(spec)
    assert path == ("failure_domains", "chassis")
    assert message.startswith("not enough blades: the 4 VMs need at least 4 blades") and "ram_gb" in message


def test_too_few_blades_on_one_chassis_is_proven_by_the_solver_and_located_at_the_chassis():
    # Four 40 GB VMs (one per 64 GB blade), four blades, but c2 has one blade and both tiers need a replica there.
    spec = make_spec(
        [{"id": "c1", "blades": [blade(f"c1-b{i}") for i in range(1, 4)]}, {"id": "c2", "blades": [blade("c2-b1")]}],
        [business("aa", 1, {"app": tier(2, ram_gb=40)}), business("bb", 2, {"app": tier(2, ram_gb=40)})],
    )
    [(path, message)] = _located(spec)
    assert path == ("failure_domains", "chassis")
    assert "CP-SAT proved that no placement fits the 4 VMs on the 4 blades in 2 chassis" in message
