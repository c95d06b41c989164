"""The diff corpus: pairs of states with known changes, each asserting the exact findings.

Three kinds of pair:
- renders of the two-area SMALL_CITY and of edits to its spec (each rendered once per session);
- renders edited as JSON, for what no valid spec can produce (an undeclared path, a floating IP);
- hand-written exports in the real `pulumi stack export` format: secrets, provider references,
  pending operations, AWS resources.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from kiban.audit.changes import PARENT, PROVIDER, ChangeKind
from kiban.audit.diff import DiffReport, diff_states
from kiban.audit.findings import Severity
from kiban.audit.report.markdown import diff_markdown
from kiban.audit.report.structure import diff_json
from kiban.audit.state import state_from_document
from tests.conftest import SMALL_CITY
from tests.kiban.audit.builders import (
    INSTANCE,
    NETWORK,
    RULE,
    SEC_GROUP,
    TENANT,
    Export,
    ciphertext,
    find,
    ingress,
    kiban_city,
    plaintext,
    rendered,
    replicas,
    security_group,
    zone_finding,
)

BASE: dict[str, Any] = yaml.safe_load(SMALL_CITY)


def spec(edit: Callable[[dict[str, Any]], None] | None = None) -> str:
    data = copy.deepcopy(BASE)
    if edit is not None:
        edit(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def diff(old: dict[str, Any], new: dict[str, Any]) -> DiffReport:
    return diff_states(state_from_document(old, "OLD"), state_from_document(new, "NEW"))


def found(report: DiffReport) -> list[tuple[str, str, str]]:
    return [(finding.severity.label, finding.rule, finding.message) for finding in report.findings]


def base() -> dict[str, Any]:
    return rendered(spec())


# -- renders of spec edits ----------------------------------------------------------------------------


def test_the_same_spec_rendered_twice_has_no_change() -> None:
    report = diff(base(), base())
    assert report.changes == [] and report.findings == []
    assert report.exit_code(Severity.HIGH) == 0
    assert report.providers_ignored == 3  # the default provider and the two businesses'


def test_a_declared_flow_widens_the_path_between_areas_at_both_ends() -> None:
    def add_flow(data: dict[str, Any]) -> None:
        data["flows"].append(
            {
                "id": "lean-hub",
                "from": {"business": "lean", "tier": "app"},
                "to": {"middleware": "integration_hub", "area": "secure"},
                "ports": [443],
                "purpose": "x",
            }
        )

    report = diff(base(), rendered(spec(add_flow)))
    assert found(report) == [
        (
            "medium",
            "KB-DIFF-PATH",
            "wider path office → secure: integration-hub-secure (integration-hub-secure-in-lean-app-tcp443) ingress 443/tcp from 10.20.9.0/24 (declared: flow lean-hub)",
        ),
        (
            "medium",
            "KB-DIFF-PATH",
            "wider path office → secure: lean-app (lean-app-out-integration-hub-secure-tcp443) egress 443/tcp to 10.10.0.128/25 (declared: flow lean-hub)",
        ),
    ]
    # Nothing is re-created: the hub's user data no longer carries the flows (issue 10, item 1).
    assert report.counts() == {"added": 2, "removed": 0, "updated": 1, "replaced": 0}
    assert report.exit_code(Severity.HIGH) == 1
    assert report.exit_code(Severity.MEDIUM) == 3
    # Taking the flow away again only narrows: changes, no findings.
    back = diff(rendered(spec(add_flow)), base())
    assert back.findings == [] and back.counts()["removed"] == 2


def test_fewer_replicas() -> None:
    def one_web(data: dict[str, Any]) -> None:
        data["businesses"][0]["tiers"]["web"] = {
            "replicas": 1,
            "redundant": False,
            "anti_affinity": False,
            "vcpu": 2,
            "ram_gb": 4,
            "disk": {"tier": "fast", "size_gb": 20},
        }

    report = diff(base(), rendered(spec(one_web)))
    assert found(report) == [
        ("high", "KB-DIFF-REDUNDANCY", "full/web: replicas 2 → 1"),
        # The survivor leaves its server group: a scheduler hint is force-new, so it is re-created too.
        ("high", "KB-DIFF-REPLICAS", "all 2 replicas of full/web are replaced at once (schedulerHints)"),
    ]
    removed = sorted((c.type.rsplit(":", 1)[-1], c.name) for c in report.changes if c.kind == ChangeKind.REMOVED)
    assert removed == [
        ("Instance", "full-web-2"),
        ("Member", "full-web-tcp443-full-web-2"),
        ("Port", "full-web-2"),
        ("ServerGroup", "full-web"),
        ("Volume", "full-web-2-data"),
        ("VolumeAttach", "full-web-2-data"),
    ]
    (vm,) = [c for c in report.changes if c.name == "full-web-1"]
    assert [(p.path, p.kind) for p in vm.properties] == [("schedulerHints", "removed")]
    assert report.exit_code(Severity.HIGH) == 3


def test_anti_affinity_turned_off() -> None:
    def off(data: dict[str, Any]) -> None:
        data["businesses"][1]["tiers"]["app"]["anti_affinity"] = False

    new = rendered(spec(off))
    report = diff(base(), new)
    assert found(report) == [
        ("high", "KB-DIFF-REDUNDANCY", "lean/app: anti-affinity lost (anti-affinity → none)"),
        *zone_finding(new, "lean/app"),
        ("high", "KB-DIFF-REPLICAS", "all 2 replicas of lean/app are replaced at once (schedulerHints)"),
    ]
    (removed,) = [change for change in report.changes if change.kind == ChangeKind.REMOVED]
    assert (removed.type, removed.name) == ("openstack:compute/serverGroup:ServerGroup", "lean-app")


def test_vlans_renumbered() -> None:
    def renumber(data: dict[str, Any]) -> None:
        data["areas"][0]["vlans"] = {"first": 250, "last": 299}

    report = diff(base(), rendered(spec(renumber)))
    assert found(report) == [
        ("medium", "KB-DIFF-VLAN", "full: VLAN 201 → 251"),
        ("medium", "KB-DIFF-VLAN", "lean: VLAN 202 → 252"),
        ("medium", "KB-DIFF-VLAN", "office-platform: VLAN 200 → 250"),
    ]
    (change,) = [c for c in report.changes if c.name == "lean"]
    assert [(p.path, p.before, p.after) for p in change.properties] == [("segments[0].segmentationId", 202, 252)]


def test_a_declared_external_flow_into_the_high_area() -> None:
    def eltax(data: dict[str, Any]) -> None:
        data["flows"].append(
            {
                "id": "eltax",
                "from": {"external": "eLTAX", "area": "office", "cidr": "192.0.2.0/26"},
                "to": {"middleware": "integration_hub", "area": "secure"},
                "ports": ["443/tcp"],
                "purpose": "特定通信",
            }
        )

    report = diff(base(), rendered(spec(eltax)))
    assert found(report) == [
        (
            "medium",
            "KB-DIFF-PATH",
            "new path (outside) → secure: integration-hub-secure (integration-hub-secure-in-external-eLTAX-office-tcp443) ingress 443/tcp from 192.0.2.0/26 beyond the areas (declared: flow eltax)",
        ),
    ]


# -- renders edited as JSON ---------------------------------------------------------------------------


def test_an_undeclared_wider_path_into_the_high_area() -> None:
    new = base()
    find(new, RULE, "integration-hub-secure-in-integration-hub-office-tcp443")["inputs"]["remoteIpPrefix"] = (
        "10.20.0.0/16"
    )
    report = diff(base(), new)
    assert found(report) == [
        (
            "critical",
            "KB-DIFF-PATH",
            "wider path office → secure: integration-hub-secure (integration-hub-secure-in-integration-hub-office-tcp443) ingress 443/tcp from 10.20.0.0/16 (no declared flow allows it)",
        ),
    ]
    (change,) = report.changes
    assert [(p.path, p.before, p.after) for p in change.properties] == [
        ("remoteIpPrefix", "10.20.0.128/25", "10.20.0.0/16")
    ]


def _copy_rule(document: dict[str, Any], name: str, new_name: str, **inputs: Any) -> None:
    rule = copy.deepcopy(find(document, RULE, name))
    rule["urn"] = rule["urn"].rsplit("::", 1)[0] + f"::{new_name}"
    rule["id"] = f"{rule['id'][:-4]}beef"
    rule["inputs"].update(inputs)
    document["deployment"]["resources"].append(rule)


def test_ingress_from_anywhere_and_more_ports_in_the_middle_area() -> None:
    new = base()
    _copy_rule(
        new,
        "full-web-in-load-balancer-office-tcp443",
        "full-web-in-anywhere-tcp22",
        remoteIpPrefix="0.0.0.0/0",
        portRangeMin=22,
        portRangeMax=22,
    )
    _copy_rule(
        new,
        "full-web-in-load-balancer-office-tcp443",
        "full-web-in-lb-tcp8000-8080",
        portRangeMin=8000,
        portRangeMax=8080,
    )
    report = diff(base(), new)
    assert found(report) == [
        (
            "critical",
            "KB-DIFF-ANYWHERE",
            "full-web (full-web-in-anywhere-tcp22): ingress 22/tcp from anywhere (0.0.0.0/0)",
        ),
        (
            "critical",
            "KB-DIFF-PATH",
            "new path anywhere → office: full-web (full-web-in-anywhere-tcp22) ingress 22/tcp from 0.0.0.0/0 "
            "(every address; no declared flow allows it)",
        ),
        (
            "medium",
            "KB-DIFF-INGRESS",
            "full-web (full-web-in-lb-tcp8000-8080): now accepts 8000-8080/tcp from 10.20.1.0/25",
        ),
    ]
    # KB-NET-002 newly fails on the same rule: the finding stands for it (KB-DIFF-RULE folded into it).
    assert report.findings[0].details == {"newly_allowed": ["22/tcp 0.0.0.0/0"], "audit_rules": ["KB-NET-002"]}


def test_filtering_off_exposure_and_a_move_between_projects() -> None:
    new = base()
    find(new, NETWORK, "lean")["inputs"]["portSecurityEnabled"] = False
    lean_vm = find(new, INSTANCE, "lean-app-1")
    full_provider = find(new, "pulumi:providers:openstack", "full")
    lean_vm["provider"] = f"{full_provider['urn']}::{full_provider['id']}"
    tenant = find(new, TENANT, "lean")
    new["deployment"]["resources"].append(
        {"urn": tenant["urn"].replace("kiban:tenancy:BusinessTenant::lean", "kiban:tenancy:BusinessTenant$openstack:networking/floatingIp:FloatingIp::lean-fip"),
         "type": "openstack:networking/floatingIp:FloatingIp", "custom": True, "id": "f0000000-0000-4000-8000-000000000001",
         "inputs": {"pool": "public"}, "outputs": {"pool": "public", "address": "203.0.113.9"}, "parent": tenant["urn"],
         "provider": lean_vm["provider"]}
    )  # fmt: skip
    report = diff(base(), new)
    assert found(report) == [
        ("critical", "KB-DIFF-EXPOSURE", "lean-fip: floating IP added"),
        ("critical", "KB-DIFF-FILTERING", "lean: port security disabled on the network"),
        # The new floating IP is placed by the full tenant's provider: not a move (it is new), but KB-TEN-001.
        (
            "high",
            "KB-DIFF-RULE",
            "KB-TEN-001 (Tenancy isolation) now fails: resource of tenant lean placed in tenant full's project "
            "(provider)",
        ),
        (
            "high",
            "KB-DIFF-TENANCY",
            "lean-app-1 moved to another project/account: project kiban-lean → project kiban-full",
        ),
    ]
    (vm,) = [change for change in report.changes if change.name == "lean-app-1"]
    assert [p.path for p in vm.properties] == [PROVIDER]


def test_a_business_moved_to_the_high_area_opens_the_paths_its_rules_carry() -> None:
    new = base()
    secure = find(new, "kiban:network:SecurityArea", "secure")
    find(new, TENANT, "lean")["parent"] = secure["urn"]
    report = diff(base(), new)
    moved = [f for f in report.findings if f.rule == "KB-DIFF-TENANCY"]
    assert [(f.severity.label, f.message) for f in moved] == [
        ("critical", "24 resources moved to another security area: office → secure")
    ]
    # Reported once, at the tenant; the 23 resources under it are its related locations.
    assert moved[0].urn == find(new, TENANT, "lean")["urn"] and len(moved[0].related) == 23
    paths = sorted(f.message for f in report.findings if f.rule == "KB-DIFF-PATH")
    # Its unchanged rules now lead from the high area to the office's shared middleware.
    assert paths == [
        "new path secure → office: lean-app (lean-app-out-database-office-tcp5432) egress 5432/tcp to 10.20.1.128/25 (no declared flow allows it)",
        "new path secure → office: lean-app (lean-app-out-integration-hub-office-tcp443) egress 443/tcp to 10.20.0.128/25 (no declared flow allows it)",
        "new path secure → office: lean-app (lean-app-out-monitoring-office-tcp514) egress 514/tcp to 10.20.2.0/25 (no declared flow allows it)",
        "new path secure → office: lean-app (lean-app-out-time-name-office-udp123) egress 123/udp to 10.20.2.128/25 (no declared flow allows it)",
    ]
    assert {f.severity for f in report.findings if f.rule == "KB-DIFF-PATH"} == {Severity.CRITICAL}
    assert [(c.name, [p.path for p in c.properties]) for c in report.changes] == [("lean", [PARENT])]


# -- hand-written exports -----------------------------------------------------------------------------


def _city_with_secrets(password: dict[str, str], token: str, replaced: bool = False) -> Export:
    export = Export(time="2026-05-02T10:00:00.000Z" if replaced else "2026-05-01T09:00:00.000Z")
    areas = kiban_city(export)
    tenant = export.add(TENANT, "juki", parent=areas["secure"], custom=False)
    # A replaced security group keeps its URN but gets a new id; its rules then name the new id.
    group = export.add(
        SEC_GROUP,
        "juki-app",
        {"name": "juki-app", "deleteDefaultRules": True},
        parent=tenant,
        id="0b5e0000-0000-4000-8000-00000000000" + ("2" if replaced else "1"),
    )
    export.add(
        RULE,
        "juki-app-in-web",
        {
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": "tcp",
            "portRangeMin": 8443,
            "portRangeMax": 8443,
            "remoteIpPrefix": "10.10.4.0/24",
            "securityGroupId": export.id_of(group),
        },
        parent=group,
        depends={"securityGroupId": [group]},
    )
    export.add(
        INSTANCE,
        "juki-db-1",
        {
            "name": "juki-db-1",
            "adminPass": password,
            "userData": plaintext("#cloud-config\npassword: hunter2\n"),
            "metadata": {"token": token},
        },
        parent=tenant,
    )
    return export


def test_secrets_are_never_shown_and_a_changed_secret_is_only_said_to_change() -> None:
    old = _city_with_secrets(ciphertext("old-password"), "tok-1").document()
    new = _city_with_secrets(ciphertext("new-password"), "tok-2").document()
    report = diff(old, new)
    (change,) = report.changes
    assert [(p.path, p.kind, p.secret) for p in change.properties] == [
        ("adminPass", "changed", True),
        ("metadata.token", "changed", True),
    ]
    assert report.findings == []
    rendered_forms = json.dumps(diff_json(report), ensure_ascii=False) + diff_markdown(report)
    for secret in ("old-password", "new-password", "tok-1", "tok-2", "hunter2", "v1:", "plaintext"):
        assert secret not in rendered_forms
    assert '"secret": true' in rendered_forms and "[secret] changed" in rendered_forms


def test_noise_is_not_a_change() -> None:
    """A replaced resource's new id, a replaced provider, outputs, the manifest time and __defaults."""
    old = _city_with_secrets(ciphertext("pw"), "t").document()
    new_export = _city_with_secrets(ciphertext("pw"), "t", replaced=True)
    for resource in new_export.resources:
        if "provider" in resource:
            resource["provider"] = resource["provider"].rsplit("::", 1)[0] + "::77777777-0000-4000-8000-000000000000"
        if resource.get("custom"):
            resource["outputs"]["modifiedAt"] = "2026-05-02"
            resource["inputs"]["__defaults"] = ["region"]
    report = diff(old, new_export.document())
    assert report.changes == [] and report.findings == []
    assert report.exit_code(Severity.LOW) == 0


