"""The built-in catalogue of standardised businesses."""

from __future__ import annotations

from kiban_platform.spec.catalogue import available_versions, load_catalogue

STANDARD_20 = {
    "住民基本台帳", "選挙人名簿管理", "固定資産税", "個人住民税", "法人住民税", "軽自動車税", "国民健康保険",
    "国民年金", "障害者福祉", "後期高齢者医療", "介護保険", "児童手当", "健康管理", "就学", "児童扶養手当",
    "生活保護", "子ども・子育て支援", "印鑑登録", "戸籍", "戸籍の附票",
}  # fmt: skip


def test_version_1_holds_the_twenty_standardised_businesses() -> None:
    catalogue = load_catalogue(1)
    assert {entry.name for entry in catalogue.businesses} == STANDARD_20
    assert available_versions() == [1]


def test_numbers_and_ids_are_unique() -> None:
    entries = load_catalogue(1).businesses
    assert len({entry.number for entry in entries}) == len(entries)
    assert len({entry.id for entry in entries}) == len(entries)


def test_every_consumed_data_set_is_published_in_the_catalogue() -> None:
    entries = load_catalogue(1).businesses
    published = {data for entry in entries for data in entry.integrations.publishes}
    consumed = {data for entry in entries for data in entry.integrations.consumes}
    assert consumed <= published


def test_peaks_follow_the_city_calendars() -> None:
    catalogue = load_catalogue(1)
    peaks = {entry.id: entry.peak_months for entry in catalogue.businesses}
    assert peaks["juki"] == [3, 4], "moving season"
    assert 6 in peaks["kokuho"] and 6 in peaks["kaigo-hoken"], "health insurance follows resident tax"
    assert 4 in peaks["kotei-shisanzei"], "property tax inspection in April"


def test_raw_entry_is_plain_data_without_defaults() -> None:
    raw = load_catalogue(1).raw_entry("inkan-toroku")
    assert raw["number"] == 18
    assert "redundant" not in raw["tiers"]["web"], "defaults stay the spec's to decide"
