"""KB-DIFF-INVENTORY: KB-INV-001 newly failing."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_015_inventory import CHECK
from tests.kiban.audit.builders import INSTANCE, Export, kiban_city
from tests.kiban.audit.diff_checks.helpers import findings_of, found


def city(instances: list[str], listed: list[str]) -> Export:
    """Instances of host group juki/db, and the hosts the inventory output lists."""
    export = Export()
    areas = kiban_city(export)
    export.by_urn[export.root]["outputs"]["inventory"]["hosts"] = [
        {"name": name, "group": "juki/db"} for name in listed
    ]
    for name in instances:
        export.add(INSTANCE, name, {"name": name, "metadata": {"kiban-group": "juki/db"}}, parent=areas["secure"])
    return export


def test_a_replica_removed_while_the_inventory_keeps_it() -> None:
    (finding,) = findings_of(CHECK, city(["db-1", "db-2"], ["db-1", "db-2"]), city(["db-1"], ["db-1", "db-2"]))
    assert (finding.severity.label, finding.message) == (
        "high",
        "the inventory lists host db-2 (juki/db), no instance declares it",
    )
    assert finding.urn is not None and finding.urn.endswith("pulumi:pulumi:Stack::kiban-city-prod")


def test_an_instance_the_inventory_does_not_list() -> None:
    assert found(CHECK, city(["db-1"], ["db-1"]), city(["db-1", "db-2"], ["db-1"])) == [
        ("high", "instance db-2 (juki/db) is not in the inventory")
    ]


def test_silent_when_nothing_changed_or_it_disagreed_before() -> None:
    assert found(CHECK, city(["db-1"], ["db-1"]), city(["db-1"], ["db-1"])) == []
    assert found(CHECK, city(["db-1"], ["db-1", "db-2"]), city(["db-1", "db-3"], ["db-1", "db-2", "db-3"])) == []
