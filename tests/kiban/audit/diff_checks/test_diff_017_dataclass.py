"""KB-DIFF-DATACLASS: a declared or cross-site flow's data class rises."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_017_dataclass import CHECK
from tests.kiban.audit.diff_checks.helpers import found
from tests.kiban.audit.hybrid_city import SiteStack


def test_a_cross_site_flow_rising_to_my_number_is_critical() -> None:
    old, new = SiteStack("dc1"), SiteStack("dc1")
    new.crossing("portal-shinsei")["data"] = "my_number"
    assert found(CHECK, old.export, new.export) == [
        ("critical", "cross-site flow portal-shinsei now carries my_number (was personal)")
    ]


def test_a_planned_flow_rising_to_personal_is_high_and_a_lower_rise_medium() -> None:
    old, new = SiteStack("dc1"), SiteStack("dc1")
    for stack, data in ((old, "public"), (new, "special_care")):
        stack.inventory["flows"].append(
            {
                "from": {"area": "internet", "cidr": "10.30.0.0/27", "site": "dc1"},
                "to": {"area": "internet", "cidr": "10.30.0.32/27", "site": "dc1"},
                "port": "443/tcp",
                "flow": "opendata",
                "crosses_areas": False,
                "data": data,
            }
        )
    assert found(CHECK, old.export, new.export) == [("high", "flow opendata now carries special_care (was public)")]
    new.inventory["flows"][-1]["data"] = "pseudonymized"
    assert found(CHECK, old.export, new.export) == [("medium", "flow opendata now carries pseudonymized (was public)")]


def test_silent_when_a_class_stays_falls_or_the_flow_is_new() -> None:
    old, new = SiteStack("dc1"), SiteStack("dc1")
    new.crossing("portal-shinsei")["data"] = "anonymized"
    new.inventory["cross_site_flows"].append(
        {**new.crossing("portal-shinsei"), "flow": "brand-new", "data": "my_number"}
    )
    assert found(CHECK, old.export, new.export) == []
