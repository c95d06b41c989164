"""The flow plan: default-deny, and exactly the rules the platform needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiban_platform.network.flows import FlowPlan, RuleKind, plan_flows
from kiban_platform.network.plan import plan_network
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec
from tests.conftest import SAMPLE_SPEC, SMALL_CITY, SMALL_MANAGEMENT

OFFICE_HOSTS = [
    "full/web",
    "full/app",
    "full/db",
    "full/batch",
    "lean/app",
    "job_management@office",
    "integration_hub@office",
    "load_balancer@office",
    "database@office",
    "monitoring@office",
    "time_name@office",
]

EXPECTED = {
    ("full/web", "full/app", "8443/tcp"),
    ("full/app", "full/db", "5432/tcp"),
    ("full/batch", "full/app", "8443/tcp"),
    ("full/batch", "full/db", "5432/tcp"),
    ("full/app", "integration_hub@office", "443/tcp"),
    ("full/batch", "integration_hub@office", "443/tcp"),
    ("full/batch", "job_management@office", "20240/tcp"),
    ("load_balancer@office", "full/web", "443/tcp"),
    ("lean/app", "integration_hub@office", "443/tcp"),
    ("lean/app", "database@office", "5432/tcp"),
    ("integration_hub@office", "database@office", "5432/tcp"),
    ("job_management@office", "database@office", "5432/tcp"),
    ("integration_hub@office", "integration_hub@secure", "443/tcp"),
    *((host, "time_name@office", "123/udp") for host in OFFICE_HOSTS if host != "time_name@office"),
    *((host, "monitoring@office", "514/tcp") for host in OFFICE_HOSTS if host != "monitoring@office"),
    # Load-balanced groups admit their own subnet on their balanced ports (health checks).
    ("full/web", "full/web", "443/tcp"),
    ("job_management@office", "job_management@office", "20240/tcp"),
    ("integration_hub@office", "integration_hub@office", "443/tcp"),
    ("integration_hub@secure", "integration_hub@secure", "443/tcp"),
    ("load_balancer@office", "load_balancer@office", "443/tcp"),
    ("database@office", "database@office", "5432/tcp"),
    ("monitoring@office", "monitoring@office", "514/tcp"),
    ("time_name@office", "time_name@office", "123/udp"),
}


def _load(tmp_path: Path, extra_flows: str = "") -> PlatformSpec:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_CITY + extra_flows, encoding="utf-8")
    return load_spec(path)


@pytest.fixture
def small_city(tmp_path: Path) -> PlatformSpec:
    return _load(tmp_path)


def _plan(spec: PlatformSpec) -> FlowPlan:
    return plan_flows(spec, plan_network(spec))


def _triples(plan: FlowPlan) -> set[tuple[str, str, str]]:
    return {(rule.source.id, rule.destination.id, str(rule.port)) for rule in plan.rules}


def test_exactly_the_needed_rules(small_city: PlatformSpec) -> None:
    plan = _plan(small_city)
    assert _triples(plan) == EXPECTED
    assert len(plan.rules) == len(EXPECTED), "no rule twice"


def test_health_rules_come_from_the_groups_own_subnet(small_city: PlatformSpec) -> None:
    health = [r for r in _plan(small_city).rules if r.kind == RuleKind.LOAD_BALANCER_HEALTH]
    assert health and all(r.source == r.destination for r in health)
    assert {r.source.id for r in health} == {
        "full/web",
        *(f"{role}@office" for role in ("job_management", "integration_hub", "load_balancer", "database")),
        *(f"{role}@office" for role in ("monitoring", "time_name")),
        "integration_hub@secure",
    }
    # A port range is called directly, never through a load balancer: no health rule for it.
    assert all(r.port.first == r.port.last for r in health)


def test_rules_carry_the_planned_addresses(small_city: PlatformSpec) -> None:
    rule = next(r for r in _plan(small_city).rules if r.source.id == "full/web" and r.destination.id == "full/app")
    assert (str(rule.source.cidr), str(rule.destination.cidr)) == ("10.20.4.0/24", "10.20.5.0/24")
    assert rule.kind == RuleKind.TIER_TO_TIER


def test_two_way_flow_gives_both_directions(tmp_path: Path) -> None:
    spec = _load(
        tmp_path,
        """
  - id: peer
    from: {business: lean}
    to: {business: full}
    ports: [9000]
    one_way: false
    purpose: both ways inside one area
""",
    )
    added = _triples(_plan(spec)) - EXPECTED
    there = {("lean/app", f"full/{tier}", "9000/tcp") for tier in ("web", "app", "db", "batch")}
    back = {(f"full/{tier}", "lean/app", "9000/tcp") for tier in ("web", "app", "db", "batch")}
    assert added == there | back
    assert all(rule.flow == "peer" for rule in _plan(spec).rules if str(rule.port) == "9000/tcp")


def test_one_way_flow_gives_one_direction(tmp_path: Path) -> None:
    spec = _load(
        tmp_path,
        """
  - id: push
    from: {business: lean, tier: app}
    to: {business: full, tier: db}
    ports: [9000]
    purpose: one way
""",
    )
    assert _triples(_plan(spec)) - EXPECTED == {("lean/app", "full/db", "9000/tcp")}


def test_a_declared_flow_that_repeats_a_platform_rule_is_not_doubled(tmp_path: Path) -> None:
    spec = _load(
        tmp_path,
        """
  - id: again
    from: {business: full, tier: web}
    to: {business: full, tier: app}
    ports: [8443]
    purpose: already allowed by the platform
