"""KB-PRV-003: nothing above anonymized (or the site's ceiling) in flows the city opens toward a public cloud."""

from __future__ import annotations

from typing import Any

from kiban.audit.rules.prv_003_nothing_personal_to_public_cloud import RULE
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.hybrid_city import SiteStack
from tests.kiban.audit.rules.helpers import failures, verdicts


def outward(data: str | None, one_way: bool = True) -> dict[str, Any]:
    return {
        "flow": "opendata-push",
        "from": {"site": "dc1", "area": "internet", "end": "integration_hub@internet"},
        "to": {"site": "portal", "area": "public", "end": "public_service:resident-portal"},
        "ports": ["443/tcp"],
        "one_way": one_way,
        "data": data,
        "basis": None,
        "link": "portal-dc1",
    }


def test_calls_in_from_the_public_cloud_are_not_judged_and_anonymized_out_passes() -> None:
    assert verdicts(RULE, SiteStack("dc1").export) == []
    dc1 = SiteStack("dc1")
    dc1.inventory["cross_site_flows"].append(outward("anonymized"))
    dc1.inventory["sites"][2]["ceiling"] = None
    assert verdicts(RULE, dc1.export) == [(True, "kiban-sample-hybrid-dc1", "")]


def test_even_a_site_whose_ceiling_is_personal_gets_nothing_personal_pushed_to_it() -> None:
    dc1 = SiteStack("dc1")
    dc1.inventory["cross_site_flows"].append(outward("personal"))
    assert dc1.inventory["sites"][2]["ceiling"] == "personal"  # the portal's クラウド例外 ceiling
    assert failures(RULE, dc1.export) == [
        (
            "kiban-sample-hybrid-dc1",
            "flow opendata-push (dc1:integration_hub@internet → portal:public_service:resident-portal) "
            "carries personal to public cloud portal (ceiling anonymized)",
        )
    ]


def test_personal_data_or_no_class_toward_a_public_cloud_without_a_ceiling_fails() -> None:
    dc1 = SiteStack("dc1")
    dc1.inventory["sites"][2]["ceiling"] = None
    dc1.inventory["cross_site_flows"].append(outward(None))
    dc1.crossing("portal-shinsei")["one_way"] = False  # the city could now open it back toward the portal
    assert [message.rsplit(") ", 1)[-1] for _, message in failures(RULE, dc1.export)] == [
        "carries personal to public cloud portal (ceiling anonymized)",
        "toward public cloud portal names no data class",
    ]


def test_a_single_site_stack_is_not_judged() -> None:
    single = Export()
    kiban_city(single)
    assert verdicts(RULE, single) == []
