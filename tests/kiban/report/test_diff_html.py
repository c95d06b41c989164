"""`kiban diff --format html`: the findings and changes of the other forms, and the new network picture with
what the change added, widened or removed drawn in colour.

The quick tests use hand-written exports (tests/kiban/audit/builders.py) with the Japanese font left
out (the fallback path: a warning, the CSS font stack), so they stay fast; the sample's test plants a
new path between two areas in a copy of the session's render of the sample and opens the page in
headless Chromium (slow: the render, and the font subset).
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from kiban.report import fonts
from kiban.report.html import CSP
from kiban.report.picture import MARK_STYLE
from tests.browser import Browser, blank_reason
from tests.kiban.audit.builders import HUB_FLOW, Export, ingress, kiban_city, security_group
from tests.kiban.report.svg_edges import DrawnEdge, drawn_edges

runner = CliRunner()
EXTERNAL_URL = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?)(?:https?:)?//""", re.IGNORECASE)
HUB_PATH = "middleware:integration_hub@office → middleware:integration_hub@secure"
# A rule from the internet area's hub straight into the high area's hub: a path no flow declares.
PORTAL_TO_SECURE = {
    "from": {"area": "portal", "cidr": "10.30.0.128/25", "group": "integration_hub@portal", "kind": "middleware"},
    "to": {"area": "secure", "cidr": "10.10.0.128/25", "group": "integration_hub@secure", "kind": "middleware"},
    "port": "8443/tcp",
    "kind": "declared-flow",
    "flow": "planted",
    "crosses_areas": True,
}
PORTAL_PATH = "middleware:integration_hub@portal → middleware:integration_hub@secure"
PLANTED_RULE = "juki-db-in-denshi-shinsei-web-tcp5432"


def city_state(tmp_path: Path, name: str, flows: list[dict[str, Any]]) -> Path:
    """A kiban city whose inventory has ``flows`` and whose high-area hub admits each flow's source range."""
    export = Export()
    areas = kiban_city(export, flows)
    rules = [
        ingress(f"hub-in-{index}", flow["from"]["cidr"], int(flow["port"].split("/")[0]))
        for index, flow in enumerate(flows)
    ]
    security_group(export, areas["secure"], "integration_hub-secure", rules)
    return export.write(tmp_path / name)


