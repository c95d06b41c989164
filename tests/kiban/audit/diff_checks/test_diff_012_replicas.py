"""KB-DIFF-REPLICAS: every replica of a tier replaced at once."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_012_replicas import CHECK
from tests.kiban.audit.builders import Export, kiban_city, replicas
from tests.kiban.audit.diff_checks.helpers import findings_of, found


def city(zones: list[str], policy: str = "anti-affinity") -> Export:
    export = Export()
    areas = kiban_city(export)
    replicas(export, areas["secure"], "juki/db", zones, policy)
    return export


def test_every_replica_re_created_by_a_force_new_property() -> None:
    (finding,) = findings_of(CHECK, city(["az1", "az2"]), city(["az2", "az1"]))
    assert (finding.severity.label, finding.message) == (
        "high",
        "all 2 replicas of juki/db are replaced at once (availabilityZone)",
    )
    assert finding.urn is not None and finding.urn.endswith("::juki-db-1") and len(finding.related) == 1
    # A new server group (a new id) re-creates every member that names it.
    assert found(CHECK, city(["az1", "az2"]), city(["az1", "az2"], "soft-anti-affinity")) == [
        ("high", "all 2 replicas of juki/db are replaced at once (schedulerHints)")
    ]


def test_silent_when_nothing_changed_or_one_replica_is_kept() -> None:
    assert found(CHECK, city(["az1", "az2"]), city(["az1", "az2"])) == []
    assert found(CHECK, city(["az1", "az2", "az3"]), city(["az1", "az3", "az3"])) == []
