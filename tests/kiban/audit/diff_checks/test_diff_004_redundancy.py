"""KB-DIFF-REDUNDANCY: replicas, anti-affinity or distinct zones lost."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_004_redundancy import CHECK
from tests.kiban.audit.builders import Export, kiban_city, replicas
from tests.kiban.audit.diff_checks.helpers import findings_of, found


def city(zones: list[str], policy: str | None = "anti-affinity") -> Export:
    export = Export()
    areas = kiban_city(export)
    replicas(export, areas["secure"], "juki/db", zones, policy)
    return export


def test_one_replica_left_is_high_and_names_the_others() -> None:
    (finding,) = findings_of(CHECK, city(["az1", "az2"]), city(["az1"]))
    assert (finding.severity.label, finding.message) == ("high", "juki/db: replicas 2 → 1")
    assert finding.urn is not None and finding.urn.endswith("::juki-db-1") and finding.area == "secure"


def test_fewer_replicas_anti_affinity_and_zones_lost() -> None:
    assert found(CHECK, city(["az1", "az2", "az3"]), city(["az1", "az1"], "soft-anti-affinity")) == [
        ("medium", "juki/db: replicas 3 → 2"),
        ("high", "juki/db: anti-affinity lost (anti-affinity → soft-anti-affinity)"),
        ("high", "juki/db: zones no longer distinct: 2 replicas in 1 (az1)"),
    ]


def test_silent_when_nothing_changed_or_redundancy_grows() -> None:
    assert found(CHECK, city(["az1", "az1"], None), city(["az1", "az1"], None)) == []
    assert found(CHECK, city(["az1", "az1"], None), city(["az1", "az2", "az3"])) == []
