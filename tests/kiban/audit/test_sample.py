"""The built-in sample city (~3,100 resources): it audits clean, and an edit of its spec diffs as expected.

The clean audit reads the session's render of the sample stack (tests/conftest.py); the edit needs two
more renders of the sample without placement (minutes), so it is marked slow (CI's `pytest -m slow`).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from kiban.audit.changes import ChangeKind
from kiban.audit.diff import diff_states
from kiban.audit.engine import run_audit
from kiban.audit.findings import Severity
from kiban.audit.rules import all_rules
from kiban.audit.state import StackState, state_from_document
from tests.conftest import SAMPLE_SPEC
from tests.kiban.audit.builders import rendered, zone_finding

# Rules the OpenStack provider gives nothing to judge: encryption comes with the volume type, and
# there is no instance metadata service option (the sample reads its config drive); routes and
# peerings between networks are AWS resources (OpenStack areas share no router).
AWS_ONLY = {"KB-ENC-001", "KB-IMDS-001", "KB-NET-005", "KB-NET-006"}
# Rules of a city over several sites: a single-site stack has no site in its inventory, so they do not apply.
HYBRID_ONLY = {rule.id for rule in all_rules() if rule.id.startswith(("KB-HYB-", "KB-PRV-"))}


@pytest.fixture(scope="module")
def sample() -> StackState:
    return state_from_document(rendered(SAMPLE_SPEC.read_text(encoding="utf-8")), "sample")


@pytest.fixture(scope="module")
def sample_stack(sample_openstack_state: dict[str, Any]) -> StackState:
    return state_from_document(sample_openstack_state, "sample")


@pytest.fixture(scope="module")
def edited_document() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SAMPLE_SPEC.read_text(encoding="utf-8"))
    businesses = {business.get("id"): business for business in data["businesses"]}
    businesses["zaimu-kaikei"]["tiers"]["app"]["anti_affinity"] = False
    businesses["bunsho-kanri"]["tiers"]["web"]["replicas"] = 3
    return rendered(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


@pytest.fixture(scope="module")
def edited(edited_document: dict[str, Any]) -> StackState:
    return state_from_document(edited_document, "edited")


def test_the_sample_audits_clean(sample_stack: StackState) -> None:
    report = run_audit(sample_stack)
    assert report.findings == []
    assert report.exit_code(Severity.LOW) == 0
    for tally in report.tallies:
        assert tally.failed == 0
        assert (tally.passed == 0) == (tally.rule.id in AWS_ONLY | HYBRID_ONLY), tally.rule.id
    assert report.notes == []


@pytest.mark.slow
def test_an_edit_of_the_sample(sample: StackState, edited: StackState, edited_document: dict[str, Any]) -> None:
    report = diff_states(sample, edited)
    assert [(f.severity.label, f.rule, f.message) for f in report.findings] == [
        ("high", "KB-DIFF-REDUNDANCY", "zaimu-kaikei/app: anti-affinity lost (anti-affinity → none)"),
        *zone_finding(edited_document, "zaimu-kaikei/app"),
        # Leaving the server group drops a force-new scheduler hint: both replicas are re-created.
        ("high", "KB-DIFF-REPLICAS", "all 2 replicas of zaimu-kaikei/app are replaced at once (schedulerHints)"),
    ]
    added = sorted((c.type.rsplit(":", 1)[-1], c.name) for c in report.changes if c.kind == ChangeKind.ADDED)
    assert added == [
        ("Instance", "bunsho-kanri-web-3"),
        ("Member", "bunsho-kanri-web-tcp443-bunsho-kanri-web-3"),
        ("Port", "bunsho-kanri-web-3"),
        ("Volume", "bunsho-kanri-web-3-data"),
        ("VolumeAttach", "bunsho-kanri-web-3-data"),
    ]
    removed = [(c.type.rsplit(":", 1)[-1], c.name) for c in report.changes if c.kind == ChangeKind.REMOVED]
    assert removed == [("ServerGroup", "zaimu-kaikei-app")]
    areas = {change.location.area for change in report.changes}
    assert areas == {"lgwan"}
    assert run_audit(edited).exit_code(Severity.HIGH) == 3  # KB-HA-001 now fails for zaimu-kaikei/app
