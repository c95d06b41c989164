"""KB-TEN-001: tenancy isolation."""

from __future__ import annotations

from kiban.audit.rules.ten_001_tenancy_isolation import RULE
from tests.kiban.audit.builders import INSTANCE, NETWORK, PROJECT, TENANT, Export, kiban_city
from tests.kiban.audit.rules.helpers import failures


def two_tenants() -> tuple[Export, dict[str, tuple[str, str, str]]]:
    """Tenants juki and zei, each with its project and a provider scoped to it."""
    export = Export()
    areas = kiban_city(export)
    made = {}
    for business in ("juki", "zei"):
        tenant = export.add(TENANT, business, parent=areas["secure"], custom=False)
        project = export.add(PROJECT, business, {"name": f"kiban-{business}"}, parent=tenant)
        provider = export.provider(business, {"tenantId": export.id_of(project)}, parent=tenant)
        made[business] = (tenant, project, provider)
    return export, made


def test_own_project_and_the_platforms_admin_resources_pass() -> None:
    export, made = two_tenants()
    tenant, project, provider = made["juki"]
    export.add(NETWORK, "juki", {"tenantId": export.id_of(project)}, parent=tenant)  # made by the platform for juki
    export.add(INSTANCE, "juki-app-1", {}, parent=tenant, provider=provider)
    assert failures(RULE, export) == []


def test_another_tenants_project_fails() -> None:
    export, made = two_tenants()
    export.add(NETWORK, "juki", {"tenantId": export.id_of(made["zei"][1])}, parent=made["juki"][0])
    export.add(INSTANCE, "juki-app-1", {}, parent=made["juki"][0], provider=made["zei"][2])
    export.add(INSTANCE, "hub-1", {}, parent=export.root, provider=made["zei"][2])
    assert failures(RULE, export) == [
        ("juki", "resource of tenant juki placed in tenant zei's project (tenantId)"),
        ("juki-app-1", "resource of tenant juki placed in tenant zei's project (provider)"),
        ("hub-1", "platform resource placed in tenant zei's project (provider)"),
    ]


def test_two_tenants_in_one_account_fail() -> None:
    export = Export()
    areas = kiban_city(export)
    for business, account in (("juki", "111122223333"), ("zei", "111122223333"), ("kyuyo", "999988887777")):
        tenant = export.add(TENANT, business, parent=areas["portal"], custom=False)
        role = f'[{{"roleArn": "arn:aws:iam::{account}:role/kiban"}}]'
        provider = export.provider(business, {"assumeRoles": role}, parent=tenant, package="aws")
        export.add("aws:ec2/instance:Instance", f"{business}-web-1", {}, parent=tenant, provider=provider)
    assert failures(RULE, export) == [
        ("juki-web-1", "tenant juki shares account 111122223333 with tenant(s) zei"),
        ("zei-web-1", "tenant zei shares account 111122223333 with tenant(s) juki"),
    ]
