"""The hybrid checks on large specs: one fault is told once (or capped), never as a cascade of lines, and
the indexed look-ups answer exactly what a scan would. Their speed is measured by ``bench/hostile.py``."""

from __future__ import annotations

from typing import Any

import pytest

from kiban_platform.spec.hybrid import endpoint_site, link_flows, links_carrying, runs_at, sites_carrying
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import Flow, MiddlewareRole, PlatformSpec
from tests.conftest import SpecWriter
from tests.hybrid_specs import (
    with_duplicate_site_id,
    with_many_cross_site_flows,
    with_many_links,
    with_many_sites,
)
from tests.kiban_platform.spec.test_hybrid_checks import _problems

SITES = 300  # 45,000 pairs: enough that a check comparing every pair would list tens of thousands of lines


def test_many_sites_links_and_flows_are_valid(write_spec: SpecWriter) -> None:
    for data in (with_many_sites(SITES), with_many_links(SITES), with_many_cross_site_flows(SITES)):
        assert _problems(write_spec, data) == []


def test_one_duplicated_site_id_among_many_sites_is_told_once(write_spec: SpecWriter) -> None:
    data = with_duplicate_site_id(with_many_sites(SITES), "cloud-00000")
    # Index 3: the sample's three sites come first.
    assert _problems(write_spec, data) == [
        (f"sites[{SITES + 2}].id", "duplicate site id 'cloud-00000' (first at index 3)")
    ]


def test_a_duplicated_id_of_another_kind_of_site_is_the_only_problem(write_spec: SpecWriter) -> None:
    # The last site is public cloud; named dc1, every rule asking "is dc1 a public cloud" would answer wrongly.
    data = with_duplicate_site_id(with_many_sites(SITES), "dc1")
    assert _problems(write_spec, data) == [(f"sites[{SITES + 2}].id", "duplicate site id 'dc1' (first at index 0)")]


def test_many_sites_on_one_block_are_capped_not_listed_pair_by_pair(write_spec: SpecWriter) -> None:
    data = with_many_sites(SITES)
    block = data["sites"][3]["areas"]["public"]
    for site in data["sites"][3:]:
        site["areas"] = {"public": block}
    problems = _problems(write_spec, data)
    assert len(problems) == 21
    assert problems[0] == (
        "sites[4].areas.public",
        f"{block} at site 'cloud-00001' overlaps {block} of area 'public' at 'cloud-00000'",
    )
    assert all(message.endswith("at 'cloud-00000'") for _, message in problems[:20])
    assert problems[20] == (
        "sites[24].areas.public",
        f"… and {SITES - 1 - 20:,} more problems of this kind (at sites[*].areas.public)",
    )


def test_many_links_on_one_tunnel_pair_are_capped(write_spec: SpecWriter) -> None:
    data = with_many_links(SITES)
    for link in data["links"][2:]:
        link["tunnels"] = [dict(tunnel) for tunnel in data["links"][2]["tunnels"]]
    problems = _problems(write_spec, data)
    overlaps = [problem for problem in problems if "overlaps tunnel" in problem[1]]
    assert len(overlaps) == 20
    assert overlaps[0] == (
        "links[3].tunnels[0].inside_cidr",
        "169.254.32.0/30 overlaps tunnel 169.254.32.0/30 of link 'extra-00000'",
    )
    more = [problem for problem in problems if problem[1].startswith("…")]
    assert more == [
        (
            "links[13].tunnels[0].inside_cidr",
            f"… and {2 * (SITES - 1) - 20:,} more problems of this kind (at links[*].tunnels[*].inside_cidr)",
        )
    ]


def _scanned_links_carrying(spec: PlatformSpec, first: str, second: str, areas: set[str]) -> list[tuple[int, Any]]:
    return [
        (index, link)
        for index, link in enumerate(spec.links)
        if set(link.between) == {first, second} and areas <= set(link.areas)
    ]


def _scanned_link_flows(spec: PlatformSpec, link: Any) -> list[Flow]:
    """What ``link_flows`` answered before it was indexed: every flow, then every link, for each link."""
    riding = []
    for flow in spec.flows:
        ends = (endpoint_site(spec, flow.source), endpoint_site(spec, flow.destination))
        areas = {spec.endpoint_area(flow.source), spec.endpoint_area(flow.destination)}
        if None in ends or ends[0] == ends[1] or set(ends) != set(link.between):
            continue
        carrying = _scanned_links_carrying(spec, link.between[0], link.between[1], areas)
        if carrying and carrying[0][1] is link:
            riding.append(flow)
    return riding


@pytest.mark.parametrize("build", [with_many_links, with_many_cross_site_flows], ids=["links", "flows"])
def test_the_indexed_answers_are_the_scanned_ones(write_spec: SpecWriter, build: Any) -> None:
    data = build(40)
    spec = load_spec(write_spec(data))
    for link in spec.links:
        assert link_flows(spec, link) == _scanned_link_flows(spec, link)
    for areas in ({"mynumber"}, {"mynumber", "lgwan"}, {"internet", "public"}, {"lgwan"}):
        for first, second in (("dc1", "gc"), ("gc", "dc1"), ("portal", "dc1"), ("dc1", "dc1")):
            assert links_carrying(spec, first, second, areas) == _scanned_links_carrying(spec, first, second, areas)


def test_a_copy_with_other_sites_answers_for_its_own_sites(write_spec: SpecWriter) -> None:
    spec = load_spec(write_spec(with_many_sites(5)))
    assert spec.site("cloud-00004").id == "cloud-00004" and "cloud-00004" in sites_carrying(spec, "public")
    fewer = spec.model_copy(update={"sites": spec.sites[:4]})
    with pytest.raises(KeyError):
        fewer.site("cloud-00004")
    assert "cloud-00004" not in sites_carrying(fewer, "public")
    assert runs_at(spec, MiddlewareRole.INTEGRATION_HUB, "mynumber", "gc")
    hub = spec.middleware.integration_hub
    assert hub is not None
    narrowed = spec.middleware.model_copy(update={"integration_hub": hub.model_copy(update={"sites": ["dc1"]})})
    assert not runs_at(
        spec.model_copy(update={"middleware": narrowed}), MiddlewareRole.INTEGRATION_HUB, "mynumber", "gc"
    )
    # The original keeps its own answers.
    assert spec.site("cloud-00004").id == "cloud-00004"


def test_an_unknown_site_among_many_names_a_few_known_ones_and_the_count(write_spec: SpecWriter) -> None:
    data = with_many_sites(SITES)
    data["links"][0]["between"] = ["dc1", "nowhere"]
    problems = _problems(write_spec, data)
    assert problems[0] == (
        "links[0].between[1]",
        f"unknown site 'nowhere'; known: dc1, gc, portal, cloud-00000, cloud-00001, cloud-00002, cloud-00003, "
        f"cloud-00004, cloud-00005, cloud-00006, cloud-00007, cloud-00008, … ({SITES + 3:,} in all)",
    )
