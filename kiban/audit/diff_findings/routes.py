"""KB-DIFF-ROUTE and KB-DIFF-PEERING: a change opens a route out of an area (audit.routing judges both states)."""

from __future__ import annotations

from kiban.audit.changes import ResourceChange
from kiban.audit.findings import Finding, RuleInfo, Severity
from kiban.audit.model import StackView
from kiban.audit.routing import INTERNET_ROUTE, PEERING, RouteProblem, problems

ROUTE_RULE = RuleInfo(
    "KB-DIFF-ROUTE",
    "Route to the internet from the high or middle area",
    Severity.CRITICAL,
    "A route in the high or middle area now leads to an internet, egress-only internet or NAT gateway "
    "(critical: the area reaches the internet), a default route (0.0.0.0/0, ::/0) leaves such an area through "
    "anything else (high), or such a gateway is attached to such an area's network (high). Reported when the new "
    "state has it and the old one did not (the same judgement as KB-NET-005).",
)
PEERING_RULE = RuleInfo(
    "KB-DIFF-PEERING",
    "Peering joins areas without declared flows",
    Severity.CRITICAL,
    "A route over a VPC peering now joins the high area and the internet area (critical: 三層分離 broken), or "
    "two areas between which the flow plan declares no flow (high). Reported when the new state has it and the "
    "old one did not (the same judgement as KB-NET-006).",
)


def _new_problems(old: StackView, new: StackView, kind: str) -> list[RouteProblem]:
    if not any(True for _ in new.having("routes")) and not any(True for _ in new.having("links")):
        return []
    before = {(problem.urn, problem.message) for problem in problems(old) if problem.kind == kind}
    return [p for p in problems(new) if p.kind == kind and (p.urn, p.message) not in before]


def _findings(rule: str, new: StackView, found: list[RouteProblem]) -> list[Finding]:
    findings = []
    for problem in found:
        location = new.location(problem.urn)
        findings.append(Finding(rule, problem.severity, problem.message, problem.urn, location.area, location.tenant))
    return findings


class _Module:
    """One finding kind over the shared route judgement (the shape audit.diff expects: RULE and find)."""

    def __init__(self, rule: RuleInfo, kind: str) -> None:
        self.RULE = rule
        self.kind = kind

    def find(self, old: StackView, new: StackView, changes: list[ResourceChange]) -> list[Finding]:
        return _findings(self.RULE.id, new, _new_problems(old, new, self.kind))


internet_routes = _Module(ROUTE_RULE, INTERNET_ROUTE)
peerings = _Module(PEERING_RULE, PEERING)