""",
    )
    plan = _plan(spec)
    assert _triples(plan) == EXPECTED
    assert len(plan.rules) == len(EXPECTED)
    rule = next(r for r in plan.rules if (r.source.id, r.destination.id) == ("full/web", "full/app"))
    assert rule.kind == RuleKind.TIER_TO_TIER, "the platform's reason is kept"


SAMPLE = load_spec(SAMPLE_SPEC)
SAMPLE_FLOWS = _plan(SAMPLE)


def test_sample_crossings_are_exactly_the_declared_one_way_flows() -> None:
    entering = [rule for rule in SAMPLE_FLOWS.rules if rule.kind == RuleKind.OPERATIONS_TO_BASTION]
    assert {(rule.source.id, rule.destination.id) for rule in entering} == {
        (f"operations:ops-{area}@{area}", f"bastion@{area}") for area in ("mynumber", "lgwan", "internet")
    }
    crossing = [rule for rule in SAMPLE_FLOWS.rules if rule.crosses_areas and rule not in entering]
    assert {rule.flow for rule in crossing} == {"eltax-tokutei", "mynaportal-tokutei", "shinsei-mugaika"}
    assert all(rule.kind == RuleKind.DECLARED for rule in crossing)
    pairs = {(rule.source.id, rule.destination.id) for rule in SAMPLE_FLOWS.rules}
    crossing_pairs = {(rule.source.id, rule.destination.id) for rule in crossing}
    assert not any((destination, source) in pairs for source, destination in crossing_pairs), "no rule back"


def test_sample_has_no_path_between_high_and_internet_and_never_anywhere() -> None:
    levels = {area.id: area.level for area in SAMPLE.areas}
    for rule in SAMPLE_FLOWS.rules:
        assert {levels[rule.source.area], levels[rule.destination.area]} != {"high", "internet"}
        assert rule.source.cidr.prefixlen > 0 and rule.destination.cidr.prefixlen > 0
    pairs = {(rule.source.area, rule.destination.area) for rule in SAMPLE_FLOWS.rules}
    assert ("mynumber", "internet") not in pairs and ("internet", "mynumber") not in pairs
    assert ("mynumber", "lgwan") not in pairs, "nothing leaves the My Number area"


def test_rules_are_in_a_stable_order() -> None:
    again = _plan(load_spec(SAMPLE_SPEC))
    assert [(r.source.id, r.destination.id, str(r.port)) for r in again.rules] == [
        (r.source.id, r.destination.id, str(r.port)) for r in SAMPLE_FLOWS.rules
    ]


def test_management_rules_on_the_small_city(tmp_path: Path) -> None:
    plan = _plan(_load(tmp_path, SMALL_MANAGEMENT))
    ssh = "2222/tcp"
    management = {
        ("operations:ops-office@office", "bastion@office", ssh),
        ("operations:ops-secure@secure", "bastion@secure", ssh),
        *(("bastion@office", host, ssh) for host in OFFICE_HOSTS),
        ("bastion@secure", "integration_hub@secure", ssh),
        # A bastion is a host of its area like any other: it keeps time and sends its logs.
        ("bastion@office", "time_name@office", "123/udp"),
        ("bastion@office", "monitoring@office", "514/tcp"),
    }
    assert _triples(plan) == EXPECTED | management
    kinds = {(rule.source.id, rule.destination.id): rule.kind for rule in plan.rules if str(rule.port) == ssh}
    assert kinds[("operations:ops-secure@secure", "bastion@secure")] == RuleKind.OPERATIONS_TO_BASTION
    assert kinds[("bastion@office", "full/db")] == RuleKind.BASTION_TO_HOST
    entry = next(rule for rule in plan.rules if rule.destination.id == "bastion@secure")
    assert (str(entry.source.cidr), entry.crosses_areas) == ("172.16.10.0/28", True)


def test_no_ssh_rule_crosses_areas_and_ssh_comes_only_from_a_bastion() -> None:
    assert SAMPLE.management is not None
    ssh = [rule for rule in SAMPLE_FLOWS.rules if rule.port == SAMPLE.management.port]
    assert len(ssh) == 3 + sum(1 for rule in SAMPLE_FLOWS.rules if rule.kind == RuleKind.BASTION_TO_HOST), (
        "every SSH rule is a management rule"
    )
    for rule in ssh:
        if rule.kind == RuleKind.BASTION_TO_HOST:
            assert rule.source.id == f"bastion@{rule.destination.area}"
            assert not rule.crosses_areas
        else:
            assert rule.kind == RuleKind.OPERATIONS_TO_BASTION
            assert rule.destination.id == f"bastion@{rule.source.area}"
    groups = {rule.destination.id for rule in SAMPLE_FLOWS.rules if not rule.destination.id.startswith("external")}
    groups |= {rule.source.id for rule in SAMPLE_FLOWS.rules if rule.source.kind.value != "external"}
    reached = {rule.destination.id for rule in ssh}
    assert groups - reached == set(), "every host group is reached through its bastion"


def test_without_management_no_rule_admits_ssh() -> None:
    plain = SAMPLE.model_copy(update={"management": None})
    assert not [rule for rule in _plan(plain).rules if rule.port.first <= 22 <= rule.port.last]
