"""KB-DIFF-RULE: an audit rule that no other diff finding reports fails where it did not."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from kiban.audit.diff_checks.base import Comparison, DiffCheck, newly_failing
from kiban.audit.findings import Finding, Severity
from kiban.audit.rules import Rule, all_rules


class RuleNewlyFails(DiffCheck):
    """An audit rule (KB-NET, KB-TEN, KB-INV, KB-HYB, KB-PRV, KB-OPS, …) fails in the new state on a resource,
    or for a reason, where it did not in the old one, and no other diff finding reports that rule: the finding
    names the rule and says what it says, at the rule's severity (what `kiban audit` of the new state would
    newly fail).

    The catch-all that makes ``kiban diff`` report whatever ``kiban audit``
    would newly fail, by construction (issue 21): every registered rule is run
    through ``newly_failing`` (once per state, shared with the other checks),
    except the rules a check names in ``derived_from`` (KB-DIFF-ENCRYPTION,
    -IMDS, -FILTERING, -ROUTE, -PEERING, -INVENTORY, -LINKCRYPTO), which report
    every new failure of theirs in their own words. A rule added later is
    reported here with no further code. A check with a meaning of its own that
    says the same in its own words names the rule in ``restates`` (KB-DIFF-PATH
    and KB-NET-001, KB-DIFF-REDUNDANCY and KB-HA-001/002, …): where it reports
    on the failing resource at least at the rule's severity, ``kiban diff``
    folds this finding into that one (``fold_restated``: the rule's id goes to
    its ``audit_rules`` detail); elsewhere this finding stands.
    """

    def __init__(self) -> None:
        super().__init__(id="KB-DIFF-RULE", title="Audit rule newly fails", severity=Severity.CRITICAL)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        for rule in left_to_this_check():
            for failure in newly_failing(rule, comparison):
                message = f"{rule.id} ({rule.title}) now fails: {failure.message}"
                details: dict[str, object] = {"audit_rule": rule.id}
                yield self.finding(comparison, rule.severity, message, failure.urn, details=details)


def left_to_this_check() -> list[Rule]:
    """Every registered audit rule no other check derives from."""
    from kiban.audit.diff_checks import all_checks  # the registry imports this module

    derived = {rule.id for check in all_checks() for rule in check.derived_from}
    return [rule for rule in all_rules() if rule.id not in derived]


def fold_restated(findings: list[Finding]) -> list[Finding]:
    """``findings`` with each KB-DIFF-RULE finding that another check restates folded into that check's finding.

    Folded: a new failure of rule R on resource U, when a check that ``restates``
    R has a finding about U (its resource or a related one) at least at R's
    severity. That finding then lists R under ``details["audit_rules"]``, so the
    rule is still named; a failure no such finding covers stays a KB-DIFF-RULE
    finding of its own.
    """
    from kiban.audit.diff_checks import all_checks  # the registry imports this module

    restating = {check.id: {rule.id for rule in check.restates} for check in all_checks() if check.restates}
    hosts = [(index, finding) for index, finding in enumerate(findings) if finding.rule in restating]
    folded: dict[int, set[str]] = {}  # index of the restating finding -> the rules folded into it
    dropped: set[int] = set()
    for index, finding in enumerate(findings):
        rule_id = finding.details.get("audit_rule") if finding.rule == CHECK.id else None
        if not isinstance(rule_id, str):
            continue
        host = _restating(hosts, restating, rule_id, finding)
        if host is not None:
            folded.setdefault(host, set()).add(rule_id)
            dropped.add(index)
    return [
        replace(finding, details={**finding.details, "audit_rules": sorted(folded[index])})
        if index in folded
        else finding
        for index, finding in enumerate(findings)
        if index not in dropped
    ]


def _restating(
    hosts: list[tuple[int, Finding]], restating: dict[str, set[str]], rule_id: str, failure: Finding
) -> int | None:
    """The index of a finding that restates ``rule_id``'s new failure ``failure`` on its resource, if any."""
    if failure.urn is None:
        return None
    for index, finding in hosts:
        if rule_id not in restating[finding.rule] or finding.severity < failure.severity:
            continue
        if failure.urn in (finding.urn, *finding.related):
            return index
    return None


CHECK = RuleNewlyFails()
