"""The network picture: one node per group (never per VM), the declared flows as edges, forbidden pairs, the SVG."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from kiban.report import picture as picture_module
from kiban.report.picture import (
    LAYOUTS,
    NetworkPicture,
    PictureEdge,
    PictureLayoutError,
    PictureNode,
    edge_marks,
    network_dot,
    network_layout,
    network_svg,
    picture_from_inventories,
    picture_from_spec,
    spec_inventories,
    union_picture,
)
from kiban_platform.spec.instances import expand_vms
from kiban_platform.spec.load import load_spec
from tests.conftest import FOUR_SITE_SPEC, REPO, SAMPLE_SPEC

HYBRID_SPEC = REPO / "specs" / "sample-hybrid.yaml"


@pytest.fixture(scope="module")
def sample_spec():
    return load_spec(SAMPLE_SPEC)


@pytest.fixture(scope="module")
def sample(sample_spec) -> NetworkPicture:
    return picture_from_spec(sample_spec)


@pytest.fixture(scope="module")
def hybrid() -> NetworkPicture:
    return picture_from_spec(load_spec(HYBRID_SPEC))


def test_one_node_per_business_and_per_middleware_role_in_an_area_not_per_vm(sample, sample_spec):
    kinds = [node.kind for node in sample.nodes]
    assert kinds.count("business") == len(sample_spec.businesses) == 24
    roles_in_areas = sum(len(service.areas) for _, service in sample_spec.platform_services())
    assert kinds.count("middleware") == roles_in_areas
    assert kinds.count("external") == 2  # eLTAX and マイナポータル
    assert kinds.count("operations") == 3  # one terminal network per area
    assert len(sample.nodes) == 24 + roles_in_areas + 2 + 3
    assert len(expand_vms(sample_spec)) == 210  # what a node per VM would have drawn


def test_labels_put_the_japanese_name_first(sample):
    juki = sample.node("business:juki")
    assert juki.label == "住民基本台帳 juki"
    assert juki.area == "mynumber"
    assert juki.members == ("web×2", "app×3", "db×2", "batch×2")
    assert sample.node("middleware:integration_hub@mynumber").label == "連携基盤 integration_hub"


def test_every_declared_flow_is_an_edge_with_its_ports(sample, sample_spec):
    declared = {edge.flow: edge for edge in sample.edges if edge.flow is not None}
    assert set(declared) == {flow.id for flow in sample_spec.flows}
    eltax = declared["eltax-tokutei"]
    assert (eltax.source, eltax.target, eltax.ports) == (
        "external:eLTAX@lgwan",
        "middleware:integration_hub@mynumber",
        ("443/tcp",),
    )
    assert eltax.crosses_area and not eltax.crosses_site
    both_ways = [edge for edge in sample.edges if edge.flow == "kyuyo-to-zaimu"]
    assert {(edge.source, edge.target) for edge in both_ways} == {
        ("business:jinji-kyuyo", "business:zaimu-kaikei"),
        ("business:zaimu-kaikei", "business:jinji-kyuyo"),
    }
    assert not any(edge.source == edge.target for edge in sample.edges)


def test_area_pairs_without_a_declared_flow_are_forbidden(sample):
    # Only the internet area's hub may open connections into LGWAN (無害化通信); eLTAX is outside.
    assert sample.forbidden == (
        ("mynumber", "lgwan"),
        ("mynumber", "internet"),
        ("lgwan", "mynumber"),
        ("lgwan", "internet"),
        ("internet", "mynumber"),
    )


def test_hybrid_picture_has_its_sites_links_and_cross_site_flows_with_data_class(hybrid):
    assert [site.id for site in hybrid.sites] == ["dc1", "gc", "portal"]
    assert [link.id for link in hybrid.links] == ["dc1-gc", "portal-dc1"]
    crossing = {edge.flow: edge for edge in hybrid.edges if edge.crosses_site}
    assert {"gc-to-dc1-renkei", "portal-shinsei"} <= set(crossing)
    # Every path between sites is a declared flow (the operations planes' flows are added where the spec is loaded).
    assert set(crossing) <= {flow.id for flow in load_spec(HYBRID_SPEC).flows}
    renkei = crossing["gc-to-dc1-renkei"]
    assert (renkei.source, renkei.target, renkei.data) == (
        "gc/middleware:integration_hub@mynumber",
        "dc1/middleware:integration_hub@mynumber",
        "my_number",
    )
    portal = crossing["portal-shinsei"]
    assert portal.source == "portal/public_service:resident-portal" and portal.data == "personal"
    assert hybrid.node(portal.source).label == "住民ポータル resident-portal"
    # A business is drawn at its own site only, once.
    assert [node.id for node in hybrid.nodes if node.id.endswith("business:juki")] == ["gc/business:juki"]
    assert {(area.site, area.id) for area in hybrid.areas} == {
        ("dc1", "mynumber"),
        ("dc1", "lgwan"),
        ("dc1", "internet"),
        ("gc", "mynumber"),
        ("portal", "public"),
    }
    assert ("public", "internet") not in hybrid.forbidden  # the portal's one-way flow into the internet hub


def test_an_inventory_without_a_spec_keeps_ids_as_labels(sample_spec):
    bare = picture_from_inventories(spec_inventories(sample_spec))
    assert bare.node("business:juki").label == "juki"
    assert bare.node("business:juki").members == ()  # sizes and tiers come from hosts or the spec
    assert {edge.key for edge in bare.edges} == {edge.key for edge in picture_from_spec(sample_spec).edges}


def test_svg_is_inline_deterministic_and_draws_each_group_once(sample):
    first = network_svg(sample)
    assert first == network_svg(sample)
    assert first.startswith("<svg") and "<?xml" not in first and "<!DOCTYPE" not in first
    assert len(re.findall(r'<g id="[^"]*" class="node kind-', first)) == len(sample.nodes)
    assert "住民基本台帳 juki" in first
    assert "eltax-tokutei" in first
    assert "http://" not in first.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', ""
    )


def test_shared_planned_rules_are_one_arrow_from_the_businesses_box(sample):
    svg = network_svg(sample)
    # 20 businesses of the My Number area call its integration hub: one arrow, labelled with the count.
    assert "20 業務 businesses" in svg
    hub_arrows = re.findall(r"<title>[^<]*→ middleware:integration_hub@mynumber</title>", svg)
    assert len(hub_arrows) < 10


def test_marks_colour_added_widened_and_removed_paths(sample):
    old = replace(sample, edges=tuple(edge for edge in sample.edges if edge.flow != "eltax-tokutei"))
    new_edge = PictureEdge("business:juki", "business:koseki", ("8443/tcp",), None, False, False, "planted")
    widened = tuple(
        replace(edge, ports=(*edge.ports, "8080/tcp")) if edge.flow == "shinsei-mugaika" else edge
        for edge in sample.edges
    )
    new = replace(sample, edges=(*widened, new_edge))
    new = replace(new, edges=tuple(edge for edge in new.edges if edge.flow != "mynaportal-tokutei"))
    marks = edge_marks(replace(sample, edges=old.edges), new)
    assert marks[("business:juki", "business:koseki")] == "added"
    assert marks[("external:eLTAX@lgwan", "middleware:integration_hub@mynumber")] == "added"
    assert marks[("middleware:integration_hub@internet", "middleware:integration_hub@lgwan")] == "widened"
    assert marks[("external:マイナポータル@lgwan", "middleware:integration_hub@mynumber")] == "removed"
    assert len(marks) == 4

    both = union_picture(old, new)
    assert any(edge.flow == "mynaportal-tokutei" for edge in both.edges)
    svg = network_svg(both, marks)
    assert svg.count("mark-added") == 2 and svg.count("mark-widened") == 1 and svg.count("mark-removed") == 1
    assert 'stroke="#1a8a2e"' in svg and 'stroke="#e07b00"' in svg and 'stroke="#c62828"' in svg
    # A removed path only the marks know is drawn too, from its ends.
    alone = network_svg(new, {("external:マイナポータル@lgwan", "middleware:integration_hub@mynumber"): "removed"})
    assert "削除 removed" in alone
    assert network_svg(new, marks) == network_svg(new, dict(reversed(list(marks.items()))))


def test_names_from_a_state_are_text_never_graphviz_markup():
    # A state is a file from outside: a group named like an HTML label or with quotes must draw as text.
    odd = NetworkPicture(
        sites=(),
        areas=(),
        nodes=(
            PictureNode("<b", "<b", "business", None, None),
            PictureNode('x:"y"', "<i>\\", "external", None, None),
        ),
        edges=(PictureEdge("<b", 'x:"y"', ("1/tcp",), "<d>", True, False, None, "<k"),),
        forbidden=(),
    )
    svg = network_svg(odd)
    assert "&lt;b" in svg and "&lt;i&gt;\\" in svg and "[&lt;d&gt;]" in svg


# -- a city of four sites (issue 21: dot failed with "trouble in init_rank") ---------------------------


@pytest.fixture(scope="module")
def four_sites() -> NetworkPicture:
    return picture_from_spec(load_spec(FOUR_SITE_SPEC))


def test_a_four_site_city_is_laid_out_by_dot_as_drawn(four_sites: NetworkPicture):
    laid_out = network_layout(four_sites)
    assert laid_out.note is None
    titles = set(re.findall(r"<title>([^<]*)</title>", laid_out.svg))
    assert {node.id for node in four_sites.nodes} <= titles
    assert {site.id for site in four_sites.sites} == {"dc1", "dc2", "gc", "portal"}
    assert laid_out.svg.count('class="edge link"') == len(four_sites.links) == 3


def test_no_forbidden_pair_constrains_the_ranks(four_sites: NetworkPicture):
    """minlen=0 between two clusters is what made dot fail; a forbidden pair must not shape the layout."""
    source = network_dot(four_sites)
    forbidden = [line for line in source.splitlines() if "class=forbidden" in line]
    assert forbidden and all("constraint=false" in line and "minlen" not in line for line in forbidden)


def _failing_first(failing: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make Graphviz fail, as dot did on the four-site city, for the first ``failing`` layouts tried."""
    import graphviz

    tried: list[str] = []
    real = picture_module._pipe

    def pipe(graph: object) -> str:
        tried.append(str(getattr(graph, "engine", "")))
        if len(tried) <= failing:
            raise graphviz.CalledProcessError(1, ["dot"], stderr=b"Error: trouble in init_rank\n\t%0 2\n")
        return real(graph)

    monkeypatch.setattr(picture_module, "_pipe", pipe)
    return tried


