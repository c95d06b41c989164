"""KB-DIFF-SITE: a business moves between sites."""

from __future__ import annotations

from kiban.audit.diff_checks.diff_016_site import CHECK
from tests.kiban.audit.builders import Export, kiban_city
from tests.kiban.audit.diff_checks.helpers import findings_of, found
from tests.kiban.audit.hybrid_city import SiteStack


def test_a_business_moving_to_government_cloud() -> None:
    old, new = SiteStack("dc1"), SiteStack("dc1")
    new.inventory["business_sites"]["zaimu-kaikei"] = "gc"
    (finding,) = findings_of(CHECK, old.export, new.export)
    assert (finding.severity.label, finding.message) == (
        "high",
        "business zaimu-kaikei moves from site dc1 to site gc (on_prem → government_cloud)",
    )
    assert finding.urn is not None and finding.urn.endswith("pulumi:pulumi:Stack::kiban-sample-hybrid-dc1")


def test_a_business_moving_to_a_public_cloud_is_critical() -> None:
    old, new = SiteStack("gc"), SiteStack("gc")
    new.inventory["business_sites"]["juki"] = "portal"
    assert found(CHECK, old.export, new.export) == [
        ("critical", "business juki moves from site gc to site portal (government_cloud → public_cloud)")
    ]


def test_silent_when_no_business_moves() -> None:
    old, new = SiteStack("gc"), SiteStack("gc")
    new.inventory["business_sites"]["koseki"] = "gc"  # a new business is not a move
    new.inventory["cross_site_flows"][0]["ports"] = ["8443/tcp"]
    assert found(CHECK, old.export, new.export) == []
    single_old, single_new = Export(), Export()
    kiban_city(single_old)
    kiban_city(single_new)
    assert found(CHECK, single_old, single_new) == []
