"""The hybrid sample's three site stacks (specs/sample-hybrid.yaml): each audits clean under every rule, the
hybrid rules apply where the site has what they judge, and planted changes are caught by the diff.

Reads the session's renders of the site stacks (tests/conftest.py: portal and gc first, dc1 reading
their outputs by --reference).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kiban.audit.diff import diff_states
from kiban.audit.diff_checks.diff_019_pia import PIA_NOTE
from kiban.audit.engine import run_audit
from kiban.audit.findings import Severity
from kiban.audit.state import state_from_document

# The three site renders (a minute or more): CI's `pytest -m slow`.
pytestmark = pytest.mark.slow

# The hybrid rules that have something to judge at each site; the others do not apply there (no
# Direct Connect at dc1's or the portal's end, only gc is a Government Cloud, no flow the city opens
# toward the portal, no Transit Gateway on OpenStack).
APPLYING = {
    "portal": {
        "KB-HYB-001",
        "KB-HYB-002",
        "KB-HYB-003",
        "KB-HYB-005",
        "KB-HYB-006",
        "KB-HYB-007",
        "KB-HYB-010",
        "KB-PRV-002",
    },
    "gc": {f"KB-HYB-{number:03d}" for number in range(1, 11)} | {"KB-PRV-001"},
    "dc1": {"KB-HYB-001", "KB-HYB-002", "KB-HYB-005", "KB-HYB-006", "KB-HYB-007", "KB-PRV-001", "KB-PRV-002"},
}


def test_every_site_stack_audits_clean(hybrid_states: dict[str, dict[str, Any]]) -> None:
    for site, document in hybrid_states.items():
        report = run_audit(state_from_document(document, site))
        assert report.findings == [], site
        applied = {
            tally.rule.id for tally in report.tallies if tally.passed and tally.rule.id.startswith(("KB-HYB", "KB-PRV"))
        }
        assert applied == APPLYING[site], site


def _resource(document: dict[str, Any], type_: str, name: str) -> dict[str, Any]:
    for resource in document["deployment"]["resources"]:
        if resource["type"] == type_ and resource["urn"].endswith(f"::{name}"):
            return resource  # type: ignore[no-any-return]
    raise KeyError(name)


def test_planted_changes_at_the_government_cloud_site(hybrid_states: dict[str, dict[str, Any]]) -> None:
    before = hybrid_states["gc"]
    after = copy.deepcopy(before)
    inventory = _resource(after, "pulumi:pulumi:Stack", "kiban-sample-hybrid-gc")["outputs"]["inventory"]
    next(link for link in inventory["links"] if link["id"] == "dc1-gc")["encryption"] = "none"
    inventory["business_sites"]["juki"] = "dc1"
    next(flow for flow in inventory["cross_site_flows"] if flow["flow"] == "portal-shinsei")["data"] = "special_care"
    vpn = _resource(after, "aws:ec2/vpnConnection:VpnConnection", "dc1-gc-vpn")
    vpn["inputs"]["tunnel1IkeVersions"] = ["ikev1", "ikev2"]
    report = diff_states(state_from_document(before, "gc"), state_from_document(after, "gc planted"))
    assert [(finding.severity.label, finding.rule, finding.message) for finding in report.findings] == [
        ("critical", "KB-DIFF-LINKCRYPTO", "link dc1-gc encryption ipsec → none"),
        # What the audit of the planted state newly fails, each rule named (issue 21).
        (
            "critical",
            "KB-DIFF-RULE",
            "KB-HYB-004 (Direct Connect prefixes only from the link's areas) now fails: link dc1-gc: allowed prefix "
            "172.16.200.0/24 lies outside its areas (mynumber)",
        ),
        (
            "critical",
            "KB-DIFF-RULE",
            "KB-HYB-001 (Links carrying personal data are encrypted) now fails: link dc1-gc carries my_number "
            "(flow gc-to-dc1-renkei) but is not encrypted (encryption: none)",
        ),
        (
            "critical",
            "KB-DIFF-RULE",
            "KB-PRV-001 (My Number data confined) now fails: my_number flow gc-to-dc1-renkei "
            "(gc:integration_hub@mynumber → dc1:integration_hub@mynumber) rides link dc1-gc, which is not encrypted",
        ),
        ("high", "KB-DIFF-DATACLASS", "cross-site flow portal-shinsei now carries special_care (was personal)"),
        ("high", "KB-DIFF-LINKCRYPTO", "link dc1-gc: dc1-gc-vpn: tunnel1: IKE versions ikev1, ikev2 (IKEv2 only)"),
        ("high", "KB-DIFF-SITE", "business juki moves from site gc to site dc1 (government_cloud → on_prem)"),
        ("low", "KB-PRV-004", f"{PIA_NOTE} (site dc1, site gc, link dc1-gc)"),
    ]
    audit = run_audit(state_from_document(after, "gc planted"))
    # Declared unencrypted, the link may no longer advertise its tunnels' outside block (KB-HYB-004).
    rules = ["KB-HYB-001", "KB-HYB-004", "KB-HYB-006", "KB-PRV-001"]
    assert sorted({finding.rule for finding in audit.findings}) == rules


def test_the_operations_rules_judge_each_site_with_hosts_and_catch_an_edited_render(
    hybrid_states: dict[str, dict[str, Any]],
) -> None:
    for site, document in hybrid_states.items():
        report = run_audit(state_from_document(document, site))
        applied = {tally.rule.id for tally in report.tallies if tally.passed and tally.rule.id.startswith("KB-OPS")}
        assert applied == (set() if site == "portal" else {"KB-OPS-001", "KB-OPS-002"}), site  # the portal: no hosts
    after = copy.deepcopy(hybrid_states["gc"])
    inventory = _resource(after, "pulumi:pulumi:Stack", "kiban-sample-hybrid-gc")["outputs"]["inventory"]
    dropped = {("juki/batch", "job_management@mynumber"), ("juki/app", "time_name@mynumber")}
    inventory["flows"] = [
        rule for rule in inventory["flows"] if (rule["from"]["group"], rule["to"]["group"]) not in dropped
    ]
    report = run_audit(state_from_document(after, "gc edited"))
    assert [(finding.rule, finding.message) for finding in report.findings if finding.rule.startswith("KB-OPS")] == [
        (
            "KB-OPS-001",
            "juki/batch (mynumber): no planned rule to job_management@mynumber: not reached by job management",
        ),
        ("KB-OPS-002", "juki/app (mynumber): no planned rule to time_name@mynumber: no time or name source"),
    ]


def test_issue_21_breaks_at_the_government_cloud_site_fail_both_audit_and_diff(
    hybrid_states: dict[str, dict[str, Any]],
) -> None:
    """Issue 21 item 2: what the audit newly fails, the diff reports, at the audit's severity."""
    before = hybrid_states["gc"]
    after = copy.deepcopy(before)
    # A route from the My Number route table to the public cloud's block (KB-HYB-002).
    route = copy.deepcopy(_resource(after, "aws:ec2transitgateway/route:Route", "dc1-gc-to-10.10.0.0-25"))
    route["urn"] = route["urn"].replace("::dc1-gc-to-10.10.0.0-25", "::to-portal")
    route["id"] = "to-portal-route"
    route["inputs"]["destinationCidrBlock"] = "10.130.0.0/24"
    after["deployment"]["resources"].append(route)
    # The Transit Gateway propagating every attachment into one default table (KB-HYB-003).
    _resource(after, "aws:ec2transitgateway/transitGateway:TransitGateway", "gc-tgw")["inputs"][
        "defaultRouteTablePropagation"
    ] = "enable"
    # A pre-shared key left in plain text (KB-HYB-007).
    _resource(after, "aws:ec2/vpnConnection:VpnConnection", "dc1-gc-vpn")["inputs"]["tunnel1PresharedKey"] = "plain"
    # The My Number block added beside the tunnels' outside block on the IPsec link's Direct Connect (KB-HYB-009).
    association = _resource(after, "aws:directconnect/gatewayAssociation:GatewayAssociation", "dc1-gc-dxgw-association")
    association["inputs"]["allowedPrefixes"] = ["172.16.200.0/24", "10.11.0.0/16"]
    old, new = state_from_document(before, "gc"), state_from_document(after, "gc planted")
    audit = run_audit(new)
    newly = {"KB-HYB-002", "KB-HYB-003", "KB-HYB-007", "KB-HYB-009"}
    assert {finding.rule for finding in audit.findings} == newly
    report = diff_states(old, new)
    named = {str(finding.details.get("audit_rule")) for finding in report.findings if finding.rule == "KB-DIFF-RULE"}
    assert named == newly
    assert all(finding.severity == Severity.CRITICAL for finding in report.findings if finding.rule == "KB-DIFF-RULE")
    assert report.exit_code(Severity.CRITICAL) == audit.exit_code(Severity.CRITICAL) == 3
    assert diff_states(new, new).findings == []
