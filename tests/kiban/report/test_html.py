"""The page: one file that opens offline, every section, bilingual headings, every business's Japanese name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiban.report import fonts
from kiban.report.html import CSP, SECTIONS, report_html
from kiban.report.model import Report, report_from_spec
from tests.kiban.report.cities import write_city

# Anything that would make a browser leave the file: a URL with a scheme in src, href or url().
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return report_from_spec(write_city(tmp_path_factory.mktemp("town")))


@pytest.fixture(scope="module")
def page(town: Report) -> str:
    return report_html(town, embed_font=False)


def test_every_section_is_there_with_japanese_and_english_headings(page: str):
    for section, japanese, english in SECTIONS:
        assert f'<section id="{section}">' in page
        assert japanese in page and english in page
    assert '<html lang="ja">' in page


def test_every_business_has_its_sheet_and_its_japanese_name(page: str, town: Report):
    for sheet in town.businesses:
        assert f'<article class="business" id="business-{sheet.id}">' in page
        assert sheet.name is not None and sheet.name in page
    assert "架空水道システム株式会社" in page


def test_nothing_leaves_the_file(page: str):
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert "default-src 'none'" in CSP and "script" not in CSP
    assert not EXTERNAL.search(page)
    assert "<script" not in page
    assert "<svg" in page and "@media print" in page and "size: A4" in page


def test_figures_on_the_page_are_the_plans(page: str, town: Report):
    (capacity,) = town.capacity
    assert f"{capacity.licence_cost_jpy:,}" in page
    assert f">{capacity.blades_used}<" in page
    assert f">{capacity.dedicated_baseline}<" in page
    assert "その他のライセンス" in page and "¥700,000" in page  # kouen's per-core licence, 14 vCPU


def test_the_page_is_the_same_each_time(town: Report, page: str):
    assert report_html(town, embed_font=False) == page


NO_FONT = fonts.find_font() is None
NO_FONT_REASON = "Noto Sans CJK JP is not installed (Debian: fonts-noto-cjk)"


@pytest.mark.skipif(NO_FONT, reason=NO_FONT_REASON)
def test_a_few_characters_make_a_small_deterministic_font_face():
    warnings: list[str] = []
    face = fonts.font_face_css("住民基本台帳", warnings.append)
    assert warnings == [] and face.startswith('@font-face { font-family: "Noto Sans CJK JP";')
    assert "url(data:font/woff2;base64," in face and len(face) < 200_000
    assert fonts.font_face_css("住民基本台帳", warnings.append) == face


@pytest.mark.slow
@pytest.mark.skipif(NO_FONT, reason=NO_FONT_REASON)
def test_the_font_is_embedded_as_a_subset_woff2(town: Report):
    warnings: list[str] = []
    page = report_html(town, warn=warnings.append)
    assert warnings == []
    face = re.search(
        r'@font-face \{ font-family: "Noto Sans CJK JP";.*?url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\)', page
    )
    assert face is not None
    # A subset: far below the 19 MB collection, yet every Japanese character of the page is in it.
    assert len(face.group(1)) < 2_000_000
    assert not EXTERNAL.search(page)
    assert report_html(town) == page  # the subset too: same page, same bytes


def test_without_the_font_the_page_falls_back_and_warns_once(town: Report, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(fonts, "find_font", lambda family=fonts.FAMILY: None)
    warnings: list[str] = []
    page = report_html(town, warn=warnings.append)
    assert len(warnings) == 1 and "Noto Sans CJK JP" in warnings[0]
    assert "@font-face" not in page
    assert "Hiragino" in page  # the CSS font stack instead


def test_a_damaged_font_file_falls_back_too(tmp_path: Path):
    broken = tmp_path / "broken.ttc"
    broken.write_bytes(b"not a font")
    warnings: list[str] = []
    assert fonts.font_face_css("住民", warnings.append, fonts.InstalledFont(broken, 0)) == ""
    assert len(warnings) == 1 and "broken.ttc" in warnings[0]


def test_the_hybrid_sample_page_shows_its_three_sites_and_links():
    from tests.conftest import REPO

    report = report_from_spec(REPO / "specs" / "sample-hybrid.yaml")
    page = report_html(report, embed_font=False)
    for site in ("dc1", "gc", "portal"):
        assert f"拠点 {site} / site {site}" in page
    for link in ("dc1-gc", "portal-dc1"):
        assert f"<td>{link}</td>" in page
    assert '拠点間 <span class="en">/ Site × site</span>' in page
    assert "住民ポータル resident-portal" in page  # the public service in the picture
    assert all(sheet.name and sheet.name in page for sheet in report.businesses)
    assert not EXTERNAL.search(page)
