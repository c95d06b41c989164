"""`run_audit`: every rule on one stack, waivers applied, the exit status decided."""

from __future__ import annotations

import datetime

from kiban.audit.engine import run_audit
from kiban.audit.findings import Severity
from kiban.audit.state import state_from_document
from kiban.audit.waivers import Waiver
from tests.conftest import SMALL_CITY
from tests.kiban.audit.builders import NETWORK, RULE, find, rendered

TODAY = datetime.date(2026, 6, 1)


def broken_city() -> dict[str, object]:
    """The small city with SSH from anywhere into the high area and port security off on one network."""
    document = rendered(SMALL_CITY)
    rule = find(document, RULE, "integration-hub-secure-in-integration-hub-office-tcp443")
    rule["inputs"].update({"remoteIpPrefix": "0.0.0.0/0", "portRangeMin": 22, "portRangeMax": 22})
    find(document, NETWORK, "lean")["inputs"]["portSecurityEnabled"] = False
    return document


def test_the_small_city_is_clean() -> None:
    report = run_audit(state_from_document(rendered(SMALL_CITY), "small"), today=TODAY)
    assert report.findings == [] and report.exit_code(Severity.LOW) == 0


def test_failures_waivers_and_exit_status() -> None:
    state = state_from_document(broken_city(), "broken")
    report = run_audit(state, today=TODAY)
    assert [(f.severity.label, f.rule, f.message, f.area) for f in report.findings] == [
        (
            "critical",
            "KB-NET-001",
            "ingress 22/tcp (outside) → secure (0.0.0.0/0 beyond the areas): no declared flow allows it",
            "secure",
        ),
        (
            "critical",
            "KB-NET-001",
            "ingress 22/tcp office → secure (10.20.0.0/16): no declared flow allows it",
            "secure",
        ),
        ("critical", "KB-NET-002", "22/tcp from anywhere (0.0.0.0/0) in a high area", "secure"),
        ("high", "KB-NET-004", "port security disabled on the network", "office"),
    ]
    assert (
        report.exit_code(Severity.HIGH) == 3
        and report.exit_code(Severity.CRITICAL) == 3
        and report.exit_code(None) == 0
    )
    net_001 = next(t for t in report.tallies if t.rule.id == "KB-NET-001")
    assert (net_001.failed, net_001.waived) == (2, 0)

    waivers = [
        Waiver(
            "KB-NET-001",
            "*::integration-hub-secure-in-integration-hub-office-tcp443",
            "jump host",
            datetime.date(2026, 12, 31),
            0,
        ),
        Waiver("KB-NET-002", "*::integration-hub-secure-in-*", "jump host", datetime.date(2026, 12, 31), 1),
        Waiver("KB-NET-004", "*", "vendor appliance, ticket 123", datetime.date(2026, 5, 31), 2),
    ]
    waived = run_audit(state, waivers, today=TODAY)
    assert [(f.rule, f.waived) for f in waived.findings] == [
        ("KB-NET-001", True),
        ("KB-NET-001", True),
        ("KB-NET-002", True),
        ("KB-NET-004", False),
        ("KB-WAIVER-001", False),
    ]
    assert waived.failing(Severity.HIGH)[-1].message == (
        "waiver 3 (KB-NET-004 *) expired on 2026-05-31: vendor appliance, ticket 123"
    )
    assert waived.exit_code(Severity.HIGH) == 3
    assert (
        run_audit(
            state, [*waivers[:2], Waiver("KB-NET-004", "*", "renewed", datetime.date(2026, 12, 31), 2)], today=TODAY
        ).exit_code(Severity.LOW)
        == 0
    )
