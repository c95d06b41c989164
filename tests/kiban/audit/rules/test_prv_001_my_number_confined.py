"""KB-PRV-001: my_number crosses sites only between high areas of on-prem and Government Cloud sites."""

from __future__ import annotations

from kiban.audit.rules.prv_001_my_number_confined import RULE
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.hybrid_city import SiteStack
from tests.kiban.audit.rules.helpers import failures, verdicts


def test_my_number_between_the_high_areas_of_dc1_and_gc_passes() -> None:
    for site in ("gc", "dc1"):
        assert verdicts(RULE, SiteStack(site).export) == [(True, f"kiban-sample-hybrid-{site}", "")]
    # The portal stack carries no end of the my_number flow: nothing to judge there.
    assert verdicts(RULE, SiteStack("portal").export) == []


def test_my_number_toward_a_public_cloud_or_a_lower_area_fails() -> None:
    dc1 = SiteStack("dc1")
    shinsei = dc1.crossing("portal-shinsei")
    shinsei["data"] = "my_number"
    assert failures(RULE, dc1.export) == [
        (
            "kiban-sample-hybrid-dc1",
            "my_number flow portal-shinsei (portal:public_service:resident-portal → dc1:integration_hub@internet): "
            "site portal is public_cloud",
        ),
        (
            "kiban-sample-hybrid-dc1",
            "my_number flow portal-shinsei (portal:public_service:resident-portal → dc1:integration_hub@internet): "
            "area public at portal is unknown",
        ),
        (
            "kiban-sample-hybrid-dc1",
            "my_number flow portal-shinsei (portal:public_service:resident-portal → dc1:integration_hub@internet): "
            "area internet at dc1 is internet",
        ),
        (
            "kiban-sample-hybrid-dc1",
            "my_number flow portal-shinsei (portal:public_service:resident-portal → dc1:integration_hub@internet) "
            "rides link portal-dc1 over the internet",
        ),
    ]


def test_my_number_over_an_unencrypted_link_fails() -> None:
    gc = SiteStack("gc")
    gc.link("dc1-gc")["encryption"] = "none"
    assert [message.rsplit(") ", 1)[-1] for _, message in failures(RULE, gc.export)] == [
        "rides link dc1-gc, which is not encrypted"
    ]


def test_a_single_site_stack_is_not_judged() -> None:
    single = Export()
    kiban_city(single)
    assert verdicts(RULE, single) == []


def test_a_far_area_takes_its_level_from_the_citys_area_levels() -> None:
    dc1 = SiteStack("dc1")
    dc1.crossing("portal-shinsei")["data"] = "my_number"
    dc1.inventory["area_levels"] = {"public": "public", "internet": "internet", "mynumber": "high"}
    messages = [message for _, message in failures(RULE, dc1.export)]
    assert any(message.endswith("area public at portal is public") for message in messages), messages
