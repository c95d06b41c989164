"""KB-NET-003: one VLAN, one segment, one area."""

from __future__ import annotations

from kiban.audit.rules.net_003_one_vlan_one_segment import RULE
from tests.kiban.audit.builders import NETWORK, Export, kiban_city
from tests.kiban.audit.rules.helpers import failures


def network(export: Export, parent: str, name: str, vlan: int, physnet: str = "physnet1") -> None:
    segments = [{"networkType": "vlan", "physicalNetwork": physnet, "segmentationId": vlan}]
    export.add(NETWORK, name, {"name": name, "segments": segments}, parent=parent)


def test_own_vlans_pass() -> None:
    export = Export()
    areas = kiban_city(export)
    network(export, areas["secure"], "juki", 101)
    network(export, areas["office"], "kyuyo", 201)
    assert failures(RULE, export) == []


def test_a_vlan_of_another_area_or_shared_fails() -> None:
    export = Export()
    areas = kiban_city(export)
    network(export, areas["secure"], "juki", 201)
    network(export, areas["office"], "kyuyo", 201)
    network(export, areas["office"], "other-fabric", 201, "physnet2")
    assert failures(RULE, export) == [
        ("juki", "VLAN 201 is also used by kyuyo (office)"),
        ("juki", "VLAN 201 belongs to area office, not secure"),
        ("kyuyo", "VLAN 201 is also used by juki (secure)"),
    ]