def test_two_different_stacks_are_matched_by_type_and_name() -> None:
    """Staging against production: URNs differ only in the stack's name."""
    staging, production = Export(stack="city-staging"), Export(stack="city-prod")
    for export, prefix in ((staging, "10.10.5.0/24"), (production, "10.10.0.0/16")):
        areas = kiban_city(export)
        security_group(export, areas["secure"], "juki-app", [ingress("juki-app-in", prefix, 8443)])
    report = diff(staging.document(), production.document())
    assert [(c.kind.value, c.name) for c in report.changes] == [("updated", "juki-app-in")]
    assert found(report) == [
        ("medium", "KB-DIFF-INGRESS", "juki-app (juki-app-in): now accepts 8443/tcp from 10.10.0.0/16")
    ]
    assert report.notes == [
        "OLD and NEW are different stacks: resources matched by type and name "
        "(urn:pulumi:city-staging::kiban:: → urn:pulumi:city-prod::kiban::)"
    ]


def test_pending_operations_and_replacements_waiting_for_deletion() -> None:
    export = Export()
    areas = kiban_city(export)
    export.add(INSTANCE, "hub-1", {"name": "hub-1"}, parent=areas["office"])
    old = export.document()
    stale = copy.deepcopy(old["deployment"]["resources"][-1])
    stale["delete"] = True
    old["deployment"]["resources"].insert(0, stale)
    pending = [
        {
            "resource": {
                "urn": "urn:pulumi:city-prod::kiban::openstack:compute/instance:Instance::hub-2",
                "type": INSTANCE,
            },
            "type": "creating",
        }
    ]
    report = diff(old, export.document(pending))
    assert found(report) == [
        (
            "medium",
            "KB-DIFF-PENDING",
            "NEW state: interrupted operation (creating) on hub-2: the cloud may differ from the state",
        )
    ]
    assert report.notes == ["OLD state: 1 replaced resource(s) waiting to be deleted, not compared"]
    assert report.exit_code(Severity.HIGH) == 1


