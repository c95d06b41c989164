"""KB-PRV-004: a change touching 特定個人情報 notes that the PIA may need revisiting, in every format of `kiban diff`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kiban.audit.diff_checks.diff_019_pia import CHECK, PIA_NOTE
from kiban.cli import app
from tests.kiban.audit.diff_checks.helpers import findings_of, found
from tests.kiban.audit.hybrid_city import SITE_CONNECTION, SiteStack, vpn_connection


def test_a_my_number_flow_changed() -> None:
    old, new = SiteStack("gc"), SiteStack("gc")
    new.crossing("gc-to-dc1-renkei")["ports"] = ["443/tcp", "8443/tcp"]
    (finding,) = findings_of(CHECK, old.export, new.export)
    assert (finding.severity.label, finding.message) == ("low", f"{PIA_NOTE} (flow gc-to-dc1-renkei)")
    assert finding.details == {"touched": ["flow gc-to-dc1-renkei"]}


def test_a_flow_becoming_my_number_a_site_and_a_link_carrying_it() -> None:
    old, new = SiteStack("dc1"), SiteStack("dc1")
    new.crossing("portal-shinsei")["data"] = "my_number"
    assert found(CHECK, old.export, new.export) == [("low", f"{PIA_NOTE} (flow portal-shinsei)")]
    old, new = SiteStack("dc1"), SiteStack("dc1")
    new.inventory["business_sites"]["zaimu-kaikei"] = "gc"  # gc holds an end of the my_number flow
    next(site for site in new.inventory["sites"] if site["id"] == "gc")["region"] = "ap-northeast-3"
    assert found(CHECK, old.export, new.export) == [("low", f"{PIA_NOTE} (site dc1, site gc)")]


def test_a_resource_of_a_link_carrying_my_number_changed() -> None:
    old, new = SiteStack("dc1"), SiteStack("dc1")
    old.add(SITE_CONNECTION, "dc1-gc-mynumber-1", {"peerAddress": "198.51.100.1", "mtu": 1400})
    new.add(SITE_CONNECTION, "dc1-gc-mynumber-1", {"peerAddress": "198.51.100.2", "mtu": 1400})
    assert found(CHECK, old.export, new.export) == [("low", f"{PIA_NOTE} (link dc1-gc)")]


def test_silent_when_nothing_near_my_number_changed() -> None:
    old, new = SiteStack("gc"), SiteStack("gc")
    assert found(CHECK, old.export, new.export) == []
    old, new = SiteStack("dc1"), SiteStack("dc1")
    new.crossing("portal-shinsei")["ports"] = ["8443/tcp"]  # personal data, not my_number
    old.add(SITE_CONNECTION, "portal-dc1-internet-1", {"peerAddress": "203.0.113.1"})
    new.add(SITE_CONNECTION, "portal-dc1-internet-1", {"peerAddress": "203.0.113.2"})
    new.inventory["business_sites"]["newcomer"] = "portal"
    assert found(CHECK, old.export, new.export) == []


@pytest.fixture(scope="module")
def pia_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pia")
    old, new = SiteStack("gc"), SiteStack("gc")
    vpn_connection(old, "dc1-gc-vpn")
    vpn_connection(new, "dc1-gc-vpn", tunnel1InsideCidr="169.254.10.8/30")
    return old.export.write(folder / "old.json"), new.export.write(folder / "new.json")


@pytest.mark.parametrize("output_format", ["text", "markdown", "json", "sarif"])
def test_the_note_in_every_format(pia_pair: tuple[Path, Path], output_format: str) -> None:
    old, new = pia_pair
    result = CliRunner().invoke(app, ["diff", str(old), str(new), "-f", output_format])
    assert result.exit_code == 1, result.output  # a change; the note alone does not fail at --fail-on high
    output = result.stdout
    if output_format == "json":
        (finding,) = [item for item in json.loads(output)["findings"] if item["rule"] == "KB-PRV-004"]
        assert finding["message"] == f"{PIA_NOTE} (link dc1-gc)"
        assert finding["severity"] == "low"
    elif output_format == "sarif":
        run = json.loads(output)["runs"][0]
        (result_item,) = [item for item in run["results"] if item["ruleId"] == "KB-PRV-004"]
        assert result_item["message"]["text"] == f"{PIA_NOTE} (link dc1-gc)"
        assert result_item["level"] == "note"
        rule = run["tool"]["driver"]["rules"][result_item["ruleIndex"]]
        assert rule["id"] == "KB-PRV-004" and rule["fullDescription"]["text"].startswith(PIA_NOTE)
    else:
        assert "KB-PRV-004" in output
        assert "特定個人情報保護評価 (PIA) may need revisiting" in " ".join(output.split())
        assert "重要な変更か確認" in output
