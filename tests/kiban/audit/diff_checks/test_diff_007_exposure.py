"""KB-DIFF-EXPOSURE: a public address or exposure appears."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_007_exposure import CHECK
from tests.kiban.audit.builders import NETWORK, Export, kiban_city
from tests.kiban.audit.diff_checks.helpers import findings_of, found

FLOATING_IP = "openstack:networking/floatingIp:FloatingIp"


def city(floating_in: str | None = None, external: bool = False) -> Export:
    """A network in the high area (external or not) and a floating IP in ``floating_in`` (None: none)."""
    export = Export()
    areas = kiban_city(export)
    export.add(NETWORK, "juki", {"name": "juki", "external": external}, parent=areas["secure"])
    if floating_in is not None:
        export.add(FLOATING_IP, "fip", {"pool": "public"}, parent=areas[floating_in])
    return export


def test_critical_in_the_high_area_high_in_the_internet_area() -> None:
    (finding,) = findings_of(CHECK, city(), city("secure"))
    assert (finding.severity.label, finding.message, finding.area) == ("critical", "fip: floating IP added", "secure")
    assert found(CHECK, city(), city("portal")) == [("high", "fip: floating IP added")]


def test_an_existing_resource_that_becomes_exposed() -> None:
    assert found(CHECK, city(), city(external=True)) == [("critical", "juki: external network added")]


def test_silent_when_nothing_changed_or_the_exposure_was_there() -> None:
    assert found(CHECK, city("secure", True), city("secure", True)) == []
    old, new = city("portal"), city("portal")
    new.by_urn[next(urn for urn in new.by_urn if urn.endswith("::fip"))]["inputs"]["description"] = "x"
    assert found(CHECK, old, new) == []
