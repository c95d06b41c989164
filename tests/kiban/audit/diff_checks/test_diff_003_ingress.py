"""KB-DIFF-INGRESS: a group accepts more inside its own area."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_003_ingress import CHECK
from tests.kiban.audit.builders import Export, ingress, kiban_city, security_group
from tests.kiban.audit.diff_checks.helpers import found


def city(prefix: str | None, port: int = 8443) -> Export:
    """A group in the high area with one rule (None: no group at all)."""
    export = Export()
    areas = kiban_city(export)
    if prefix is not None:
        security_group(export, areas["secure"], "juki-app", [ingress("juki-app-in", prefix, port)])
    return export


def test_a_broader_range_inside_the_area() -> None:
    assert found(CHECK, city("10.10.5.0/24"), city("10.10.0.0/16")) == [
        ("medium", "juki-app (juki-app-in): now accepts 8443/tcp from 10.10.0.0/16")
    ]


def test_more_ports_from_the_same_range() -> None:
    export = city("10.10.5.0/24")
    wider = city("10.10.5.0/24")
    rule = next(r for r in wider.resources if r["urn"].endswith("::juki-app-in"))
    rule["inputs"]["portRangeMax"] = 8444
    assert found(CHECK, export, wider) == [
        ("medium", "juki-app (juki-app-in): now accepts 8443-8444/tcp from 10.10.5.0/24")
    ]


def test_only_the_part_inside_the_area_when_the_range_reaches_another() -> None:
    assert found(CHECK, city("10.10.5.0/24"), city("10.0.0.0/8")) == [
        ("medium", "juki-app (juki-app-in): now accepts 8443/tcp from 10.10.0.0/16")
    ]


def test_silent_for_a_new_group_and_when_nothing_changed() -> None:
    assert found(CHECK, city(None), city("10.10.0.0/16")) == []
    assert found(CHECK, city("10.10.0.0/16"), city("10.10.0.0/16")) == []
