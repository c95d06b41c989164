"""KB-HA-001: anti-affinity per replicated tier."""

from __future__ import annotations

from kiban.audit.rules.ha_001_anti_affinity import RULE
from tests.kiban.audit.builders import Export, replicas
from tests.kiban.audit.rules.helpers import verdicts


def test_policies() -> None:
    export = Export()
    replicas(export, export.root, "hard", ["a", "b"], "anti-affinity")
    replicas(export, export.root, "soft", ["a", "b"], "soft-anti-affinity")
    replicas(export, export.root, "none", ["a", "b"], None)
    replicas(export, export.root, "single", ["a"], None)
    assert verdicts(RULE, export) == [
        (True, "hard-1", ""),
        (False, "none-1", "none: 2 replicas without hard anti-affinity (none)"),
        (False, "soft-1", "soft: 2 replicas without hard anti-affinity (soft-anti-affinity)"),
    ]


def test_members_in_different_server_groups() -> None:
    export = Export()
    replicas(export, export.root, "split", ["a"], "anti-affinity", prefix="split-a")
    replicas(export, export.root, "split", ["b"], "anti-affinity", prefix="split-b")
    assert verdicts(RULE, export) == [
        (False, "split-a-1", "split: 2 replicas without hard anti-affinity (members in different placement groups)")
    ]
