"""KB-OPS-002: every host's time and name sources lead to the city's authority."""

from __future__ import annotations

from kiban.audit.rules.ops_002_time_and_names import RULE
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.rules.helpers import failures, verdicts
from tests.kiban.audit.rules.ops_city import drop_rules, ops_stack

STACK = {"gc": "kiban-sample-hybrid-gc", "dc1": "kiban-sample-hybrid-dc1"}


def test_hosts_following_their_relay_to_the_authority_pass() -> None:
    assert verdicts(RULE, ops_stack("gc").export) == [(True, STACK["gc"], "")] * 4
    assert verdicts(RULE, ops_stack("dc1").export) == [(True, STACK["dc1"], "")] * 4


def test_a_host_without_a_time_source_fails() -> None:
    gc = ops_stack("gc")
    drop_rules(gc, source="juki/batch", destination="time_name@mynumber")
    assert failures(RULE, gc.export) == [
        (STACK["gc"], "juki/batch (mynumber): no planned rule to time_name@mynumber: no time or name source")
    ]


def test_a_relay_that_does_not_lead_to_the_authority_fails() -> None:
    gc = ops_stack("gc")
    crossing = next(item for item in gc.inventory["cross_site_flows"] if item["flow"] == "ops-time-name-gc-mynumber")
    crossing["ports"] = ["123/udp"]  # names no longer forwarded to the authority
    found = failures(RULE, gc.export)
    assert len(found) == 4
    assert found[0] == (
        STACK["gc"],
        "monitoring@mynumber: the relay's flow ops-time-name-gc-mynumber toward dc1 lacks 53/udp",
    )
    crossing["to"]["site"] = "portal"  # pointing at another site than the declared authority
    assert (
        STACK["gc"],
        "juki/batch: the relay time_name@mynumber has no cross-site flow ops-time-name-gc-mynumber toward dc1",
    ) in failures(RULE, gc.export)


def test_the_authority_admits_every_relay() -> None:
    dc1 = ops_stack("dc1")
    drop_rules(dc1, flow="ops-time-name-gc-mynumber")
    assert failures(RULE, dc1.export) == [
        (STACK["dc1"], "time_name@mynumber: does not admit the relay at gc (flow ops-time-name-gc-mynumber)")
    ]


def test_a_stack_without_hosts_is_not_judged() -> None:
    single = Export()
    kiban_city(single)
    assert verdicts(RULE, single) == []
