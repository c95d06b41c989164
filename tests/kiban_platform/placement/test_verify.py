import pytest

from kiban_platform.placement.problem import Item, PackingProblem
from kiban_platform.placement.verify import Rule, Violation, verify_assignment, verify_placement
from kiban_platform.spec.instances import expand_vms
from tests.kiban_platform.placement.builders import blade, business, make_spec, one_d, tier

GOOD = {"tax-app-1": "c1-b1", "tax-app-2": "c2-b1", "ward-app-1": "c1-b1", "ward-app-2": "c2-b1"}


@pytest.fixture
def city():
    # Two businesses whose 40 GB peaks fall in different months share 64 GB blades.
    spec = make_spec(
        [
            {"id": "c1", "blades": [blade("c1-b1"), blade("c1-b2", vcpu=2)]},
            {"id": "c2", "blades": [blade("c2-b1"), blade("c2-b2")]},
        ],
        [
            business("tax", 1, {"app": tier(2, vcpu=4, ram_gb=40)}, peak_months=[3], off_peak_load=0.5),
            business("ward", 2, {"app": tier(2, vcpu=4, ram_gb=40)}, peak_months=[9], off_peak_load=0.5),
        ],
        overcommit=4.0,
    )
    return expand_vms(spec), spec


def _rules(violations: list[Violation]) -> list[Rule]:
    return sorted(violation.rule for violation in violations)


def test_a_valid_peak_sharing_placement_has_no_violation(city):
    vms, spec = city
    assert verify_placement(vms, spec, GOOD) == []


def test_two_march_peaks_on_one_blade_break_capacity_in_march_only():
    spec = make_spec(
        [{"id": "c1", "blades": [blade("c1-b1")]}, {"id": "c2", "blades": [blade("c2-b1")]}],
        [
            business("tax", 1, {"app": tier(2, vcpu=4, ram_gb=40)}, peak_months=[3], off_peak_load=0.5),
            business("levy", 2, {"app": tier(2, vcpu=4, ram_gb=40)}, peak_months=[3], off_peak_load=0.5),
        ],
        overcommit=4.0,
    )
    placed = {"tax-app-1": "c1-b1", "levy-app-1": "c1-b1", "tax-app-2": "c2-b1", "levy-app-2": "c2-b1"}
    violations = verify_placement(expand_vms(spec), spec, placed)
    assert _rules(violations) == [Rule.CAPACITY, Rule.CAPACITY]
    assert all("month 3: ram_gb 80 exceeds capacity 64" in violation.message for violation in violations)


def test_replicas_on_one_blade_break_both_spread_rules(city):
    vms, spec = city
    violations = verify_placement(vms, spec, {**GOOD, "tax-app-2": "c1-b1"})
    spread = [violation for violation in violations if violation.rule != Rule.CAPACITY]
    assert _rules(spread) == [Rule.DISTINCT_BLADES, Rule.DISTINCT_CHASSIS]
    assert all(violation.subject == "tax/app" for violation in spread)


def test_replicas_on_two_blades_of_one_chassis_break_the_chassis_rule_only(city):
    vms, spec = city
    violations = verify_placement(
        vms, spec, {**GOOD, "tax-app-2": "c1-b1", "tax-app-1": "c1-b2", "ward-app-1": "c2-b2"}
    )
    assert Rule.DISTINCT_CHASSIS in _rules(violations)
    assert Rule.DISTINCT_BLADES not in _rules(violations)


def test_a_vm_with_more_vcpus_than_the_blade_has_cores_does_not_fit(city):
    vms, spec = city
    # c1-b2 has 2 cores (8 vCPUs at 4x overcommit): room in vCPU terms, but 4 vCPUs > 2 cores.
    violations = verify_placement(vms, spec, {**GOOD, "tax-app-1": "c1-b2"})
    assert _rules(violations) == [Rule.FITS]


def test_missing_unknown_and_extra_vms_are_reported(city):
    vms, spec = city
    placed = {**GOOD, "ward-app-2": "nowhere", "ghost-1": "c1-b1"}
    del placed["tax-app-2"]
    violations = verify_placement(vms, spec, placed)
    assert _rules(violations) == [Rule.PLACED] * 3
    assert {violation.subject for violation in violations} == {"ghost-1", "tax-app-2", "ward-app-2"}


def test_verify_assignment_checks_the_same_rules_on_a_packing_problem():
    problem = one_d([6, 6, 3], 10, 4, groups=["g", "g", None])
    assert verify_assignment(problem, (0, 1, 0)) == []
    assert _rules(verify_assignment(problem, (0, 2, 0))) == [Rule.DISTINCT_CHASSIS]  # bins 0 and 2: domain d0
    assert _rules(verify_assignment(problem, (0, 0, 1))) == [Rule.CAPACITY, Rule.DISTINCT_BLADES, Rule.DISTINCT_CHASSIS]
    assert _rules(verify_assignment(problem, (0, 1))) == [Rule.PLACED]


def test_verify_assignment_honours_excluded_domains():
    base = one_d([5], 10, 2)
    excluded = PackingProblem(
        base.resources, base.periods, base.domains, base.bins, (Item("i0", ((5,),), (5,), "g", None, frozenset({0})),)
    )
    assert verify_assignment(excluded, (1,)) == []
    assert _rules(verify_assignment(excluded, (0,))) == [Rule.DISTINCT_CHASSIS]
