from kiban_platform.placement.demand import (
    MONTHS,
    blade_capacity,
    licence_costs,
    licence_key,
    monthly_demand,
    problem_from_spec,
)
from kiban_platform.spec.instances import VirtualMachine, expand_vms
from kiban_platform.spec.model import Blade
from tests.kiban_platform.placement.builders import business, chassis, make_spec, tier


def _vms(**business_fields: object) -> list[VirtualMachine]:
    spec = make_spec(
        chassis(2, 1), [business("tax", 1, {"app": tier(2, vcpu=3, ram_gb=10, disk_gb=70)}, **business_fields)]
    )
    return expand_vms(spec)


def test_peak_months_get_full_size_and_the_others_the_off_peak_share_rounded_up():
    vm = _vms(peak_months=[3, 4], off_peak_load=0.5)[0]
    demand = monthly_demand(vm)
    assert demand[2] == demand[3] == (3, 10, 70)
    # 3 x 0.5 = 1.5 vCPU rounds up to 2; 10 GB x 0.5 = 5 GB; disk stays whole.
    assert all(demand[m - 1] == (2, 5, 70) for m in MONTHS if m not in (3, 4))


def test_a_business_without_peak_months_is_planned_at_full_size_all_year():
    vm = _vms(peak_months=[], off_peak_load=0.3)[0]
    assert set(monthly_demand(vm)) == {(3, 10, 70)}


def test_off_peak_share_is_exact_decimal_arithmetic():
    # 10 x 0.7 is 7.000000000000001 in binary floating point; its ceiling would wrongly be 8.
    spec = make_spec(
        chassis(2, 1), [business("bb", 1, {"app": tier(2, vcpu=10, ram_gb=10)}, peak_months=[1], off_peak_load=0.7)]
    )
    assert monthly_demand(expand_vms(spec)[0])[5][:2] == (7, 7)


def test_middleware_is_full_size_all_year():
    middleware = {
        "monitoring": {
            "product": "zabbix",
            "replicas": 2,
            "areas": ["office"],
            "ports": [10051],
            "vcpu": 4,
            "ram_gb": 16,
            "disk": {"tier": "capacity", "size_gb": 100},
        }
    }
    spec = make_spec(chassis(2, 1), [], middleware)
    assert set(monthly_demand(expand_vms(spec)[0])) == {(4, 16, 100)}


def test_blade_capacity_overcommits_vcpu_only_and_rounds_down():
    blade = Blade(id="b1", vcpu=64, ram_gb=512, disk_gb=3840)
    assert blade_capacity(blade, 4.0) == (256, 512, 3840)
    assert blade_capacity(blade, 1.3) == (83, 512, 3840)  # 83.2 vCPUs: a fraction of a vCPU is not offered


def test_only_per_host_licences_count_and_the_dearer_declaration_wins():
    per_host = {"model": "per_host", "product": "rdbms", "annual_cost_jpy": 100}
    dearer = {"model": "per_host", "product": "rdbms", "annual_cost_jpy": 300}
    spec = make_spec(
        chassis(2, 1),
        [
            business("aa", 1, {"app": tier(2)}, licence=per_host),
            business("bb", 2, {"app": tier(2)}, licence=dearer),
            business("cc", 3, {"app": tier(2)}, licence={"model": "per_core", "product": "x", "annual_cost_jpy": 5}),
            business("dd", 4, {"app": tier(2)}, licence={"model": "per_host", "annual_cost_jpy": 7}),
        ],
    )
    vms = expand_vms(spec)
    assert [licence_key(vm) for vm in vms[::2]] == ["rdbms", "rdbms", None, "dd"]
    assert licence_costs(vms) == {"rdbms": 300, "dd": 7}


def test_problem_groups_only_anti_affine_replicas_and_keeps_spec_order():
    spec = make_spec(
        chassis(2, 2),
        [business("aa", 1, {"app": tier(2), "batch": tier(1, redundant=False, anti_affinity=False)})],
        overcommit=2.0,
    )
    problem = problem_from_spec(spec, expand_vms(spec))
    assert [b.id for b in problem.bins] == ["c1-b1", "c1-b2", "c2-b1", "c2-b2"]
    assert [b.domain for b in problem.bins] == [0, 0, 1, 1]
    assert problem.bins[0].capacity == (32, 64, 1000) and problem.bins[0].limit == (16, 64, 1000)
    assert [item.group for item in problem.items] == ["aa/app", "aa/app", None]