def test_a_layout_dot_cannot_make_falls_back_and_says_so(hybrid: NetworkPicture, monkeypatch: pytest.MonkeyPatch):
    tried = _failing_first(1, monkeypatch)
    laid_out = network_layout(hybrid)
    assert len(tried) == 2
    assert laid_out.note is not None
    assert "dot: Error: trouble in init_rank" in laid_out.note and "no arrow shaping the ranks" in laid_out.note
    assert laid_out.svg.startswith("<svg")


def test_fdp_is_the_last_resort(hybrid: NetworkPicture, monkeypatch: pytest.MonkeyPatch):
    tried = _failing_first(len(LAYOUTS) - 1, monkeypatch)
    laid_out = network_layout(hybrid)
    assert tried == ["dot", "dot", "fdp"]
    assert laid_out.note is not None and "fdp" in laid_out.note


def test_when_every_layout_fails_the_error_names_each(hybrid: NetworkPicture, monkeypatch: pytest.MonkeyPatch):
    _failing_first(len(LAYOUTS), monkeypatch)
    with pytest.raises(PictureLayoutError) as error:
        network_layout(hybrid)
    assert [part.split(":")[0].strip() for part in str(error.value).split(": ", 1)[1].split("; ")] == [
        layout.name for layout in LAYOUTS
    ]
