"""KB-PRV-004: a change touching 特定個人情報 (a my_number flow, or a site or link carrying one) notes the PIA."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from typing import Any

from kiban.audit.diff_checks.base import Comparison, DiffCheck
from kiban.audit.findings import Finding, Severity
from kiban.audit.hybrid import MY_NUMBER, HybridCity, hybrid_of, stack_urn

PIA_NOTE = "特定個人情報保護評価 (PIA) may need revisiting: 重要な変更か確認"


class MyNumberChangeNeedsPia(DiffCheck):
    """特定個人情報保護評価 (PIA) may need revisiting: 重要な変更か確認. Noted (low) when a change touches a
    flow of my_number data, a site that holds an end of one, or a link that carries one.

    A note, not a fault: under 番号法第28条 a 重要な変更 of a system handling
    特定個人情報 calls for the 特定個人情報保護評価 to be redone before the
    change, and only people can judge whether this change is one. No audit rule
    (KB-PRV-001 judges where my_number may go; this asks for a review of any
    change near it). Touched: a my_number flow whose inventory entries (planned
    rules, cross-site entry) differ, appear or go; a site at one end of a
    my_number flow whose entry in ``sites`` differs, or that a business moves to
    or from; a link carrying one whose entry in ``links`` differs, or one of
    whose resources (named after it or tagged ``kiban:link``) changed. One
    finding per diff, listing what it touched.
    """

    def __init__(self) -> None:
        super().__init__(id="KB-PRV-004", title="PIA may need revisiting", severity=Severity.LOW)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        old, new = hybrid_of(comparison.old), hybrid_of(comparison.new)
        if old is None and new is None:
            return
        touched = touched_by(comparison, old, new)
        if touched:
            message = f"{PIA_NOTE} ({', '.join(touched)})"
            yield self.finding(
                comparison, Severity.LOW, message, stack_urn(comparison.new), details={"touched": touched}
            )


def _my_number_flows(city: HybridCity | None) -> set[str]:
    if city is None:
        return set()
    found = {item.flow for item in city.crossings if item.data == MY_NUMBER}
    found |= {str(item["flow"]) for item in city.flows if item.get("data") == MY_NUMBER and item.get("flow")}
    return found


def _entries(city: HybridCity | None, flow: str) -> list[str]:
    """A flow's inventory entries, comparable across states."""
    if city is None:
        return []
    planned = [_canonical(item) for item in city.flows if item.get("flow") == flow]
    crossing = [_canonical(asdict(item)) for item in city.crossings if item.flow == flow]
    return sorted(planned) + sorted(crossing)


def _canonical(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, default=lambda item: getattr(item, "__dict__", str(item))
    )


def _sites_of(city: HybridCity | None, flows: set[str]) -> set[str]:
    if city is None:
        return set()
    found = {
        end.site
        for item in city.crossings
        if item.flow in flows
        for end in (item.source, item.destination)
        if end.site is not None
    }
    for item in city.flows:
        if item.get("flow") in flows:
            for key in ("from", "to"):
                end = item.get(key)
                if isinstance(end, Mapping) and isinstance(end.get("site"), str):
                    found.add(end["site"])
    if flows & {str(item.get("flow")) for item in city.flows}:
        found.add(city.site)  # a planned rule of the flow is in this site's own stack
    return found


def _links_of(city: HybridCity | None, flows: set[str]) -> set[str]:
    if city is None:
        return set()
    return {item.link for item in city.crossings if item.flow in flows and item.link is not None}


def touched_by(comparison: Comparison, old: HybridCity | None, new: HybridCity | None) -> list[str]:
    flows = _my_number_flows(old) | _my_number_flows(new)
    touched = [f"flow {flow}" for flow in sorted(flows) if _entries(old, flow) != _entries(new, flow)]
    sites = _sites_of(old, flows) | _sites_of(new, flows)
    for site in sorted(sites):
        before = old.sites.get(site) if old is not None else None
        after = new.sites.get(site) if new is not None else None
        moved = _businesses_at(old, site) != _businesses_at(new, site)
        if before != after or moved:
            touched.append(f"site {site}")
    links = _links_of(old, flows) | _links_of(new, flows)
    changed = _changed_links(comparison, old, new)
    for link in sorted(links):
        before_link = old.links.get(link) if old is not None else None
        after_link = new.links.get(link) if new is not None else None
        if before_link != after_link or link in changed:
            touched.append(f"link {link}")
    return touched


def _businesses_at(city: HybridCity | None, site: str) -> set[str]:
    return {business for business, at in city.business_sites.items() if at == site} if city is not None else set()


def _changed_links(comparison: Comparison, old: HybridCity | None, new: HybridCity | None) -> set[str]:
    found: set[str] = set()
    for change in comparison.changes:
        for city, view in ((new, comparison.new), (old, comparison.old)):
            resource = view.resources.get(change.urn)
            link = city.link_of(resource) if city is not None and resource is not None else None
            if link is not None:
                found.add(link.id)
    return found


CHECK = MyNumberChangeNeedsPia()
