"""KB-DIFF-PEERING: KB-NET-006 newly failing."""

from __future__ import annotations

from typing import Any

from kiban.audit.diff_checks.diff_014_peering import CHECK
from tests.kiban.audit.builders import Export
from tests.kiban.audit.diff_checks.aws_city import AwsCity
from tests.kiban.audit.diff_checks.helpers import findings_of, found


def city(peer: str | None, flows: list[dict[str, Any]] | None = None) -> Export:
    """The high area's VPC peered with ``peer``'s and routing to it (None: no peering)."""
    built = AwsCity(flows)
    if peer is not None:
        peering = built.peering("secure", peer)
        pcx = built.export.id_of(peering)
        built.route("secure", "to-peer", {"office": "10.20.0.0/16", "portal": "10.30.0.0/16"}[peer],
                    vpcPeeringConnectionId=pcx)  # fmt: skip
    return built.export


def test_the_high_and_the_internet_area_joined_is_critical() -> None:
    (finding,) = findings_of(CHECK, city(None), city("portal"))
    assert finding.severity.label == "critical"
    assert finding.message == (
        "route 10.30.0.0/16 over VPC peering secure-portal joins areas secure and portal: "
        "the high area and the internet area (三層分離 broken)"
    )


def test_two_areas_without_a_declared_flow_is_critical_as_the_rule() -> None:
    assert found(CHECK, city(None, flows=[]), city("office", flows=[])) == [
        (
            "critical",
            "route 10.20.0.0/16 over VPC peering secure-office joins areas secure and office, "
            "between which the spec declares no flow",
        )
    ]


def test_silent_when_nothing_changed_or_the_flow_plan_connects_the_areas() -> None:
    assert found(CHECK, city("portal"), city("portal")) == []
    assert found(CHECK, city(None), city("office")) == []
