"""What a change did to the network picture: paths added, removed, widened, narrowed; and drawn in colour."""

from __future__ import annotations

from kiban.report.changes import edge_marks, path_changes, union_picture
from kiban.report.picture import (
    MARK_STYLE,
    NetworkPicture,
    PictureArea,
    PictureEdge,
    PictureNode,
    network_svg,
)
from tests.kiban.report.svg_edges import drawn_edges

AREAS = (
    PictureArea("secure", "マイナンバー系", "My Number", "high", None, "10.10.0.0/16", (100,), (100, 199), 1),
    PictureArea("office", "LGWAN接続系", "LGWAN", "middle", None, "10.20.0.0/16", (200,), (200, 299), 1),
)
NODES = (
    PictureNode("business:juki", "住民記録 juki", "business", "secure", None),
    PictureNode("business:kyuyo", "人事給与 kyuyo", "business", "office", None),
    PictureNode("middleware:integration_hub@secure", "連携基盤 integration_hub", "middleware", "secure", None),
    PictureNode("middleware:integration_hub@office", "連携基盤 integration_hub", "middleware", "office", None),
)


def edge(source: str, target: str, *ports: str, flow: str | None = None) -> PictureEdge:
    crosses = source.rsplit("@", 1)[-1] != target.rsplit("@", 1)[-1]
    return PictureEdge(source, target, ports, None, crosses, False, flow)


HUB_TO_HUB = edge("middleware:integration_hub@office", "middleware:integration_hub@secure", "443/tcp", flow="to-secure")
JUKI_TO_HUB = edge("business:juki", "middleware:integration_hub@secure", "443/tcp", "8443/tcp")
KYUYO_TO_HUB = edge("business:kyuyo", "middleware:integration_hub@office", "443/tcp")


def picture(*edges: PictureEdge, nodes: tuple[PictureNode, ...] = NODES) -> NetworkPicture:
    return NetworkPicture(sites=(), areas=AREAS, nodes=nodes, edges=edges, forbidden=())


def test_added_removed_widened_and_narrowed_paths() -> None:
    old = picture(HUB_TO_HUB, JUKI_TO_HUB, edge("business:kyuyo", "middleware:integration_hub@office", "443/tcp"))
    new = picture(
        edge(
            "middleware:integration_hub@office",
            "middleware:integration_hub@secure",
            "443/tcp",
            "22/tcp",
            flow="to-secure",
        ),
        edge("business:juki", "middleware:integration_hub@secure", "443/tcp"),
        edge("business:kyuyo", "business:juki", "5432/tcp", flow="planted"),
    )
    changes = {(change.source, change.target): change for change in path_changes(old, new)}
    assert {key: change.kind for key, change in changes.items()} == {
        ("middleware:integration_hub@office", "middleware:integration_hub@secure"): "widened",
        ("business:juki", "middleware:integration_hub@secure"): "narrowed",
        ("business:kyuyo", "business:juki"): "added",
        ("business:kyuyo", "middleware:integration_hub@office"): "removed",
    }
    widened = changes[("middleware:integration_hub@office", "middleware:integration_hub@secure")]
    assert widened.ports_added == ("22/tcp",) and widened.ports_removed == () and widened.flows == ("to-secure",)
    assert changes[("business:juki", "middleware:integration_hub@secure")].ports_removed == ("8443/tcp",)

    drawn, marks = edge_marks(old, new)
    # Narrowing opens nothing: listed by path_changes, not coloured.
    assert marks == {
        ("middleware:integration_hub@office", "middleware:integration_hub@secure"): "widened",
        ("business:kyuyo", "business:juki"): "added",
        ("business:kyuyo", "middleware:integration_hub@office"): "removed",
    }
    assert ("business:kyuyo", "middleware:integration_hub@office") in {e.key for e in drawn.edges}


def test_ports_of_several_rules_between_one_pair_add_up() -> None:
    # Two rule kinds between one pair: the path is the pair, its ports all the rules' ports.
    old = picture(edge("business:juki", "business:kyuyo", "443/tcp"), edge("business:juki", "business:kyuyo", "22/tcp"))
    new = picture(edge("business:juki", "business:kyuyo", "22/tcp", "443/tcp"))
    assert path_changes(old, new) == []
    assert edge_marks(old, new)[1] == {}


def test_the_union_keeps_groups_and_areas_only_the_old_state_had() -> None:
    gone = PictureNode("business:gone", "廃止業務 gone", "business", "retired", None)
    retired = PictureArea("retired", "旧区画", None, "middle", None, "10.99.0.0/16", (), None, 0)
    old = NetworkPicture(
        (), (*AREAS, retired), (*NODES, gone), (edge("business:gone", "business:juki", "443/tcp"),), ()
    )
    new = picture(KYUYO_TO_HUB)
    union = union_picture(old, new)
    assert [area.id for area in union.areas] == ["secure", "office", "retired"]
    assert union.node("business:gone").label == "廃止業務 gone"
    assert [e.key for e in union.edges] == [KYUYO_TO_HUB.key, ("business:gone", "business:juki")]


def test_the_marks_are_drawn_in_their_colours() -> None:
    old = picture(HUB_TO_HUB, KYUYO_TO_HUB)
    new = picture(
        edge(
            "middleware:integration_hub@office",
            "middleware:integration_hub@secure",
            "443/tcp",
            "22/tcp",
            flow="to-secure",
        ),
        edge("business:kyuyo", "business:juki", "5432/tcp", flow="planted"),
    )
    edges = {edge.ends: edge for edge in drawn_edges(network_svg(*edge_marks(old, new)))}
    for mark, ends in (
        ("added", "business:kyuyo → business:juki"),
        ("widened", "middleware:integration_hub@office → middleware:integration_hub@secure"),
        ("removed", "business:kyuyo → middleware:integration_hub@office"),
    ):
        assert f"mark-{mark}" in edges[ends].classes, (ends, edges[ends])
        assert edges[ends].stroke == MARK_STYLE[mark]["color"]
        assert edges[ends].dashed == (mark == "removed")
    assert "22/tcp" in edges["middleware:integration_hub@office → middleware:integration_hub@secure"].label
    unmarked = picture(HUB_TO_HUB, KYUYO_TO_HUB)
    drawn = drawn_edges(network_svg(*edge_marks(unmarked, unmarked)))
    assert drawn and not any(c.startswith("mark-") for edge in drawn for c in edge.classes)
