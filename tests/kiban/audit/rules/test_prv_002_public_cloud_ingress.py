"""KB-PRV-002: a public cloud calls in one way, to the gateway, on its ports."""

from __future__ import annotations

from kiban.audit.rules.prv_002_public_cloud_ingress import RULE
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.hybrid_city import SiteStack
from tests.kiban.audit.rules.helpers import failures, verdicts

SHINSEI = "portal-shinsei (portal:public_service:resident-portal → dc1:integration_hub@internet)"


def test_one_way_into_the_hub_on_its_port_passes() -> None:
    assert verdicts(RULE, SiteStack("dc1").export) == [(True, "kiban-sample-hybrid-dc1", "")]
    assert verdicts(RULE, SiteStack("portal").export) == [(True, "kiban-sample-hybrid-portal", "")]
    assert verdicts(RULE, SiteStack("gc").export) == []


def test_a_two_way_flow_on_another_port_fails() -> None:
    dc1 = SiteStack("dc1")
    shinsei = dc1.crossing("portal-shinsei")
    shinsei["one_way"] = False
    shinsei["ports"] = ["443/tcp", "22/tcp"]
    assert failures(RULE, dc1.export) == [
        ("kiban-sample-hybrid-dc1", f"flow {SHINSEI} from a public cloud is not one-way"),
        ("kiban-sample-hybrid-dc1", f"flow {SHINSEI} opens 22/tcp, not a port of integration_hub@internet"),
    ]


def test_a_flow_into_a_business_or_a_protected_area_fails() -> None:
    dc1 = SiteStack("dc1")
    dc1.crossing("portal-shinsei")["to"] = {"site": "dc1", "area": "mynumber", "end": "juki/app"}
    assert failures(RULE, dc1.export) == [
        (
            "kiban-sample-hybrid-dc1",
            "flow portal-shinsei (portal:public_service:resident-portal → dc1:juki/app) ends at juki/app, "
            "not the integration hub or an API gateway",
        )
    ]
    hub = SiteStack("dc1")
    hub.crossing("portal-shinsei")["to"] = {"site": "dc1", "area": "mynumber", "end": "integration_hub@mynumber"}
    assert [message.rsplit(") ", 1)[-1] for _, message in failures(RULE, hub.export)] == [
        "enters area mynumber, not the internet area"
    ]


def test_a_declared_api_gateway_counts_as_the_gateway() -> None:
    dc1 = SiteStack("dc1")
    dc1.crossing("portal-shinsei")["to"] = {"site": "dc1", "area": "internet", "end": "denshi-shinsei/web"}
    dc1.inventory["api_gateways"] = ["denshi-shinsei"]
    assert failures(RULE, dc1.export) == []


def test_a_single_site_stack_is_not_judged() -> None:
    single = Export()
    kiban_city(single)
    assert verdicts(RULE, single) == []
