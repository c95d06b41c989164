"""What a change did to the network picture: paths added, removed, widened (or narrowed), by pair of groups.

Two pictures (before and after, each from its state's ``inventory`` output) are compared edge by edge:
a path is a pair of groups (source, target) with every port any rule between them opens. A pair only
in the new picture is added, only in the old one removed, in both with a port the old one lacked
widened, in both with fewer ports narrowed. ``union_picture`` keeps the removed paths (and the groups
and areas only the old state had) so ``network_svg`` can draw them, red and dashed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from kiban.report.picture import EdgeMark, NetworkPicture, PictureEdge

PathKind = Literal["added", "removed", "widened", "narrowed"]


@dataclass(frozen=True)
class PathChange:
    """One pair of groups whose path changed, with the ports it opened before and after."""

    source: str
    target: str
    kind: PathKind
    old_ports: tuple[str, ...]
    new_ports: tuple[str, ...]
    flows: tuple[str, ...]  # the declared flows behind it (either side), when there are any

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.target)

    @property
    def ports_added(self) -> tuple[str, ...]:
        return tuple(port for port in self.new_ports if port not in self.old_ports)

    @property
    def ports_removed(self) -> tuple[str, ...]:
        return tuple(port for port in self.old_ports if port not in self.new_ports)


def _ports_by_pair(edges: Iterable[PictureEdge]) -> dict[tuple[str, str], list[str]]:
    ports: dict[tuple[str, str], list[str]] = {}
    for edge in edges:
        known = ports.setdefault(edge.key, [])
        known.extend(port for port in edge.ports if port not in known)
    return ports


def _flows_by_pair(edges: Iterable[PictureEdge]) -> dict[tuple[str, str], set[str]]:
    flows: dict[tuple[str, str], set[str]] = {}
    for edge in edges:
        flows.setdefault(edge.key, set())
        if edge.flow:
            flows[edge.key].add(edge.flow)
    return flows


def path_changes(old: NetworkPicture, new: NetworkPicture) -> list[PathChange]:
    """Every pair of groups whose ports differ between the two pictures, in (source, target) order."""
    before, after = _ports_by_pair(old.edges), _ports_by_pair(new.edges)
    flows = _flows_by_pair(old.edges)
    for key, named in _flows_by_pair(new.edges).items():
        flows.setdefault(key, set()).update(named)
    changes = []
    for key in sorted(before.keys() | after.keys()):
        old_ports, new_ports = tuple(before.get(key, ())), tuple(after.get(key, ()))
        kind: PathKind
        if not old_ports:
            kind = "added"
        elif not new_ports:
            kind = "removed"
        elif set(new_ports) - set(old_ports):
            kind = "widened"
        elif set(old_ports) - set(new_ports):
            kind = "narrowed"
        else:
            continue
        changes.append(PathChange(key[0], key[1], kind, old_ports, new_ports, tuple(sorted(flows.get(key, ())))))
    return changes


def union_picture(old: NetworkPicture, new: NetworkPicture) -> NetworkPicture:
    """The new picture plus what only the old one had: its groups, areas, sites, links and removed paths."""
    nodes = {node.id: node for node in old.nodes} | {node.id: node for node in new.nodes}
    new_areas = {(area.site, area.id) for area in new.areas}
    gone_areas = tuple(area for area in old.areas if (area.site, area.id) not in new_areas)
    new_pairs = {edge.key for edge in new.edges}
    removed = [edge for edge in old.edges if edge.key not in new_pairs]
    return replace(
        new,
        sites=tuple({site.id: site for site in (*new.sites, *old.sites)}.values()),
        areas=(*new.areas, *gone_areas),
        nodes=tuple(nodes[node_id] for node_id in sorted(nodes)),
        edges=(*new.edges, *removed),
        links=tuple({link.id: link for link in (*new.links, *old.links)}.values()),
    )


def edge_marks(old: NetworkPicture, new: NetworkPicture) -> tuple[NetworkPicture, dict[tuple[str, str], EdgeMark]]:
    """The picture to draw (``union_picture``) and the colour of each path the change added, removed or widened.

    A narrowed path is not coloured: the change closed ports, it opened nothing (``path_changes`` lists it).
    """
    marks: dict[tuple[str, str], EdgeMark] = {}
    for change in path_changes(old, new):
        if change.kind != "narrowed":
            marks[change.key] = change.kind
    return union_picture(old, new), marks
