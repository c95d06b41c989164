"""KB-OPS-001: every host is reached by monitoring (and log collection) and, batch tiers, job management."""

from __future__ import annotations

from kiban.audit.rules.ops_001_operations_coverage import RULE
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.rules.helpers import failures, verdicts
from tests.kiban.audit.rules.ops_city import drop_rules, ops_stack

STACK = {"gc": "kiban-sample-hybrid-gc", "dc1": "kiban-sample-hybrid-dc1"}


def test_relays_and_managers_with_their_flows_pass() -> None:
    gc = verdicts(RULE, ops_stack("gc").export)
    assert gc == [(True, STACK["gc"], "")] * 4  # one per host group
    dc1 = verdicts(RULE, ops_stack("dc1").export)
    assert dc1 == [(True, STACK["dc1"], "")] * 6  # three host groups, three planes' relays admitted


def test_a_batch_tier_without_its_job_manager_fails() -> None:
    gc = ops_stack("gc")
    drop_rules(gc, source="juki/batch", destination="job_management@mynumber")
    assert failures(RULE, gc.export) == [
        (
            STACK["gc"],
            "juki/batch (mynumber): no planned rule to job_management@mynumber: not reached by job management",
        )
    ]


def test_a_host_not_monitored_fails() -> None:
    gc = ops_stack("gc")
    drop_rules(gc, source="time_name@mynumber", destination="monitoring@mynumber")
    assert failures(RULE, gc.export) == [
        (
            STACK["gc"],
            "time_name@mynumber (mynumber): no planned rule to monitoring@mynumber: not reached by monitoring and "
            "log collection",
        )
    ]


def test_a_relay_without_its_flow_toward_the_manager_fails() -> None:
    gc = ops_stack("gc")
    drop_rules(gc, flow="ops-logs-gc-mynumber")
    gc.inventory["cross_site_flows"] = [
        item for item in gc.inventory["cross_site_flows"] if item["flow"] != "ops-jobs-gc-mynumber"
    ]
    found = [message for _, message in failures(RULE, gc.export)]
    assert (
        "juki/batch: the relay job_management@mynumber has no cross-site flow ops-jobs-gc-mynumber toward dc1" in found
    )
    assert (
        "monitoring@mynumber: the relay monitoring@mynumber does not install its flow ops-logs-gc-mynumber toward dc1"
        in found
    )
    assert len(found) == 5  # the logs relay fails for every host group; the job relay for the batch tier only


def test_a_site_outside_the_plane_and_a_manager_not_admitting_a_relay_fail() -> None:
    gc = ops_stack("gc")
    gc.inventory["operations"]["monitoring"]["relays"] = []
    assert (
        STACK["gc"],
        "juki/batch: no relay of the monitoring plane (manager at dc1) in area mynumber at site gc",
    ) in (failures(RULE, gc.export))
    dc1 = ops_stack("dc1")
    drop_rules(dc1, flow="ops-monitoring-gc-mynumber")
    assert failures(RULE, dc1.export) == [
        (STACK["dc1"], "monitoring@mynumber: does not admit the relay at gc (flow ops-monitoring-gc-mynumber)")
    ]


def test_without_operations_each_site_is_judged_on_its_own_middleware() -> None:
    gc = ops_stack("gc", operations=False)
    assert all(passed for passed, _, _ in verdicts(RULE, gc.export))
    gc.inventory["hosts"] = [host for host in gc.inventory["hosts"] if host["group"] != "job_management@mynumber"]
    drop_rules(gc, destination="job_management@mynumber")
    assert all(passed for passed, _, _ in verdicts(RULE, gc.export)), "no job manager in the area: not judged"


def test_a_stack_without_hosts_is_not_judged() -> None:
    single = Export()
    kiban_city(single)
    assert verdicts(RULE, single) == []
