"""KB-DIFF-ANYWHERE: a rule open to every address."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_002_anywhere import CHECK
from tests.kiban.audit.builders import Export, kiban_city, security_group
from tests.kiban.audit.diff_checks.helpers import findings_of, found


def city(area: str, prefix: str, direction: str = "ingress") -> Export:
    export = Export()
    areas = kiban_city(export)
    rule = {"name": "web-rule", "direction": direction, "protocol": "tcp", "portRangeMin": 22, "portRangeMax": 22}
    security_group(export, areas[area], "web", [{**rule, "remoteIpPrefix": prefix}])
    return export


def test_ingress_from_anywhere_in_the_middle_area_is_critical() -> None:
    (finding,) = findings_of(CHECK, city("office", "10.20.1.0/24"), city("office", "0.0.0.0/0"))
    assert (finding.severity.label, finding.message) == (
        "critical",
        "web (web-rule): ingress 22/tcp from anywhere (0.0.0.0/0)",
    )
    assert finding.area == "office"


def test_egress_to_anywhere_in_the_internet_area_is_high() -> None:
    assert found(CHECK, city("portal", "10.30.1.0/24", "egress"), city("portal", "0.0.0.0/0", "egress")) == [
        ("high", "web (web-rule): egress 22/tcp to anywhere (0.0.0.0/0)")
    ]


def test_silent_when_nothing_changed_or_the_range_is_not_everything() -> None:
    assert found(CHECK, city("office", "0.0.0.0/0"), city("office", "0.0.0.0/0")) == []
    assert found(CHECK, city("office", "10.20.1.0/24"), city("office", "10.0.0.0/8")) == []