def test_redundancy_on_hand_written_replicas() -> None:
    def city(zones: list[str], policy: str | None) -> dict[str, Any]:
        export = Export()
        areas = kiban_city(export)
        replicas(export, areas["secure"], "juki/db", zones, policy)
        return export.document()

    report = diff(city(["az1", "az2", "az3"], "anti-affinity"), city(["az1", "az1"], "affinity"))
    assert found(report) == [
        ("high", "KB-DIFF-REDUNDANCY", "juki/db: anti-affinity lost (anti-affinity → affinity)"),
        ("high", "KB-DIFF-REDUNDANCY", "juki/db: zones no longer distinct: 2 replicas in 1 (az1)"),
        (
            "high",
            "KB-DIFF-REPLICAS",
            "all 3 replicas of juki/db are replaced at once (availabilityZone, schedulerHints)",
        ),
        ("medium", "KB-DIFF-REDUNDANCY", "juki/db: replicas 3 → 2"),
    ]


def test_aws_encryption_imds_exposure_and_account_moves() -> None:
    def city(hardened: bool, account: str) -> dict[str, Any]:
        export = Export()
        areas = kiban_city(export)
        tenant = export.add(TENANT, "juki", parent=areas["portal"], custom=False)
        provider = export.provider(
            "juki",
            {"assumeRoles": json.dumps([{"roleArn": f"arn:aws:iam::{account}:role/kiban"}])},
            parent=tenant,
            package="aws",
        )
        export.add(
            "aws:ec2/instance:Instance",
            "web-1",
            {
                "metadataOptions": {"httpTokens": "required" if hardened else "optional"},
                "rootBlockDevice": {"encrypted": hardened},
            },
            parent=tenant,
            provider=provider,
        )
        export.add(
            "aws:ebs/volume:Volume", "data", {"size": 100, "encrypted": hardened}, parent=tenant, provider=provider
        )
        if not hardened:
            export.add("aws:ec2/eip:Eip", "web-ip", {"domain": "vpc"}, parent=tenant, provider=provider)
            group, _ = security_group(export, tenant, "web", [])
            export.by_urn[group]["type"] = SEC_GROUP
        return export.document()

    report = diff(city(True, "111122223333"), city(False, "444455556666"))
    assert found(report) == [
        ("high", "KB-DIFF-ENCRYPTION", "data: EBS volume no longer encrypted"),
        ("high", "KB-DIFF-ENCRYPTION", "web-1: root volume no longer encrypted"),
        ("high", "KB-DIFF-EXPOSURE", "web-ip: elastic IP added"),
        ("high", "KB-DIFF-IMDS", "web-1: instance metadata service no longer requires IMDSv2 tokens"),
        (
            "high",
            "KB-DIFF-TENANCY",
            "2 resources moved to another project/account: account 111122223333 → account 444455556666",
        ),
    ]


def test_a_new_rule_with_no_area_map_is_ingress_widening_only() -> None:
    def plain(prefix: str) -> dict[str, Any]:
        export = Export()
        security_group(export, export.root, "web", [ingress("web-in", prefix, 443)])
        return export.document()

    report = diff(plain("10.0.0.0/24"), plain("10.0.0.0/16"))
    assert found(report) == [("medium", "KB-DIFF-INGRESS", "web (web-in): now accepts 443/tcp from 10.0.0.0/16")]
    assert report.notes == [
        "NEW state has no area map (no kiban inventory or SecurityArea): paths are not resolved to areas"
    ]


@pytest.mark.parametrize("fail_on", [None, Severity.LOW])
def test_exit_codes(fail_on: Severity | None) -> None:
    same = diff(base(), base())
    assert same.exit_code(fail_on) == 0
