"""KB-DIFF-RULE and the promise it completes: ``kiban diff`` reports whatever ``kiban audit`` would newly fail.

Every registered audit rule has a plant here: a stack built twice, once keeping
the rule and once breaking it. The diff from the first to the second must report
the rule (through the check that derives from it, or KB-DIFF-RULE), at least at
the rule's severity, exactly once; the diff of the broken state with itself must
not. A rule added to the registry without a plant fails the first test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kiban.audit.diff import DiffReport, diff_states
from kiban.audit.diff_checks import all_checks, check_by_id
from kiban.audit.diff_checks.diff_020_rules import CHECK, left_to_this_check
from kiban.audit.findings import Finding
from kiban.audit.model import StackView
from kiban.audit.rules import Rule, all_rules, rule_by_id
from kiban.audit.state import state_from_document
from tests.kiban.audit.builders import (
    INSTANCE,
    NETWORK,
    PROJECT,
    TENANT,
    Export,
    ingress,
    kiban_city,
    replicas,
    security_group,
)
from tests.kiban.audit.diff_checks.aws_city import AwsCity
from tests.kiban.audit.diff_checks.helpers import found
from tests.kiban.audit.hybrid_city import (
    DX_ASSOCIATION,
    TGW,
    TGW_ASSOCIATION,
    TGW_ROUTE,
    TGW_TABLE,
    VPN,
    SiteStack,
    vpn_connection,
)
from tests.kiban.audit.rules.ops_city import drop_rules, ops_stack
from tests.kiban.audit.rules.test_hyb_010_no_transit_between_sites import gc_of_two_data_centres, join, link_table

# A stack keeping the rule (False) or breaking it (True); both built the same way, so their URNs line up.
Plant = Callable[[bool], Export]
VOLUME = "aws:ebs/volume:Volume"
AWS_INSTANCE = "aws:ec2/instance:Instance"
FLOATING_IP = "openstack:networking/floatingIp:FloatingIp"
OUTSIDE_BLOCK = "10.99.0.0/24"


def encryption(broken: bool) -> Export:
    export = Export()
    export.add(VOLUME, "data", {"size": 100, "encrypted": not broken})
    return export


def imdsv2(broken: bool) -> Export:
    export = Export()
    export.add(AWS_INSTANCE, "web-1", {"metadataOptions": {"httpTokens": "optional" if broken else "required"}})
    return export


def exposure(broken: bool) -> Export:
    export = Export()
    areas = kiban_city(export)
    if broken:
        export.add(FLOATING_IP, "secure-fip", {"pool": "public"}, parent=areas["secure"])
    return export


def anti_affinity(broken: bool) -> Export:
    export = Export()
    replicas(export, export.root, "juki/app", ["az1", "az2"], "soft-anti-affinity" if broken else "anti-affinity")
    return export


def failure_domains(broken: bool) -> Export:
    """Two zones in the stack (the hub's), and juki/app in both or packed into one."""
    export = Export()
    replicas(export, export.root, "hub", ["az1", "az2"])
    replicas(export, export.root, "juki/app", ["az1", "az1"] if broken else ["az1", "az2"])
    return export


def declared_paths(broken: bool) -> Export:
    export = Export()
    areas = kiban_city(export)
    group, _ = security_group(
        export, areas["secure"], "hub", [ingress("hub-in", "10.20.0.128/25", 22 if broken else 443)]
    )
    export.by_urn[group]["inputs"]["tags"] = ["kiban", "group:integration_hub@secure"]
    return export


def ingress_from_anywhere(broken: bool) -> Export:
    export = Export()
    areas = kiban_city(export)
    security_group(export, areas["office"], "web", [ingress("https", "0.0.0.0/0" if broken else "10.20.0.0/16", 443)])
    return export


def one_vlan(broken: bool) -> Export:
    export = Export()
    areas = kiban_city(export)
    segments = [{"networkType": "vlan", "physicalNetwork": "physnet1", "segmentationId": 201 if broken else 101}]
    export.add(NETWORK, "juki", {"name": "juki", "segments": segments}, parent=areas["secure"])
    return export


def filtering(broken: bool) -> Export:
    export = Export()
    export.add(NETWORK, "juki", {"portSecurityEnabled": not broken})
    return export


def route_to_the_internet(broken: bool) -> Export:
    city = AwsCity()
    if broken:
        city.route("secure", "out", "0.0.0.0/0", gatewayId="igw-0a1b2c3d")
    return city.export


def peering(broken: bool) -> Export:
    city = AwsCity(flows=[])
    if broken:
        connection = city.peering("secure", "office")
        city.route("secure", "to-office", "10.20.0.0/16", vpcPeeringConnectionId=city.export.id_of(connection))
    return city.export


def inventory(broken: bool) -> Export:
    export = Export()
    areas = kiban_city(export)
    listed = ["db-1", "db-2"]
    export.by_urn[export.root]["outputs"]["inventory"]["hosts"] = [
        {"name": name, "group": "juki/db"} for name in listed
    ]
    for name in listed[:1] if broken else listed:
        export.add(INSTANCE, name, {"name": name, "metadata": {"kiban-group": "juki/db"}}, parent=areas["secure"])
    return export


def tenancy(broken: bool) -> Export:
    export = Export()
    areas = kiban_city(export)
    projects = {}
    for business in ("juki", "zei"):
        tenant = export.add(TENANT, business, parent=areas["secure"], custom=False)
        projects[business] = (tenant, export.add(PROJECT, business, {"name": f"kiban-{business}"}, parent=tenant))
    owner = projects["zei" if broken else "juki"][1]
    export.add(NETWORK, "juki", {"tenantId": export.id_of(owner)}, parent=projects["juki"][0])
    return export


def link_encryption(broken: bool) -> Export:
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn")
    if broken:
        gc.link("dc1-gc")["encryption"] = "none"
    return gc.export


def internet_from_high(broken: bool) -> Export:
    gc = SiteStack("gc")
    table = gc.add(TGW_TABLE, "gc-tgw-mynumber", {"transitGatewayId": "tgw-0123456789abcdef0"})
    inputs = {
        "transitGatewayRouteTableId": gc.export.id_of(table),
        "destinationCidrBlock": "10.130.0.0/24" if broken else "10.10.0.0/16",  # the portal's block, or dc1's
        "transitGatewayAttachmentId": "tgw-attach-dc1-gc-vpn",
    }
    gc.add(TGW_ROUTE, "mynumber-route", inputs, depends={"transitGatewayRouteTableId": [table]})
    return gc.export


def tgw_segmentation(broken: bool) -> Export:
    portal = SiteStack("portal")
    default = "enable" if broken else "disable"
    portal.add(TGW, "portal-tgw", {"defaultRouteTableAssociation": default, "defaultRouteTablePropagation": "disable"})
    return portal.export


def direct_connect(prefixes: list[str]) -> SiteStack:
    gc = SiteStack("gc")
    gc.link("dc1-gc")["outside_cidr"] = OUTSIDE_BLOCK
    gc.add(DX_ASSOCIATION, "dc1-gc-dxgw-association", {"dxGatewayId": "dxgw-1", "allowedPrefixes": prefixes})
    return gc


def direct_connect_prefixes(broken: bool) -> Export:
    return direct_connect([OUTSIDE_BLOCK, "10.0.0.0/8"] if broken else [OUTSIDE_BLOCK]).export


def vpn_selectors(broken: bool) -> Export:
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn", remoteIpv4NetworkCidr="0.0.0.0/0" if broken else "10.11.0.0/16")
    return gc.export


def ike_strength(broken: bool) -> Export:
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn", tunnel1IkeVersions=["ikev1", "ikev2"] if broken else ["ikev2"])
    return gc.export


def keys_as_secrets(broken: bool) -> Export:
    gc = SiteStack("gc")
    vpn_connection(gc, "dc1-gc-vpn", **({"tunnel2PresharedKey": "not-a-secret"} if broken else {}))
    return gc.export


def residency(broken: bool) -> Export:
    gc = SiteStack("gc")
    gc.add(VPN, "dc1-gc-vpn", {"type": "ipsec.1", "region": "ap-southeast-1" if broken else "ap-northeast-3"})
    return gc.export


def route_around_ipsec(broken: bool) -> Export:
    return direct_connect([OUTSIDE_BLOCK, "10.11.0.0/16"] if broken else [OUTSIDE_BLOCK]).export


def no_transit(broken: bool) -> Export:
    gc, table, attachments = gc_of_two_data_centres()
    for link in ("dc1-gc", "dc2-gc"):
        if broken:  # both data centres' links in the area's table: gc a transit between them
            join(gc, TGW_ASSOCIATION, f"{link}-mynumber", table, attachments[link])
        else:  # kiban's design: each link's attachment in a table of its own
            link_table(gc, link, attachments)
    return gc.export


def operations_coverage(broken: bool) -> Export:
    gc = ops_stack("gc")
    if broken:
        drop_rules(gc, source="juki/batch", destination="job_management@mynumber")
    return gc.export


def time_and_names(broken: bool) -> Export:
    gc = ops_stack("gc")
    if broken:
        drop_rules(gc, source="juki/batch", destination="time_name@mynumber")
    return gc.export


def my_number_confined(broken: bool) -> Export:
    dc1 = SiteStack("dc1")
    if broken:
        dc1.crossing("portal-shinsei")["data"] = "my_number"
    return dc1.export


def public_cloud_ingress(broken: bool) -> Export:
    dc1 = SiteStack("dc1")
    dc1.crossing("portal-shinsei")["one_way"] = not broken
    return dc1.export


def nothing_personal_outward(broken: bool) -> Export:
    dc1 = SiteStack("dc1")
    outward: dict[str, Any] = {
        "flow": "opendata-push",
        "from": {"site": "dc1", "area": "internet", "end": "integration_hub@internet"},
        "to": {"site": "portal", "area": "public", "end": "public_service:resident-portal"},
        "ports": ["443/tcp"],
        "one_way": True,
        "data": "personal" if broken else "anonymized",
        "basis": None,
        "link": "portal-dc1",
    }
    dc1.inventory["cross_site_flows"].append(outward)
    return dc1.export


PLANTS: dict[str, Plant] = {
    "KB-ENC-001": encryption,
    "KB-EXP-001": exposure,
    "KB-HA-001": anti_affinity,
    "KB-HA-002": failure_domains,
    "KB-HYB-001": link_encryption,
    "KB-HYB-002": internet_from_high,
    "KB-HYB-003": tgw_segmentation,
    "KB-HYB-004": direct_connect_prefixes,
    "KB-HYB-005": vpn_selectors,
    "KB-HYB-006": ike_strength,
    "KB-HYB-007": keys_as_secrets,
    "KB-HYB-008": residency,
    "KB-HYB-009": route_around_ipsec,
    "KB-HYB-010": no_transit,
    "KB-IMDS-001": imdsv2,
    "KB-INV-001": inventory,
    "KB-NET-001": declared_paths,
    "KB-NET-002": ingress_from_anywhere,
    "KB-NET-003": one_vlan,
    "KB-NET-004": filtering,
    "KB-NET-005": route_to_the_internet,
    "KB-NET-006": peering,
    "KB-OPS-001": operations_coverage,
    "KB-OPS-002": time_and_names,
    "KB-PRV-001": my_number_confined,
    "KB-PRV-002": public_cloud_ingress,
    "KB-PRV-003": nothing_personal_outward,
    "KB-TEN-001": tenancy,
}


def failing(rule: Rule, export: Export) -> list[str]:
    return [outcome.message for outcome in rule.evaluate(StackView(export.resources)) if not outcome.passed]


def diff(old: Export, new: Export) -> DiffReport:
    return diff_states(state_from_document(old.document(), "OLD"), state_from_document(new.document(), "NEW"))


def reporting(rule: Rule, report: DiffReport) -> list[Finding]:
    """The findings of ``report`` that report ``rule`` newly failing: its deriving check's, KB-DIFF-RULE's, or a
    restating check's that KB-DIFF-RULE's was folded into."""
    derived = {check.id for check in all_checks() if rule in check.derived_from}
    return [
        finding
        for finding in report.findings
        if finding.rule in derived
        or (finding.rule == CHECK.id and finding.details.get("audit_rule") == rule.id)
        or rule.id in folded_rules(finding)
    ]


def folded_rules(finding: Finding) -> list[str]:
    rules = finding.details.get("audit_rules", [])
    assert isinstance(rules, list)
    return rules


def test_every_registered_rule_has_a_plant() -> None:
    assert sorted(PLANTS) == sorted(rule.id for rule in all_rules())


@pytest.mark.parametrize("rule_id", sorted(PLANTS))
def test_a_newly_failing_rule_is_reported_by_the_diff_and_an_unchanged_state_is_not(rule_id: str) -> None:
    rule = rule_by_id(rule_id)
    kept, broken = PLANTS[rule_id](False), PLANTS[rule_id](True)
    assert failing(rule, kept) == [], "the plant keeps the rule in OLD"
    assert failing(rule, broken), "the plant breaks the rule in NEW"
    findings = reporting(rule, diff(kept, broken))
    assert findings, f"kiban diff is blind to {rule_id}"
    assert all(finding.severity >= rule.severity for finding in findings)
    assert len({finding.rule for finding in findings}) == 1, "one check reports the rule, not two"
    assert reporting(rule, diff(broken, broken)) == []
    assert reporting(rule, diff(kept, kept)) == []


def test_each_rule_is_left_to_exactly_one_check() -> None:
    owners: dict[str, list[str]] = {rule.id: [] for rule in all_rules()}
    for check in all_checks():
        for rule in check.derived_from:
            owners[rule.id].append(check.id)
    for rule in left_to_this_check():
        owners[rule.id].append(CHECK.id)
    assert {rule_id: len(checks) for rule_id, checks in owners.items()} == {rule.id: 1 for rule in all_rules()}
    assert owners["KB-HYB-005"] == owners["KB-HYB-006"] == ["KB-DIFF-LINKCRYPTO"]
    assert owners["KB-HYB-009"] == owners["KB-NET-001"] == ["KB-DIFF-RULE"]


def test_the_finding_names_the_rule_and_what_it_says_at_its_severity() -> None:
    assert found(CHECK, route_around_ipsec(False), route_around_ipsec(True)) == [
        (
            "critical",
            "KB-HYB-009 (No route around an IPsec link's encryption) now fails: link dc1-gc is IPsec, but its "
            "Direct Connect allows 10.11.0.0/16 (addresses of gc:mynumber) beside the tunnels' outside block "
            "(10.99.0.0/24): a route around the encryption",
        )
    ]
    assert found(CHECK, time_and_names(False), time_and_names(True)) == [
        (
            "medium",
            "KB-OPS-002 (Time and name sources lead to the city's authority) now fails: juki/batch (mynumber): "
            "no planned rule to time_name@mynumber: no time or name source",
        )
    ]


def test_a_failure_old_already_had_is_not_new_though_the_change_renames_another_resource() -> None:
    old = failure_domains(True)
    new = failure_domains(True)
    old.add(VOLUME, "scratch", {"size": 1, "encrypted": True})
    new.add(VOLUME, "scratch-renamed", {"size": 1, "encrypted": True})
    report = diff(old, new)
    assert report.changes  # the rename is a change
    assert [finding for finding in report.findings if finding.rule == CHECK.id] == []


def test_a_rule_newly_failing_for_another_reason_on_the_same_resource_is_reported() -> None:
    old, new = failure_domains(True), failure_domains(True)
    del new.by_urn[next(urn for urn in new.by_urn if urn.endswith("::juki-app-2"))]["inputs"]["availabilityZone"]
    messages = [message for _, message in found(CHECK, old, new)]
    assert messages == [
        "KB-HA-002 (Distinct failure domains per replicated tier) now fails: "
        "juki/app: 1 of 2 replicas name no availability zone"
    ]


def test_the_registry_lists_the_catch_all_last() -> None:
    assert all_checks()[-1] is CHECK is check_by_id("KB-DIFF-RULE")


def test_a_rule_a_check_restates_on_the_same_resource_is_folded_into_its_finding() -> None:
    report = diff(declared_paths(False), declared_paths(True))
    assert [(finding.rule, folded_rules(finding)) for finding in report.findings] == [("KB-DIFF-PATH", ["KB-NET-001"])]
    # The check alone still reports it: the folding is the diff's, after every check ran.
    assert [severity for severity, _ in found(CHECK, declared_paths(False), declared_paths(True))] == ["critical"]


def three_zones(packed: bool) -> Export:
    """Three zones in the stack, and juki/app spread over them or two of its three replicas sharing one."""
    export = Export()
    replicas(export, export.root, "hub", ["az1", "az2", "az3"])
    replicas(export, export.root, "juki/app", ["az1", "az1", "az3"] if packed else ["az1", "az2", "az3"])
    return export


def test_a_restating_finding_below_the_rules_severity_does_not_swallow_it() -> None:
    report = diff(three_zones(False), three_zones(True))
    assert [(finding.severity.label, finding.rule, folded_rules(finding)) for finding in report.findings] == [
        ("high", "KB-DIFF-RULE", []),  # KB-HA-002 is high; the redundancy finding only medium
        ("medium", "KB-DIFF-REDUNDANCY", []),
    ]


def portal_exposed(middle: bool) -> Export:
    """A floating IP in the portal area, which is the internet area, or (``middle``) re-levelled to middle, where a
    second floating IP, in the high area, appears."""
    export = Export()
    areas = kiban_city(export)
    export.add(FLOATING_IP, "portal-fip", {"pool": "public"}, parent=areas["portal"])
    if middle:
        inventory = export.by_urn[export.root]["outputs"]["inventory"]
        next(area for area in inventory["areas"] if area["id"] == "portal")["level"] = "middle"
        export.add(FLOATING_IP, "secure-fip", {"pool": "public"}, parent=areas["secure"])
    return export


def test_a_restating_finding_about_another_resource_does_not_swallow_it() -> None:
    report = diff(portal_exposed(False), portal_exposed(True))
    exposure = [
        (finding.rule, finding.urn.rsplit("::", 1)[1], folded_rules(finding))
        for finding in report.findings
        if finding.urn is not None and "KB-EXP-001" in (finding.details.get("audit_rule"), *folded_rules(finding))
    ]
    # secure-fip is new: KB-DIFF-EXPOSURE says so and stands for KB-EXP-001 there. portal-fip did not change, but
    # its area is now a middle one: KB-EXP-001 newly fails on it, and no exposure finding covers that.
    assert sorted(exposure) == [("KB-DIFF-EXPOSURE", "secure-fip", ["KB-EXP-001"]), ("KB-DIFF-RULE", "portal-fip", [])]
