"""KB-EXP-001: no public exposure in high and middle areas."""

from __future__ import annotations

from kiban.audit.rules.exp_001_no_public_exposure import RULE
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.rules.helpers import verdicts


def test_exposure_by_area() -> None:
    export = Export()
    areas = kiban_city(export)
    export.add("openstack:networking/floatingIp:FloatingIp", "secure-fip", {"pool": "public"}, parent=areas["secure"])
    export.add("aws:lb/loadBalancer:LoadBalancer", "office-lb", {}, parent=areas["office"])
    export.add("aws:lb/loadBalancer:LoadBalancer", "office-internal", {"internal": True}, parent=areas["office"])
    export.add("openstack:networking/floatingIp:FloatingIp", "portal-fip", {"pool": "public"}, parent=areas["portal"])
    assert verdicts(RULE, export) == [
        (False, "secure-fip", "floating IP in a high area"),
        (False, "office-lb", "internet-facing load balancer in a middle area"),
        (True, "office-internal", ""),
    ]
