"""The registry: one check per file, stable ids in a stable order, a docstring that says when it reports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiban.audit.diff import DIFF_RULES
from kiban.audit.diff_checks import DiffCheck, NewlyFailing, all_checks, check_by_id
from kiban.audit.diff_checks.base import Comparison
from kiban.audit.findings import Finding, Severity

# The order of the SARIF rule table, which code-scanning services index into: new ids go at the end.
IDS = [
    "KB-DIFF-PATH",
    "KB-DIFF-ANYWHERE",
    "KB-DIFF-INGRESS",
    "KB-DIFF-REDUNDANCY",
    "KB-DIFF-ENCRYPTION",
    "KB-DIFF-IMDS",
    "KB-DIFF-EXPOSURE",
    "KB-DIFF-FILTERING",
    "KB-DIFF-TENANCY",
    "KB-DIFF-VLAN",
    "KB-DIFF-PENDING",
    "KB-DIFF-REPLICAS",
    "KB-DIFF-ROUTE",
    "KB-DIFF-PEERING",
    "KB-DIFF-INVENTORY",
    "KB-DIFF-SITE",
    "KB-DIFF-DATACLASS",
    "KB-DIFF-LINKCRYPTO",
    "KB-PRV-004",
    "KB-DIFF-RULE",
]


def test_the_checks_their_ids_and_their_order_are_stable() -> None:
    assert [check.id for check in all_checks()] == IDS
    assert list(DIFF_RULES) == IDS
    assert {check.id: check.severity for check in all_checks()} == {
        "KB-DIFF-PATH": Severity.CRITICAL,
        "KB-DIFF-ANYWHERE": Severity.CRITICAL,
        "KB-DIFF-INGRESS": Severity.MEDIUM,
        "KB-DIFF-REDUNDANCY": Severity.HIGH,
        "KB-DIFF-ENCRYPTION": Severity.HIGH,
        "KB-DIFF-IMDS": Severity.HIGH,
        "KB-DIFF-EXPOSURE": Severity.CRITICAL,
        "KB-DIFF-FILTERING": Severity.CRITICAL,
        "KB-DIFF-TENANCY": Severity.HIGH,
        "KB-DIFF-VLAN": Severity.MEDIUM,
        "KB-DIFF-PENDING": Severity.MEDIUM,
        "KB-DIFF-REPLICAS": Severity.HIGH,
        "KB-DIFF-ROUTE": Severity.CRITICAL,
        "KB-DIFF-PEERING": Severity.CRITICAL,
        "KB-DIFF-INVENTORY": Severity.HIGH,
        "KB-DIFF-SITE": Severity.HIGH,
        "KB-DIFF-DATACLASS": Severity.HIGH,
        "KB-DIFF-LINKCRYPTO": Severity.CRITICAL,
        "KB-PRV-004": Severity.LOW,
        "KB-DIFF-RULE": Severity.CRITICAL,
    }


def test_the_checks_that_mean_a_rule_newly_fails_are_derived_from_it() -> None:
    derived = {check.id: check.rule.id for check in all_checks() if isinstance(check, NewlyFailing)}
    assert derived == {
        "KB-DIFF-ENCRYPTION": "KB-ENC-001",
        "KB-DIFF-IMDS": "KB-IMDS-001",
        "KB-DIFF-FILTERING": "KB-NET-004",
        "KB-DIFF-ROUTE": "KB-NET-005",
        "KB-DIFF-PEERING": "KB-NET-006",
        "KB-DIFF-INVENTORY": "KB-INV-001",
    }


@pytest.mark.parametrize("check", all_checks(), ids=lambda check: check.id)
def test_every_check_says_when_it_reports_and_why_it_is_not_a_rule(check: DiffCheck) -> None:
    description = check.info.description
    assert description and "\n" not in description and "  " not in description
    # The paragraphs after the first are for developers: never shown to users.
    developer = (type(check).__doc__ or "").split("\n\n", 1)[1]
    assert "KB-" in developer or "no audit rule" in developer.lower() or "no rule" in developer.lower()
    assert check_by_id(check.id) is check


def test_a_check_needs_a_proper_id_and_a_docstring() -> None:
    class Nameless(DiffCheck):
        def find(self, comparison: Comparison) -> Iterator[Finding]:
            yield from ()

    with pytest.raises(ValueError, match="docstring"):
        Nameless(id="KB-DIFF-X", title="x", severity=Severity.LOW)
    Nameless.__doc__ = "Reported when ...\n\nWhy not a rule: ..."
    with pytest.raises(ValueError, match="must look like"):
        Nameless(id="KB-NET-001", title="x", severity=Severity.LOW)  # an audit rule's id
    with pytest.raises(ValueError, match="must look like"):
        Nameless(id="NET1", title="x", severity=Severity.LOW)
    assert Nameless(id="KB-PRV-999", title="x", severity=Severity.LOW).id == "KB-PRV-999"  # a policy's own id
    assert Nameless(id="KB-DIFF-X", title="x", severity=Severity.LOW).description == "Reported when ..."
