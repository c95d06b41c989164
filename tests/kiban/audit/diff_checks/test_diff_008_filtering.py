"""KB-DIFF-FILTERING: KB-NET-004 newly failing."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_008_filtering import CHECK
from tests.kiban.audit.builders import NETWORK, Export, kiban_city
from tests.kiban.audit.diff_checks.helpers import findings_of, found

PORT = "openstack:networking/port:Port"


def city(area: str, network_security: bool = True, port: dict[str, bool] | None = None) -> Export:
    export = Export()
    areas = kiban_city(export)
    export.add(NETWORK, "net", {"name": "net", "portSecurityEnabled": network_security}, parent=areas[area])
    export.add(PORT, "vm-port", {"name": "vm-port", **(port or {})}, parent=areas[area])
    return export


def test_critical_in_the_high_area_high_in_the_internet_area() -> None:
    (finding,) = findings_of(CHECK, city("secure"), city("secure", network_security=False))
    assert (finding.severity.label, finding.message, finding.area) == (
        "critical",
        "net: port security disabled on the network",
        "secure",
    )
    assert found(CHECK, city("portal"), city("portal", port={"noSecurityGroups": True})) == [
        ("high", "vm-port: port without security groups")
    ]


def test_only_the_new_way_of_turning_it_off() -> None:
    old = city("office", port={"noSecurityGroups": True})
    new = city("office", port={"noSecurityGroups": True, "portSecurityEnabled": False})
    assert found(CHECK, old, new) == [("critical", "vm-port: port security disabled on the port")]


def test_silent_when_nothing_changed_or_filtering_comes_back() -> None:
    assert found(CHECK, city("secure", False), city("secure", False)) == []
    assert found(CHECK, city("secure", False), city("secure", True)) == []
