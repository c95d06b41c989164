"""KB-DIFF-VLAN: a VLAN renumbered, or now another area's."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_010_vlan import CHECK
from tests.kiban.audit.builders import NETWORK, Export, kiban_city
from tests.kiban.audit.diff_checks.helpers import found


def city(vlan: int, other: int | None = None) -> Export:
    """A network of the high area on ``vlan``, and one of the office on ``other`` (None: none)."""
    export = Export()
    areas = kiban_city(export)
    for name, area, number in (("juki", "secure", vlan), ("office-net", "office", other)):
        if number is not None:
            segment = {"networkType": "vlan", "physicalNetwork": "physnet1", "segmentationId": number}
            export.add(NETWORK, name, {"name": name, "segments": [segment]}, parent=areas[area])
    return export


def test_renumbered_inside_the_area_is_medium() -> None:
    assert found(CHECK, city(100), city(101)) == [("medium", "juki: VLAN 100 → 101")]


def test_a_vlan_of_another_area_is_critical() -> None:
    assert found(CHECK, city(100), city(200)) == [("critical", "juki: VLAN 200 belongs to another area (office)")]
    assert found(CHECK, city(100, 210), city(210, 210)) == [
        ("critical", "juki: VLAN 210 belongs to another area (office)")
    ]


def test_silent_when_nothing_changed_even_if_it_clashed_before() -> None:
    assert found(CHECK, city(100), city(100)) == []
    assert found(CHECK, city(200, 200), city(200, 200)) == []
