"""KB-DIFF-TENANCY: moves between areas, tenants and projects."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_009_tenancy import CHECK
from tests.kiban.audit.builders import INSTANCE, PROJECT, TENANT, Export, kiban_city
from tests.kiban.audit.diff_checks.helpers import findings_of, found


def city(area: str = "office", project: str = "kiban-lean", owner: str = "lean") -> Export:
    """Two tenants in ``area``, each with its project; an instance of tenant ``owner`` placed in ``project``."""
    export = Export()
    areas = kiban_city(export)
    tenants = {name: export.add(TENANT, name, parent=areas[area], custom=False) for name in ("lean", "full")}
    projects = {
        name: export.add(PROJECT, f"kiban-{name}", {"name": f"kiban-{name}"}, parent=tenants[name])
        for name in ("lean", "full")
    }
    export.add(
        INSTANCE,
        "lean-app-1",
        {"name": "lean-app-1", "tenantId": export.id_of(projects[project.removeprefix("kiban-")])},
        parent=tenants[owner],
    )
    return export


def test_a_tenant_moved_into_the_high_area_is_one_critical_finding_at_the_tenant() -> None:
    findings = findings_of(CHECK, city(), city(area="secure"))
    assert [(finding.severity.label, finding.message) for finding in findings] == [
        ("critical", "5 resources moved to another security area: office → secure")
    ]
    assert findings[0].urn is not None and findings[0].urn.endswith(f"{TENANT}::full")
    assert len(findings[0].related) == 4


def test_placed_in_another_project_and_moved_to_another_tenant() -> None:
    assert found(CHECK, city(), city(project="kiban-full")) == [
        ("high", "lean-app-1 moved to another project/account: project kiban-lean → project kiban-full")
    ]
    assert found(CHECK, city(), city(owner="full")) == [
        ("high", "lean-app-1 moved to another business tenant: lean → full")
    ]


def test_silent_when_nothing_changed() -> None:
    assert found(CHECK, city(area="secure"), city(area="secure")) == []
