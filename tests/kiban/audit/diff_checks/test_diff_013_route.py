"""KB-DIFF-ROUTE: KB-NET-005 newly failing."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_013_route import CHECK
from tests.kiban.audit.builders import Export
from tests.kiban.audit.diff_checks.aws_city import AwsCity
from tests.kiban.audit.diff_checks.helpers import findings_of, found


def city(*routes: tuple[str, str, dict[str, str]]) -> Export:
    """The three-area AWS city with (area, destination, next hop) routes."""
    built = AwsCity()
    for index, (area, destination, target) in enumerate(routes):
        built.route(area, f"route-{index}", destination, **target)
    return built.export


IGW = {"gatewayId": "igw-0a1b2c3d"}
TRANSIT = {"transitGatewayId": "tgw-0a1b2c3d"}


def test_a_route_to_an_internet_gateway_from_the_high_area_is_critical() -> None:
    (finding,) = findings_of(CHECK, city(), city(("secure", "0.0.0.0/0", IGW)))
    assert (finding.severity.label, finding.message) == (
        "critical",
        "route 0.0.0.0/0 via internet gateway igw-0a1b2c3d: the high area secure reaches the internet",
    )
    assert finding.area == "secure"


def test_a_default_route_out_of_the_middle_area_through_anything_else_is_critical_as_the_rule() -> None:
    # audit.routing calls it less than a route to the internet, but KB-NET-005 fails it at critical: so does the diff.
    assert found(CHECK, city(), city(("office", "0.0.0.0/0", TRANSIT))) == [
        ("critical", "default route 0.0.0.0/0 via transit gateway tgw-0a1b2c3d out of the middle area office")
    ]


def test_silent_when_nothing_changed_or_in_the_internet_area() -> None:
    assert found(CHECK, city(("secure", "0.0.0.0/0", IGW)), city(("secure", "0.0.0.0/0", IGW))) == []
    assert found(CHECK, city(), city(("portal", "0.0.0.0/0", IGW))) == []
