"""Read the arrows of a Graphviz SVG as a person would see them: between which groups, in which colour, which style."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

SVG = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class DrawnEdge:
    ends: str  # "source → target", the edge's tooltip
    classes: frozenset[str]
    stroke: str
    dashed: bool
    label: str


def drawn_edges(svg: str) -> list[DrawnEdge]:
    """Every ``<g class="edge ...">`` of the SVG with its path's stroke colour and its label text."""
    root = ElementTree.fromstring(svg)
    edges = []
    for group in root.iter(f"{SVG}g"):
        classes = frozenset(group.get("class", "").split())
        if "edge" not in classes:
            continue
        path = group.find(f"{SVG}path")
        title = group.find(f"{SVG}title")
        label = " ".join(text.text or "" for text in group.iter(f"{SVG}text"))
        edges.append(
            DrawnEdge(
                ends=(title.text or "") if title is not None else "",
                classes=classes,
                stroke=path.get("stroke", "") if path is not None else "",
                dashed=path is not None and path.get("stroke-dasharray") is not None,
                label=label,
            )
        )
    return edges
