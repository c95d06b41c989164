"""KB-HA-002: distinct failure domains per replicated tier."""

from __future__ import annotations

from kiban.audit.rules.ha_002_failure_domains import RULE
from tests.kiban.audit.builders import Export, replicas
from tests.kiban.audit.rules.helpers import verdicts


def test_zones() -> None:
    export = Export()
    replicas(export, export.root, "spread", ["az1", "az2", "az3"])
    replicas(
        export, export.root, "four", ["az1", "az2", "az3", "az1"]
    )  # 4 replicas, 3 zones: a shared zone is unavoidable
    replicas(export, export.root, "packed", ["az1", "az1"])
    assert verdicts(RULE, export) == [
        (True, "four-1", ""),
        (False, "packed-1", "packed: 2 replicas in 1 zone(s) (az1); 2 are possible"),
        (True, "spread-1", ""),
    ]


def test_a_replica_without_a_zone() -> None:
    export = Export()
    members = replicas(export, export.root, "app", ["az1", "az2"])
    del export.by_urn[members[1]]["inputs"]["availabilityZone"]
    assert verdicts(RULE, export) == [(False, "app-1", "app: 1 of 2 replicas name no availability zone")]
