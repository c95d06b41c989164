"""The report opened in headless Chromium as a person would: it loads clean, says what the plans say, and prints.

Each report is written once per module (``kiban report`` through the command line) and opened once;
the tests read that one visit. Writing a report with its embedded font takes 10 s or more (most of
it subsetting the font), so the samples' tests are marked slow; the harness's own check (a page
planted with a request and an error, to show the checks can fail) and a small city's report without
the embedded font stay in the default run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kiban.cli import app
from kiban_platform.spec.load import load_spec
from tests import browser as browser_module
from tests.browser import Browser, BrowserMissingError, PageVisit, blank_reason
from tests.conftest import REPO, SAMPLE_SPEC, SMALL_CITY

runner = CliRunner()
HYBRID_SPEC = REPO / "specs" / "sample-hybrid.yaml"
SECTIONS = ("glance", "network", "matrix", "racks", "capacity", "businesses")
PDF_PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")

CLEAN_PAGE = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>clean</title></head>
<body>
<section id="drawn"><h1>住民基本台帳 / Resident registry</h1>
<svg width="300" height="120"><rect x="10" y="10" width="280" height="100" fill="#2f5d8a"/></svg></section>
<section id="empty" style="height: 400px; background: #eeeeee"></section>
</body></html>
"""
# The same page with what the checks exist to catch: an image from a CDN, a stylesheet's font from
# another host, and a script logging an error. No CSP, so the browser really asks.
PLANTED_PAGE = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>planted</title>
<style>@font-face { font-family: far; src: url("https://fonts.example.invalid/far.woff2"); }
body { font-family: far, sans-serif; }</style></head>
<body>
<section id="drawn"><h1>住民基本台帳</h1><img src="https://cdn.example.invalid/logo.png" alt="logo"></section>
<script>console.error("planted error");</script>
</body></html>
"""


def write_report(spec: Path, out: Path, *options: str) -> Path:
    result = runner.invoke(app, ["report", str(spec), "--out", str(out), "--quiet", *options])
    assert result.exit_code == 0, result.output
    return out


def plan_summaries(spec: Path) -> dict[str | None, dict[str, Any]]:
    """`kiban plan --format json`'s summary, by site (None for a city without sites); sites without blades left out."""
    result = runner.invoke(app, ["plan", str(spec), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    if "sites" not in document:
        return {None: document["summary"]}
    return {site: plan["summary"] for site, plan in document["sites"].items() if "summary" in plan}


def yen(amount: int) -> str:
    return f"¥{amount:,}"


def blade_tables(visit: PageVisit) -> list[dict[str, str]]:
    """Each capacity table of blades, as header -> value (the page's own words and digits)."""
    found = []
    for table in visit.tables["capacity"]:
        if len(table) == 2 and table[0] and "blades used" in table[0][0]:
            found.append(dict(zip(table[0], table[1], strict=True)))
    return found


def licence_totals(visit: PageVisit) -> list[str]:
    return [row[-1] for table in visit.tables["capacity"] for row in table if row and "total per year" in row[0]]


def assert_loads_clean(visit: PageVisit) -> None:
    assert visit.errors == [], visit.errors
    assert visit.requests_leaving == [], visit.requests_leaving
    assert visit.requests[0] == visit.url


def assert_sections_drawn(visit: PageVisit) -> None:
    assert set(SECTIONS) <= visit.sections.keys(), sorted(visit.sections)
    for section in SECTIONS:
        assert blank_reason(visit.sections[section]) is None, (section, blank_reason(visit.sections[section]))


def assert_prints(visit: PageVisit) -> None:
    assert visit.pdf.startswith(b"%PDF-")
    assert len(PDF_PAGE.findall(visit.pdf)) > 1


# -- the harness can fail --------------------------------------------------------------------------


def test_the_checks_catch_a_page_that_fetches_or_logs_an_error(browser: Browser, tmp_path: Path) -> None:
    clean = tmp_path / "clean.html"
    clean.write_text(CLEAN_PAGE, encoding="utf-8")
    visit = browser.visit(clean, pdf=False)
    assert_loads_clean(visit)
    assert "住民基本台帳 / Resident registry" in visit.text
    assert blank_reason(visit.sections["drawn"]) is None
    assert blank_reason(visit.sections["empty"]) == "one colour only ((238, 238, 238))"

    planted = tmp_path / "planted.html"
    planted.write_text(PLANTED_PAGE, encoding="utf-8")
    visit = browser.visit(planted, pdf=False)
    assert sorted(visit.requests_leaving) == [
        "https://cdn.example.invalid/logo.png",
        "https://fonts.example.invalid/far.woff2",
    ]
    assert any("planted error" in message.text for message in visit.errors), visit.console
    # The image that could not load is a browser error too: the console check alone would have caught it.
    assert any("cdn.example.invalid" in message.text for message in visit.errors), visit.console


def test_a_missing_browser_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The browser fixture turns this into a failed test (pytest.fail), never a skip.
    monkeypatch.setattr(browser_module, "CHROMEDRIVER", tmp_path / "chromedriver")
    with pytest.raises(BrowserMissingError) as missing:
        browser_module.require_browser()
    assert str(missing.value) == (
        f"{tmp_path}/chromedriver not found: the report's browser tests need Debian's chromium and "
        "chromium-driver (./scripts/setup.sh installs them; or apt-get install chromium chromium-driver)"
    )


# -- a small city: quick enough for the default run ------------------------------------------------------


@pytest.fixture(scope="module")
def small_city_visit(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> PageVisit:
    folder = tmp_path_factory.mktemp("small-city-report")
    spec = folder / "city.yaml"
    spec.write_text(SMALL_CITY, encoding="utf-8")
    # The font left out keeps this quick (subsetting it takes ~10 s); Chromium has the system's Noto CJK.
    return browser.visit(write_report(spec, folder / "report.html", "--no-embedded-font"))


def test_a_small_city_report_loads_clean_and_prints(small_city_visit: PageVisit) -> None:
    assert_loads_clean(small_city_visit)
    for text in ("LGWAN接続系", "マイナンバー系", "全層業務", "単層業務", "試験市"):
        assert text in small_city_visit.text
    assert_sections_drawn(small_city_visit)
    assert_prints(small_city_visit)


# -- the samples ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sample-city", "sample-hybrid"])
def sample(
    request: pytest.FixtureRequest, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, PageVisit]:
    spec = {"sample-city": SAMPLE_SPEC, "sample-hybrid": HYBRID_SPEC}[request.param]
    page = write_report(spec, tmp_path_factory.mktemp(request.param) / "report.html")
    return spec, browser.visit(page)


@pytest.mark.slow
def test_the_sample_reports_load_clean(sample: tuple[Path, PageVisit]) -> None:
    assert_loads_clean(sample[1])


@pytest.mark.slow
def test_the_sample_reports_name_every_area_business_and_site(sample: tuple[Path, PageVisit]) -> None:
    spec_file, visit = sample
    spec = load_spec(spec_file)
    for area in spec.areas:
        assert area.name in visit.text, area.id
        assert area.name_en in visit.text, area.id
    for business in spec.businesses:
        assert business.name in visit.text, business.id
    assert visit.text.count("事業者 / vendor") == len(spec.businesses)  # one sheet each
    if spec.sites:
        (sites,) = [table for table in visit.tables["glance"] if table and table[0][0] == "拠点 / site"]
        shown = {row[0]: (row[1], row[2]) for row in sites[1:]}
        assert shown == {site.id: (site.kind.value, site.target.value) for site in spec.sites}
    raw: dict[str, Any] = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
    assert raw["municipality"]["name"] in visit.text


@pytest.mark.slow
def test_the_sample_reports_figures_equal_kiban_plans(sample: tuple[Path, PageVisit]) -> None:
    spec_file, visit = sample
    summaries = plan_summaries(spec_file)
    shown = blade_tables(visit)
    assert len(shown) == len(summaries)
    for figures, summary in zip(shown, summaries.values(), strict=True):
        assert figures["この計画 / blades used"] == str(summary["blades_used"])
        assert figures["業務別専用 / dedicated status quo"] == f"{summary['dedicated_baseline']:,}"
        assert figures["First Fit"] == f"{summary['first_fit']:,}"
        assert figures["下限 / lower bound"] == f"{summary['lower_bound']:,}"
        assert figures["搭載可能 / available"] == f"{summary['blades_available']:,}"
    costs = [
        summary["licences"]["annual_cost_jpy"] for summary in summaries.values() if summary["licences"]["products"]
    ]
    assert licence_totals(visit) == [yen(cost) for cost in costs]
    used = sum(summary["blades_used"] for summary in summaries.values())
    available = sum(summary["blades_available"] for summary in summaries.values())
    assert f"{used}\n / {available}" in visit.text or f"{used} / {available}" in visit.text


@pytest.mark.slow
def test_the_sample_reports_sections_are_drawn(sample: tuple[Path, PageVisit]) -> None:
    assert_sections_drawn(sample[1])


@pytest.mark.slow
def test_the_sample_reports_print_to_pdf(sample: tuple[Path, PageVisit]) -> None:
    assert_prints(sample[1])
