"""KB-DIFF-PATH: a new or wider path between areas."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_001_path import CHECK
from tests.kiban.audit.builders import TENANT, Export, ingress, kiban_city, security_group
from tests.kiban.audit.diff_checks.helpers import findings_of, found


def city(prefix: str, port: int = 8443, area: str = "secure") -> Export:
    """One security group in ``area`` accepting ``port`` from ``prefix``."""
    export = Export()
    areas = kiban_city(export)
    security_group(export, areas[area], "juki-app", [ingress("juki-app-in", prefix, port)])
    return export


def test_an_undeclared_path_into_the_high_area_is_critical() -> None:
    assert found(CHECK, city("10.10.5.0/24"), city("10.20.0.0/16")) == [
        (
            "critical",
            "new path office → secure: juki-app (juki-app-in) ingress 8443/tcp from 10.20.0.0/16 "
            "(no declared flow allows it)",
        )
    ]


def test_a_declared_flow_is_medium_and_names_the_flow() -> None:
    assert found(CHECK, city("10.10.5.0/24", 443), city("10.20.0.128/25", 443)) == [
        (
            "medium",
            "new path office → secure: juki-app (juki-app-in) ingress 443/tcp from 10.20.0.128/25 "
            "(declared: flow to-secure)",
        )
    ]


def test_a_path_that_existed_is_wider_and_says_what_is_newly_allowed() -> None:
    (finding,) = findings_of(CHECK, city("10.30.1.0/24", area="office"), city("10.30.0.0/16", area="office"))
    assert finding.message == (
        "wider path portal → office: juki-app (juki-app-in) ingress 8443/tcp from 10.30.0.0/16 "
        "(no declared flow allows it)"
    )
    # Newly allowed: the /16 less the /24 the old rule allowed.
    assert finding.severity.label == "high" and finding.details == {
        "newly_allowed": [
            f"8443/tcp 10.30.{net}"
            for net in ("0.0/24", "2.0/23", "4.0/22", "8.0/21", "16.0/20", "32.0/19", "64.0/18", "128.0/17")
        ]
    }


def test_a_rule_open_to_every_address_opens_a_path_from_anywhere() -> None:
    assert found(CHECK, city("10.30.1.0/24", area="portal"), city("0.0.0.0/0", area="portal")) == [
        (
            "high",
            "new path anywhere → portal: juki-app (juki-app-in) ingress 8443/tcp from 0.0.0.0/0 "
            "(every address; no declared flow allows it)",
        )
    ]


def test_an_unchanged_rule_moved_into_another_area_reports_the_pairs_it_did_not_connect() -> None:
    def moved(area: str) -> Export:
        export = Export()
        areas = kiban_city(export)
        tenant = export.add(TENANT, "juki", parent=areas[area], custom=False)
        security_group(export, tenant, "juki-app", [ingress("juki-app-in", "10.20.1.0/24", 8443)])
        return export

    assert found(CHECK, moved("office"), moved("secure")) == [
        (
            "critical",
            "new path office → secure: juki-app (juki-app-in) ingress 8443/tcp from 10.20.1.0/24 "
            "(no declared flow allows it)",
        )
    ]


def test_silent_when_nothing_changed_or_the_rule_narrows() -> None:
    assert found(CHECK, city("10.20.0.0/16"), city("10.20.0.0/16")) == []
    assert found(CHECK, city("10.20.0.0/16"), city("10.20.1.0/24")) == []