def diff(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["diff", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def svg_of(page: str) -> str:
    start, end = page.index("<svg"), page.index("</svg>") + len("</svg>")
    return page[start:end]


def edges_by_ends(page: str) -> dict[str, DrawnEdge]:
    return {edge.ends: edge for edge in drawn_edges(svg_of(page))}


def assert_self_contained(page: str) -> None:
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP.replace(chr(39), "&#x27;")}">' in page
    assert EXTERNAL_URL.search(page) is None, EXTERNAL_URL.search(page)
    assert "<script" not in page
    assert page.startswith('<!DOCTYPE html>\n<html lang="ja">')


@pytest.fixture
def no_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine without fonts-noto-cjk: the page falls back to the CSS font stack (and is quick to write)."""
    monkeypatch.setattr(fonts, "find_font", lambda family=fonts.FAMILY: None)


def test_a_planted_path_and_a_widened_one_are_drawn_in_colour(tmp_path: Path, no_font: None, browser: Browser) -> None:
    widened_hub = dict(HUB_FLOW, port="22/tcp")
    old = city_state(tmp_path, "old.json", [HUB_FLOW])
    new = city_state(tmp_path, "new.json", [HUB_FLOW, widened_hub, PORTAL_TO_SECURE])
    out = tmp_path / "diff.html"
    code, printed, err = diff(old, new, "--format", "html", "--out", out, "--fail-on", "none")
    assert code == 1
    assert printed == ""
    assert err.splitlines() == [
        "warning: font 'Noto Sans CJK JP' not found (Debian: fonts-noto-cjk); the report uses the reader's own fonts",
        f"wrote {out}",
    ]
    page = out.read_text(encoding="utf-8")
    assert_self_contained(page)
    edges = edges_by_ends(page)
    assert "mark-added" in edges[PORTAL_PATH].classes
    assert edges[PORTAL_PATH].stroke == MARK_STYLE["added"]["color"]
    assert "8443/tcp" in edges[PORTAL_PATH].label
    assert "mark-widened" in edges[HUB_PATH].classes
    assert edges[HUB_PATH].stroke == MARK_STYLE["widened"]["color"]
    # The same paths in the table under the picture, with their ports before and after.
    assert re.search(r'<tr class="path-added"><td>追加 added</td>.*?<td>-</td><td>8443/tcp</td><td>planted</td>', page)
    assert '<tr class="path-widened"><td>拡大 widened</td>' in page
    assert "<td>連携基盤 integration_hub (office)</td><td>連携基盤 integration_hub (secure)</td>" in page
    assert "<td>443/tcp</td><td>22/tcp 443/tcp</td><td>to-secure</td>" in page
    # What the markdown form says is there too: the findings and the changed resources.
    markdown = diff(old, new, "--format", "markdown", "--fail-on", "none")[1]
    for rule in sorted(set(re.findall(r"\| (KB-DIFF-[A-Z-]+) \|", markdown))):
        assert f"<code>{rule}</code>" in page
    assert "hub-in-1" in page and "hub-in-2" in page
    # And as a person sees it: nothing fetched, no error, every section drawn.
    visit = browser.visit(out, pdf=False)
    assert visit.errors == [] and visit.requests_leaving == [], (visit.errors, visit.requests_leaving)
    for section in ("findings", "network", "changes"):
        assert blank_reason(visit.sections[section]) is None, section
    assert "追加 added\t連携基盤 integration_hub (portal)\t連携基盤 integration_hub (secure)\t-\t8443/tcp" in visit.text


def test_a_removed_path_is_drawn_red_and_dashed(tmp_path: Path, no_font: None) -> None:
    old = city_state(tmp_path, "old.json", [HUB_FLOW, PORTAL_TO_SECURE])
    new = city_state(tmp_path, "new.json", [HUB_FLOW])
    out = tmp_path / "diff.html"
    assert diff(old, new, "-f", "html", "-o", out)[0] == 1
    edges = edges_by_ends(out.read_text(encoding="utf-8"))
    assert "mark-removed" in edges[PORTAL_PATH].classes and edges[PORTAL_PATH].dashed
    assert edges[PORTAL_PATH].stroke == MARK_STYLE["removed"]["color"]
    assert not any(c.startswith("mark-") for c in edges[HUB_PATH].classes)


def test_a_state_without_an_inventory_gets_a_note_not_a_picture(tmp_path: Path, no_font: None) -> None:
    export = Export()
    export.add("openstack:networking/network:Network", "n1", {"name": "n1"})
    plain = export.write(tmp_path / "plain.json")
    with_inventory = city_state(tmp_path, "city.json", [HUB_FLOW])
    code, page, _ = diff(plain, with_inventory, "--format", "html")
    assert code in (1, 3)
    assert_self_contained(page)
    assert "図なし / No picture: the old state has no kiban <code>inventory</code>" in page
    assert "<svg" not in page


def test_the_other_forms_are_unchanged_by_the_html_one(tmp_path: Path) -> None:
    # The audit keeps its four forms: html is the diff's alone.
    state = city_state(tmp_path, "city.json", [HUB_FLOW])
    result = runner.invoke(app, ["audit", str(state), "--format", "html"])
    assert result.exit_code == 2 and "'html' is not one of" in result.stderr


# -- the sample --------------------------------------------------------------------------------------


def plant_path(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of the sample's state with a new path from the internet area's e-application web tier to the
    resident registry's database in the My Number area: in the inventory, and as a security-group rule."""
    planted = copy.deepcopy(document)
    resources: list[dict[str, Any]] = planted["deployment"]["resources"]
    (stack,) = [r for r in resources if r["type"] == "pulumi:pulumi:Stack"]
    inventory = stack["outputs"]["inventory"]
    rules = inventory["flows"]
    (into_db,) = [r for r in rules if r["to"]["group"] == "juki/db" and r["kind"] == "bastion-to-host"]
    (web,) = {json.dumps(r["from"]) for r in rules if r["from"]["group"] == "denshi-shinsei/web"}
    source = json.loads(web)
    rules.append(
        {
            "crosses_areas": True,
            "flow": None,
            "from": source,
            "kind": "planted",
            "port": "5432/tcp",
            "to": into_db["to"],
        }
    )
    template = next(r for r in resources if r["urn"].endswith("::juki-db-in-juki-app-tcp5432"))
    rule = copy.deepcopy(template)
    rule["urn"] = template["urn"].rsplit("::", 1)[0] + "::" + PLANTED_RULE
    rule["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, rule["urn"]))
    for side in ("inputs", "outputs"):
        rule[side] |= {
            "description": "denshi-shinsei/web -> juki/db 5432/tcp (planted)",
            "remoteIpPrefix": source["cidr"],
        }
    rule["outputs"]["id"] = rule["id"]
    resources.append(rule)
    return planted


def planted_source(page: str) -> str:
    match = re.search(rf"{PLANTED_RULE}\) ingress 5432/tcp from ([0-9./]+)", page)
    assert match, "no finding names the planted rule"
    return match.group(1)


@pytest.mark.slow
def test_a_path_planted_in_the_sample_shows_in_colour_and_the_page_opens_clean(
    sample_openstack_state: dict[str, Any], browser: Browser, tmp_path: Path
) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(sample_openstack_state), encoding="utf-8")
    new.write_text(json.dumps(plant_path(sample_openstack_state)), encoding="utf-8")
    out = tmp_path / "diff.html"
    code, _, _ = diff(old, new, "--format", "html", "--out", out)
    # The rule is in the new state's flow plan too, as a spec declaring the path would put it: a finding, not a high one.
    assert code == 1
    page = out.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert "@font-face" in page
    planted = edges_by_ends(page)["business:denshi-shinsei → business:juki"]
    assert "mark-added" in planted.classes and planted.stroke == MARK_STYLE["added"]["color"]
    assert "5432/tcp" in planted.label
    assert not any(
        c.startswith("mark-")
        for ends, edge in edges_by_ends(page).items()
        if ends != planted.ends
        for c in edge.classes
    )
    assert f"<code>{PLANTED_RULE}</code>" in page
    finding = f"new path internet → mynumber: juki-db ({PLANTED_RULE}) ingress 5432/tcp from {planted_source(page)} (in the flow plan)"
    assert finding in page, "the diff's finding is missing"

    visit = browser.visit(out)
    assert visit.errors == [] and visit.requests_leaving == [], (visit.errors, visit.requests_leaving)
    for section in ("findings", "network", "changes"):
        assert blank_reason(visit.sections[section]) is None, section
    # A state has no business names (no spec): the groups go by their ids and areas.
    assert "追加 added\tdenshi-shinsei (internet)\tjuki (mynumber)\t-\t5432/tcp" in visit.text
    assert visit.pdf.startswith(b"%PDF-")
