"""The network picture: security areas (and sites), their groups of hosts, and the paths between them.

A picture is data first (``NetworkPicture``), drawn second (``network_svg``). It is built from the
stack output ``inventory`` (one document per site stack), and a spec is first turned into the very
documents its stacks would publish (``build_inventory`` of each site's own plan), so a report from
a spec and one from its render draw the same picture. The spec, when there is one, adds what an
inventory lacks: Japanese names and VLAN ranges.

One node stands for a group, never for a VM: a business in its area (all its tiers), a middleware
role in an area at a site, an outside network, a public service, an operators' terminal network.
One edge stands for one declared flow between two nodes, or for one kind of planned rule between
them, with every port it opens; rules inside one node (tier to tier, health checks) are not drawn.

The drawing is Graphviz's ``dot`` (through the ``graphviz`` package): clusters per site and per
area, the businesses of an area in a grid of their own, and the planned rules that every business
of an area has towards one middleware role drawn once, from the businesses' box, so a city of
thousands of VMs stays a picture of a few dozen boxes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from kiban_platform.spec.model import PlatformSpec

NodeKind = Literal["middleware", "business", "external", "public_service", "operations"]
EdgeMark = Literal["added", "removed", "widened"]

# The Japanese name of each middleware role, shown first on its node.
ROLE_NAMES: dict[str, str] = {
    "job_management": "ジョブ管理",
    "integration_hub": "連携基盤",
    "load_balancer": "負荷分散",
    "database": "共用データベース",
    "monitoring": "監視・ログ",
    "time_name": "時刻・名前解決",
    "bastion": "踏み台",
}
LEVEL_NAMES: dict[str, str] = {
    "high": "マイナンバー利用事務系 level",
    "middle": "LGWAN接続系 level",
    "internet": "インターネット接続系 level",
    "public": "パブリッククラウド level",
}
DECLARED = "declared-flow"
# Planned rules of these kinds are those every host of an area has: drawn once from the area's
# businesses when several share them, so they do not bury the declared flows.
SHARED_KINDS = frozenset(
    {
        "to-integration-hub",
        "to-job-management",
        "to-shared-database",
        "to-time-name",
        "to-monitoring",
        "bastion-to-host",
        "load-balancer-to-web",
    }
)


@dataclass(frozen=True)
class PictureSite:
    id: str
    kind: str | None  # on_prem, government_cloud, public_cloud
    target: str | None  # openstack, aws
    region: str | None
    areas: tuple[tuple[str, str], ...]  # (area id, the site's block of it)


@dataclass(frozen=True)
class PictureLink:
    id: str
    between: tuple[str, str]
    carrier: str
    transport: str
    encryption: str
    areas: tuple[str, ...]


@dataclass(frozen=True)
class PictureArea:
    """One security area at one site (``site`` None for a city without sites)."""

    id: str
    name: str  # Japanese name
    name_en: str | None  # None when only a state was read
    level: str
    site: str | None
    block: str  # the area's block (at this site)
    vlans: tuple[int, ...]  # the VLANs of its segments, plan order
    vlan_range: tuple[int, int] | None  # the spec's range (None from a state alone)
    segments: int


@dataclass(frozen=True)
class PictureNode:
    """One group: a middleware role in an area, a business in an area (NOT one per VM), an outside network,
    a public service, or an operators' terminal network."""

    id: str
    label: str  # Japanese name first where there is one, e.g. "住民記録 juki"
    kind: str  # "middleware" | "business" | "external" | "public_service" | "operations"
    area: str | None
    site: str | None
    members: tuple[str, ...] = ()  # what the group holds, e.g. ("web×2", "app×2") or ("2 nodes",)


@dataclass(frozen=True)
class PictureEdge:
    """One declared flow (or one kind of planned rule) from ``source`` to ``target``."""

    source: str
    target: str
    ports: tuple[str, ...]  # e.g. ("443/tcp",)
    data: str | None  # data class of a hybrid city's flow
    crosses_area: bool
    crosses_site: bool
    flow: str | None  # the flow id when declared
    kind: str = DECLARED  # the flow plan's rule kind

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.target)


@dataclass(frozen=True)
class NetworkPicture:
    sites: tuple[PictureSite, ...]
    areas: tuple[PictureArea, ...]
    nodes: tuple[PictureNode, ...]
    edges: tuple[PictureEdge, ...]
    forbidden: tuple[tuple[str, str], ...]  # (from area, to area): no flow may open connections that way
    links: tuple[PictureLink, ...] = ()
    title: str = ""

    def node(self, node_id: str) -> PictureNode:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)


# -- from inventories -----------------------------------------------------------------------------


def _with_site(site: str | None, base: str) -> str:
    return f"{site}/{base}" if site else base


@dataclass
class _Builder:
    spec: PlatformSpec | None
    nodes: dict[str, PictureNode] = field(default_factory=dict)
    ports: dict[tuple[str, str, str | None, str], set[str]] = field(default_factory=dict)
    data: dict[tuple[str, str, str | None, str], str | None] = field(default_factory=dict)
    areas: dict[tuple[str | None, str], PictureArea] = field(default_factory=dict)
    sites: dict[str, PictureSite] = field(default_factory=dict)
    links: dict[str, PictureLink] = field(default_factory=dict)
    business_areas: dict[str, str] = field(default_factory=dict)
    members: dict[str, dict[str, int]] = field(default_factory=dict)
    cross_site_areas: dict[tuple[str, str], str] = field(default_factory=dict)  # (flow, site) -> area

    # Labels: the spec's Japanese names where there is a spec.
    def business_label(self, business: str) -> str:
        if self.spec is not None:
            for candidate in self.spec.businesses:
                if candidate.id == business:
                    return f"{candidate.name} {business}"
        return business

    def public_service_label(self, service: str) -> str:
        if self.spec is not None:
            for candidate in self.spec.public_services:
                if candidate.id == service:
                    return f"{candidate.name} {service}"
        return service

    def add_node(self, node: PictureNode) -> str:
        known = self.nodes.get(node.id)
        if known is None or (known.area is None and node.area is not None):
            self.nodes[node.id] = node
        return node.id

    def group_node(self, group: Mapping[str, Any], here: str | None, flow: str | None) -> str:
        """The node of one rule end (an inventory's ``from``/``to``), at site ``here`` of the document."""
        group_id = str(group["group"])
        site = group.get("site", here)
        area = group.get("area")
        if site != here and group_id.startswith("external:") and site is not None:
            # A far end in a site's view: "external:<far site>:<its own group id>@<local area>".
            inner = group_id.removeprefix(f"external:{site}:").rsplit("@", 1)[0]
            far_area = self.cross_site_areas.get((flow or "", site))
            return self.plain_node(inner, site, far_area)
        return self.plain_node(group_id, site, area, str(group.get("kind", "")))

    def plain_node(self, group_id: str, site: str | None, area: str | None, kind: str = "") -> str:
        if group_id.startswith("public_service:"):
            service = group_id.removeprefix("public_service:")
            base = f"public_service:{service}"
            return self.add_node(
                PictureNode(_with_site(site, base), self.public_service_label(service), "public_service", area, site)
            )
        if group_id.startswith("operations:"):
            name, _, where = group_id.removeprefix("operations:").partition("@")
            base = f"operations:{name}@{where}"
            label = f"運用端末 {name}"
            return self.add_node(PictureNode(_with_site(site, base), label, "operations", where or area, site))
        if group_id.startswith("external:"):
            name, _, where = group_id.removeprefix("external:").rpartition("@")
            base = f"external:{name}@{where}"
            label = f"{name} (外部 external)"
            return self.add_node(PictureNode(_with_site(site, base), label, "external", where or area, site))
        if "/" in group_id or kind == "business-tier":
            return self.business_node(group_id.split("/", 1)[0], site, area)
        role, _, where = group_id.partition("@")
        label = f"{ROLE_NAMES.get(role, role)} {role}"
        return self.add_node(
            PictureNode(_with_site(site, f"middleware:{role}@{where}"), label, "middleware", where, site)
        )

    def business_node(self, business: str, site: str | None, area: str | None) -> str:
        """A business's one node (all its tiers), in its own area wherever a rule end names it."""
        home = self.business_areas.get(business, area)
        node = PictureNode(
            _with_site(site, f"business:{business}"), self.business_label(business), "business", home, site
        )
        return self.add_node(node)

    def add_rule(self, rule: Mapping[str, Any], here: str | None) -> None:
        flow = rule.get("flow")
        source = self.group_node(rule["from"], here, flow)
        target = self.group_node(rule["to"], here, flow)
        if source == target:
            return
        kind = str(rule.get("kind", DECLARED))
        key = (source, target, flow, DECLARED if flow else kind)
        self.ports.setdefault(key, set()).add(str(rule["port"]))
        data = rule.get("data")
        if data is None and flow and self.spec is not None:
            data = next((f.data.value for f in self.spec.flows if f.id == flow and f.data is not None), None)
        self.data[key] = data

    def read(self, inventory: Mapping[str, Any]) -> None:
        here = inventory.get("site")
        for site in inventory.get("sites") or []:
            areas = tuple(sorted((str(a), str(b)) for a, b in dict(site.get("areas", {})).items()))
            self.sites.setdefault(
                site["id"], PictureSite(site["id"], site.get("kind"), site.get("target"), site.get("region"), areas)
            )
        for link in inventory.get("links") or []:
            between = tuple(link["between"])
            self.links.setdefault(
                link["id"],
                PictureLink(
                    link["id"],
                    (str(between[0]), str(between[1])),
                    str(link.get("carrier", "")),
                    str(link.get("transport", "")),
                    str(link.get("encryption", "")),
                    tuple(link.get("areas", ())),
                ),
            )
        for crossing in inventory.get("cross_site_flows") or []:
            for end in ("from", "to"):
                self.cross_site_areas[(crossing["flow"], crossing[end]["site"])] = crossing[end]["area"]
        for area in inventory.get("areas") or []:
            self.add_area(area, here)
            for segment in area.get("segments") or []:
                if segment.get("business"):
                    self.business_areas[segment["business"]] = area["id"]
                    self.business_node(segment["business"], here, area["id"])
        for host in inventory.get("hosts") or []:
            self.add_host(host, here)
        for rule in inventory.get("flows") or []:
            self.add_rule(rule, here)

    def add_area(self, area: Mapping[str, Any], site: str | None) -> None:
        name_en: str | None = None
        vlan_range: tuple[int, int] | None = None
        name = str(area.get("name", area["id"]))
        if self.spec is not None:
            for known in self.spec.areas:
                if known.id == area["id"]:
                    name_en, vlan_range, name = known.name_en, (known.vlans.first, known.vlans.last), known.name
        vlans = tuple(int(vlan) for vlan in area.get("vlans") or ())
        self.areas[(site, area["id"])] = PictureArea(
            id=str(area["id"]),
            name=name,
            name_en=name_en,
            level=str(area.get("level") or ""),
            site=site,
            block=str(area.get("cidr", "")),
            vlans=vlans,
            vlan_range=vlan_range,
            segments=len(area.get("segments") or ()),
        )

    def add_host(self, host: Mapping[str, Any], here: str | None) -> None:
        site = host.get("site", here)
        if host.get("business"):
            node = self.business_node(host["business"], site, host.get("area"))
            label = str(host.get("tier") or "vm")
        else:
            role = str(host.get("role", ""))
            node = self.plain_node(f"{role}@{host.get('area')}", site, host.get("area"), "middleware")
            label = "nodes"
        counts = self.members.setdefault(node, {})
        counts[label] = counts.get(label, 0) + 1

    def picture(self) -> NetworkPicture:
        nodes = [self._with_members(node) for node in self.nodes.values()]
        nodes = [self._home(node) for node in nodes]
        by_id = {node.id: node for node in nodes}
        edges = []
        for (source, target, flow, kind), ports in self.ports.items():
            a, b = by_id[source], by_id[target]
            external = "external" in (a.kind, b.kind) or "public_service" in (a.kind, b.kind)
            edges.append(
                PictureEdge(
                    source=source,
                    target=target,
                    ports=tuple(sorted(ports, key=_port_order)),
                    data=self.data.get((source, target, flow, kind)),
                    crosses_area=a.area != b.area or external,
                    crosses_site=a.site is not None and b.site is not None and a.site != b.site,
                    flow=flow,
                    kind=kind,
                )
            )
        edges.sort(key=lambda edge: (edge.source, edge.target, edge.flow or "", edge.kind))
        areas = tuple(sorted(self.areas.values(), key=self._area_order))
        title = ""
        if self.spec is not None:
            title = f"{self.spec.municipality.name} {self.spec.municipality.name_en}"
        return NetworkPicture(
            sites=tuple(sorted(self.sites.values(), key=self._site_order)),
            areas=areas,
            nodes=tuple(sorted(nodes, key=lambda node: node.id)),
            edges=tuple(edges),
            forbidden=_forbidden(areas, nodes, edges),
            links=tuple(sorted(self.links.values(), key=lambda link: link.id)),
            title=title,
        )

    def _with_members(self, node: PictureNode) -> PictureNode:
        if self.spec is not None and not self.members.get(node.id):
            return replace(node, members=_spec_members(self.spec, node))
        counts = self.members.get(node.id, {})
        if node.kind == "middleware":
            return replace(node, members=(f"{counts['nodes']} nodes",) if counts.get("nodes") else ())
        order = {"web": 0, "app": 1, "db": 2, "batch": 3}
        tiers = sorted(counts, key=lambda tier: (order.get(tier, 9), tier))
        return replace(node, members=tuple(f"{tier}×{counts[tier]}" for tier in tiers))

    def _home(self, node: PictureNode) -> PictureNode:
        if node.kind == "business" and not node.area:
            business = node.id.rsplit("business:", 1)[1]
            return replace(node, area=self.business_areas.get(business) or None)
        return node

    def _site_order(self, site: PictureSite) -> tuple[int, str]:
        if self.spec is not None:
            order = [known.id for known in self.spec.sites]
            if site.id in order:
                return (order.index(site.id), site.id)
        return (len(self.sites), site.id)

    def _area_order(self, area: PictureArea) -> tuple[int, int, str]:
        sites = [site.id for site in sorted(self.sites.values(), key=self._site_order)]
        site_rank = sites.index(area.site) if area.site in sites else 0
        levels = ["high", "middle", "internet", "public"]
        return (site_rank, levels.index(area.level) if area.level in levels else len(levels), area.id)


def _spec_members(spec: PlatformSpec, node: PictureNode) -> tuple[str, ...]:
    """What a group holds, from the spec (a state's hosts say it when there is no spec)."""
    if node.kind == "business":
        business_id = node.id.rsplit("business:", 1)[1]
        for business in spec.businesses:
            if business.id == business_id:
                return tuple(f"{name.value}×{tier.replicas}" for name, tier in business.tiers.items())
    if node.kind == "middleware":
        role = node.id.rsplit("middleware:", 1)[1].split("@", 1)[0]
        if role == "bastion":
            service = spec.bastion_service()
        else:
            service = next((svc for known, svc in spec.middleware.items() if known.value == role), None)
        if service is not None:
            return (f"{service.replicas} nodes",)
    return ()


def _port_order(port: str) -> tuple[int, str]:
    number = re.match(r"\d+", port)
    return (int(number.group()) if number else 0, port)


def _forbidden(
    areas: Sequence[PictureArea], nodes: Iterable[PictureNode], edges: Iterable[PictureEdge]
) -> tuple[tuple[str, str], ...]:
    """Ordered pairs of distinct areas between which no host may open a connection (outside networks aside)."""
    hosted = ("middleware", "business", "public_service")
    inside = {node.id: node.area for node in nodes if node.kind in hosted and node.area}
    allowed = {
        (inside[edge.source], inside[edge.target]) for edge in edges if edge.source in inside and edge.target in inside
    }
    ids = list(dict.fromkeys(area.id for area in areas))
    return tuple((a, b) for a in ids for b in ids if a != b and (a, b) not in allowed)


def picture_from_inventories(
    inventories: Sequence[Mapping[str, Any]], spec: PlatformSpec | None = None
) -> NetworkPicture:
    """The picture of one stack's ``inventory`` output, or of every site stack of a hybrid city.

    ``spec`` (optional) adds what an inventory does not carry: Japanese names, English area names,
    VLAN ranges, data classes of flows.
    """
    builder = _Builder(spec)
    for inventory in inventories:
        builder.read(inventory)
    return builder.picture()


def spec_inventories(spec: PlatformSpec) -> list[dict[str, Any]]:
    """The ``inventory`` documents the spec's stacks would publish, hosts left out (the picture needs none)."""
    from kiban_platform.network.flows import plan_flows
    from kiban_platform.network.inventory import build_inventory
    from kiban_platform.network.plan import plan_network

    if not spec.sites:
        network = plan_network(spec)
        return [build_inventory(spec, network, plan_flows(spec, network), [], "")]
    from kiban_platform.network.site_inventory import hybrid_inventory
    from kiban_platform.network.sites import site_view

    documents = []
    for site in spec.sites:
        view = site_view(spec, site.id)
        network = plan_network(view)
        inventory = build_inventory(view, network, plan_flows(view, network), [], site.target.value)
        documents.append(hybrid_inventory(spec, site.id, inventory))
    return documents


def picture_from_spec(spec: PlatformSpec) -> NetworkPicture:
    """The picture of a loaded spec: the documents its stacks would publish, read as a state's are."""
    return picture_from_inventories(spec_inventories(spec), spec)


# -- comparing two pictures (kiban diff --format html) ---------------------------------------------


def edge_marks(old: NetworkPicture, new: NetworkPicture) -> dict[tuple[str, str], EdgeMark]:
    """What a change did to each path between two nodes: added, removed, or widened (more ports)."""

    def ports(picture: NetworkPicture) -> dict[tuple[str, str], set[str]]:
        found: dict[tuple[str, str], set[str]] = {}
        for edge in picture.edges:
            found.setdefault(edge.key, set()).update(edge.ports)
        return found

    before, after = ports(old), ports(new)
    marks: dict[tuple[str, str], EdgeMark] = {}
    for key in sorted(set(before) | set(after)):
        if key not in before:
            marks[key] = "added"
        elif key not in after:
            marks[key] = "removed"
        elif after[key] - before[key]:
            marks[key] = "widened"
    return marks


def union_picture(old: NetworkPicture, new: NetworkPicture) -> NetworkPicture:
    """``new`` with the nodes and edges only ``old`` had, so removed paths can be drawn too."""
    node_ids = {node.id for node in new.nodes}
    nodes = list(new.nodes) + [node for node in old.nodes if node.id not in node_ids]
    edge_keys = {edge.key for edge in new.edges}
    edges = list(new.edges) + [edge for edge in old.edges if edge.key not in edge_keys]
    area_keys = {(area.site, area.id) for area in new.areas}
    areas = list(new.areas) + [area for area in old.areas if (area.site, area.id) not in area_keys]
    return replace(
        new,
        nodes=tuple(sorted(nodes, key=lambda node: node.id)),
        edges=tuple(sorted(edges, key=lambda edge: (edge.source, edge.target, edge.flow or "", edge.kind))),
        areas=tuple(areas),
    )


# -- drawing ---------------------------------------------------------------------------------------

FONT = "Noto Sans CJK JP"
KIND_STYLE: dict[str, dict[str, str]] = {
    "middleware": {"fillcolor": "#dbe8f6", "color": "#2f5d8a"},
    "business": {"fillcolor": "#fdf1d6", "color": "#8a6a2f"},
    "external": {"fillcolor": "#eeeeee", "color": "#555555", "shape": "cds"},
    "public_service": {"fillcolor": "#e6f4e6", "color": "#2f7a3a", "shape": "cds"},
    "operations": {"fillcolor": "#f3e6f4", "color": "#6b2f7a", "shape": "component"},
}
LEVEL_FILL = {"high": "#fbeaea", "middle": "#fdf6e3", "internet": "#eaf4fb", "public": "#eef8ee"}
MARK_STYLE: dict[str, dict[str, str]] = {
    "added": {"color": "#1a8a2e", "fontcolor": "#1a8a2e", "penwidth": "3"},
    "widened": {"color": "#e07b00", "fontcolor": "#e07b00", "penwidth": "3"},
    "removed": {"color": "#c62828", "fontcolor": "#c62828", "penwidth": "2.5", "style": "dashed"},
}
# Every host of an area uses these: written on the role's node instead of one arrow per host group.
AREA_WIDE_KINDS = {"to-time-name": "全ホストから from every host", "to-monitoring": "全ホストから from every host"}
FROM_BASTION = "bastion-to-host"
# Businesses of an area laid out this many to a column, so a large area is a block, not a line.
GRID_COLUMN = 8


class PictureLayoutError(RuntimeError):
    """Graphviz could lay the picture out in none of ``LAYOUTS``."""


@dataclass(frozen=True)
class Layout:
    """One way of laying the picture out: an engine, and attributes set on the graph and every edge."""

    name: str
    description: str  # as the page says it, when a fallback was used
    engine: str = "dot"
    graph: Mapping[str, str] = field(default_factory=dict)
    edge: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LaidOut:
    svg: str
    note: str | None  # None when the first layout succeeded; else what failed and what drew it


# Tried in order until one succeeds: the picture as drawn; dot with no arrow shaping the ranks (the
# boxes keep their clusters, the arrows are routed afterwards); fdp, which has no ranks at all
# (arrows are straight lines and may cross boxes). dot's newrank is no fallback: it fails on the
# samples themselves (compound arrows between clusters).
LAYOUTS: tuple[Layout, ...] = (
    Layout("dot", "dot"),
    Layout("dot unconstrained", "dot, no arrow shaping the ranks", edge={"constraint": "false"}),
    Layout("fdp", "fdp (a force-directed layout: straight arrows, boxes placed by attraction)", engine="fdp"),
)


def _cluster_name(*parts: str | None) -> str:
    return "cluster_" + "_".join(re.sub(r"[^A-Za-z0-9]", "_", part) for part in parts if part)


def _escape(text: str) -> str:
    """``text`` as Graphviz shows it: backslashes kept, and never read as an HTML label ("<b>" is text)."""
    import graphviz

    escaped: str = graphviz.escape(text)  # a str subclass that the binding never quotes as HTML
    return escaped


class _Drawing:
    def __init__(self, picture: NetworkPicture, marks: Mapping[tuple[str, str], EdgeMark]) -> None:
        self.picture = picture
        self.marks = marks
        self.nodes = {node.id: node for node in picture.nodes}
        # Removed paths that only the marks know: their ends still need a box.
        for source, target in marks:
            for end in (source, target):
                if end not in self.nodes:
                    self.nodes[end] = PictureNode(end, end, "external", None, None)
        # Graphviz reads "a:b" as node a's port b: nodes get plain names, their ids go into the SVG.
        self.names = {node_id: f"n{index}" for index, node_id in enumerate(sorted(self.nodes))}
        self.notes: dict[str, list[str]] = {}
        # Each business's node -> the box of its area's businesses (known before any arrow is drawn).
        self.business_cluster: dict[str, str] = {
            node.id: _cluster_name("businesses", area.site, area.id)
            for area in picture.areas
            for node in self.nodes.values()
            if node.kind == "business" and node.site == area.site and node.area == area.id
        }

    def dot(self, layout: Layout | None = None) -> Any:
        import graphviz

        layout = layout or LAYOUTS[0]
        graph = graphviz.Digraph("network", engine=layout.engine)
        graph.attr("graph", **layout.graph)
        graph.attr(
            "graph",
            compound="true",
            rankdir="LR",
            fontname=FONT,
            fontsize="12",
            nodesep="0.12",
            ranksep="0.5",
            labeljust="l",
            bgcolor="white",
            label=_escape(self.picture.title),
            labelloc="t",
        )
        graph.attr("node", shape="box", style="rounded,filled", fontname=FONT, fontsize="10", margin="0.08,0.03")
        graph.attr("edge", fontname=FONT, fontsize="9", color="#444444", arrowsize="0.7")
        edges = self._edges_to_draw()
        self._clusters(graph)
        for (tail, head), attributes in edges:
            graph.edge(self.names[tail], self.names[head], **attributes | dict(layout.edge))
        self._forbidden(graph, layout.edge)
        self._links(graph, layout.edge)
        return graph

    def _node(self, graph: Any, node: PictureNode) -> None:
        lines = [node.label]
        if node.members:
            lines.append(" ".join(node.members))
        lines += self.notes.get(node.id, [])
        style = dict(KIND_STYLE.get(node.kind, {}))
        graph.node(
            self.names[node.id],
            label=_escape("\n".join(lines)),
            id=_escape(node.id),
            **{"class": _escape(f"kind-{node.kind}")},
            **style,
        )

    def _clusters(self, graph: Any) -> None:
        sites: list[str | None] = [site.id for site in self.picture.sites] or [None]
        placed: set[str] = set()
        for site in sites:
            with graph.subgraph(name=_cluster_name("site", site or "city")) as site_graph:
                if site is not None:
                    info = next(s for s in self.picture.sites if s.id == site)
                    where = ", ".join(part for part in (info.kind, info.target, info.region) if part)
                    site_graph.attr(label=_escape(f"拠点 site {site} ({where})"), style="bold", color="#333333")
                else:
                    site_graph.attr(label="", style="invis")
                for area in (a for a in self.picture.areas if a.site == site):
                    self._area(site_graph, area, placed)
                for node in self._sorted(n for n in self.nodes.values() if n.site == site and n.id not in placed):
                    self._node(site_graph, node)
                    placed.add(node.id)
        for node in self._sorted(n for n in self.nodes.values() if n.id not in placed):
            self._node(graph, node)

    def _area(self, graph: Any, area: PictureArea, placed: set[str]) -> None:
        name = f"{area.name} / {area.name_en}" if area.name_en else area.name
        vlans = (
            f"VLAN {area.vlan_range[0]}–{area.vlan_range[1]}"
            if area.vlan_range
            else (f"VLAN {min(area.vlans)}–{max(area.vlans)}" if area.vlans else "")
        )
        facts = " · ".join(part for part in (area.level, vlans, area.block, f"{area.segments} segments") if part)
        with graph.subgraph(name=_cluster_name("area", area.site, area.id)) as area_graph:
            area_graph.attr(
                label=_escape(f"{name}\n{facts}"),
                style="filled,rounded",
                fillcolor=LEVEL_FILL.get(area.level, "#f5f5f5"),
                color="#888888",
            )
            members = [
                n for n in self.nodes.values() if n.site == area.site and n.area == area.id and n.id not in placed
            ]
            middleware = self._sorted(n for n in members if n.kind != "business")
            businesses = self._sorted(n for n in members if n.kind == "business")
            for node in middleware:
                self._node(area_graph, node)
                placed.add(node.id)
            if businesses:
                name = _cluster_name("businesses", area.site, area.id)
                with area_graph.subgraph(name=name) as business_graph:
                    business_graph.attr(
                        label=f"業務 businesses ({len(businesses)})", style="dashed,rounded", color="#8a6a2f"
                    )
                    for index, node in enumerate(businesses):
                        self._node(business_graph, node)
                        placed.add(node.id)
                        if index >= GRID_COLUMN:
                            above = self.names[businesses[index - GRID_COLUMN].id]
                            business_graph.edge(above, self.names[node.id], style="invis")

    def _sorted(self, nodes: Iterable[PictureNode]) -> list[PictureNode]:
        order = {"operations": 0, "external": 1, "public_service": 2, "middleware": 3, "business": 4}
        return sorted(nodes, key=lambda node: (order.get(node.kind, 9), node.id))

    def _edges_to_draw(self) -> list[tuple[tuple[str, str], dict[str, str]]]:
        drawn: list[tuple[tuple[str, str], dict[str, str]]] = []
        shared: dict[tuple[str, str, str, tuple[str, ...], str], list[PictureEdge]] = {}
        for edge in self.picture.edges:
            mark = self.marks.get(edge.key)
            if mark is None and edge.flow is None:
                if edge.kind in AREA_WIDE_KINDS:
                    note = f"← {AREA_WIDE_KINDS[edge.kind]}: {' '.join(edge.ports)}"
                    self._note(edge.target, note)
                    continue
                if edge.kind == FROM_BASTION:
                    self._note(edge.source, f"→ 全ホストへ to every host: {' '.join(edge.ports)}")
                    continue
                source_box = self.business_cluster.get(edge.source)
                target_box = self.business_cluster.get(edge.target)
                if edge.kind in SHARED_KINDS and (source_box or target_box):
                    # Many businesses, one role: one arrow from (or into) the businesses' box.
                    if source_box:
                        key = ("from", source_box, edge.target, edge.ports, edge.kind)
                    else:
                        key = ("to", target_box or "", edge.source, edge.ports, edge.kind)
                    shared.setdefault(key, []).append(edge)
                    continue
            drawn.append(self._edge(edge, mark))
        for (way, box, other, ports, kind), members in sorted(shared.items()):
            if len(members) == 1:
                drawn.append(self._edge(members[0], None))
                continue
            label = f"{' '.join(ports)}\n{len(members)} 業務 businesses"
            attributes = {
                "label": _escape(label),
                "color": "#7f7f7f",
                "fontcolor": "#555555",
                "class": _escape(f"rule {kind}"),
            }
            if way == "from":
                drawn.append(((members[0].source, other), attributes | {"ltail": box}))
            else:
                drawn.append(((other, members[0].target), attributes | {"lhead": box}))
        known = {edge.key for edge in self.picture.edges}
        for ends, mark in sorted(self.marks.items()):
            if mark == "removed" and ends not in known:
                drawn.append((ends, {"label": "削除 removed", "class": "mark-removed"} | MARK_STYLE["removed"]))
        return drawn

    def _note(self, node: str, note: str) -> None:
        notes = self.notes.setdefault(node, [])
        if note not in notes:
            notes.append(note)

    def _edge(self, edge: PictureEdge, mark: EdgeMark | None) -> tuple[tuple[str, str], dict[str, str]]:
        lines = [edge.flow] if edge.flow else []
        lines.append(" ".join(edge.ports))
        if edge.data:
            lines.append(f"[{edge.data}]")
        kind = "flow" if edge.flow else f"rule {edge.kind}"
        attributes = {"label": _escape("\n".join(lines)), "class": _escape(kind)}
        if edge.crosses_site:
            attributes |= {"color": "#1f4e9c", "penwidth": "2.2", "fontcolor": "#1f4e9c"}
        elif edge.crosses_area:
            attributes |= {"color": "#222222", "penwidth": "1.8"}
        if mark is not None:
            attributes |= MARK_STYLE[mark] | {"class": _escape(f"{kind} mark-{mark}")}
        return ((edge.source, edge.target), attributes)

    def _anchor(self, site: str | None, area: str | None) -> str | None:
        """A node inside the area's cluster (at ``site``) to hang an arrow between clusters on."""
        for node in self._sorted(self.nodes.values()):
            if node.site == site and node.area == area and node.kind in ("middleware", "business", "public_service"):
                return node.id
        return None

    def _forbidden(self, graph: Any, overrides: Mapping[str, str]) -> None:
        """Area pairs with no path, drawn between the areas' boxes at each site that has both."""
        forbidden = set(self.picture.forbidden)
        sites: list[str | None] = [site.id for site in self.picture.sites] or [None]
        for site in sites:
            areas = [area.id for area in self.picture.areas if area.site == site]
            for index, first in enumerate(areas):
                for second in areas[index + 1 :]:
                    there, back = (first, second) in forbidden, (second, first) in forbidden
                    tail, head = self._anchor(site, first), self._anchor(site, second)
                    if not (there or back) or tail is None or head is None:
                        continue
                    direction = "both" if there and back else ("forward" if there else "back")
                    graph.edge(
                        self.names[tail],
                        self.names[head],
                        ltail=_cluster_name("area", site, first),
                        lhead=_cluster_name("area", site, second),
                        label="✕ 通信禁止 forbidden",
                        style="dotted",
                        color="#c62828",
                        fontcolor="#c62828",
                        arrowhead="tee",
                        arrowtail="tee",
                        # A forbidden pair must not shape the layout. (minlen=0 between two clusters of one
                        # site made dot fail with "trouble in init_rank" on a four-site city, issue 21.)
                        dir=direction,
                        **{"class": "forbidden", "constraint": "false"} | dict(overrides),
                    )

    def _links(self, graph: Any, overrides: Mapping[str, str]) -> None:
        for link in self.picture.links:
            ends = [self._site_anchor(site) for site in link.between]
            if ends[0] is None or ends[1] is None:
                continue
            label = f"{link.id}\n{link.carrier} · {link.transport} · {link.encryption}\n[{', '.join(link.areas)}]"
            graph.edge(
                self.names[ends[0]],
                self.names[ends[1]],
                ltail=_cluster_name("site", link.between[0]),
                lhead=_cluster_name("site", link.between[1]),
                label=_escape(label),
                dir="both",
                arrowhead="none",
                arrowtail="none",
                penwidth="4",
                color="#1f4e9c80",
                fontcolor="#1f4e9c",
                **{"class": "link"} | dict(overrides),
            )

    def _site_anchor(self, site: str) -> str | None:
        for node in self._sorted(self.nodes.values()):
            if node.site == site:
                return node.id
        return None


_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)
_TITLE = re.compile(r"<title>(n\d+(?:-&gt;n\d+)?)</title>")


def network_dot(picture: NetworkPicture, marks: Mapping[tuple[str, str], EdgeMark] | None = None) -> str:
    """The Graphviz source ``network_svg`` lays out (for reading, or for ``dot`` by hand)."""
    return str(_Drawing(picture, marks or {}).dot().source)


def network_svg(picture: NetworkPicture, marks: Mapping[tuple[str, str], EdgeMark] | None = None) -> str:
    """The picture as inline SVG (no XML prolog or doctype), laid out by Graphviz's ``dot``.

    ``marks`` colours paths a change touched: added green, widened orange, removed red and dashed;
    a removed path the picture no longer has is drawn from the marks alone (pass ``union_picture``
    of the two pictures to keep its ports and ends). When ``dot`` cannot lay the picture out as
    drawn, a simpler layout is used: ``network_layout`` says which, for a page to say so.
    """
    return network_layout(picture, marks).svg


def network_layout(picture: NetworkPicture, marks: Mapping[tuple[str, str], EdgeMark] | None = None) -> LaidOut:
    """The picture laid out by the first of ``LAYOUTS`` that Graphviz completes, and what fell back.

    Graphviz's ``dot`` has failed on valid pictures ("trouble in init_rank", issue 21): a report must
    still draw the city, so each failure is retried with fewer constraints, and a page drawn by a
    fallback says which. PictureLayoutError when every layout fails; ExecutableNotFound without Graphviz.
    """
    import graphviz

    drawing = _Drawing(picture, marks or {})
    failures: list[str] = []
    for layout in LAYOUTS:
        try:
            svg = _pipe(drawing.dot(layout))
        except graphviz.CalledProcessError as error:
            failures.append(f"{layout.name}: {_graphviz_error(error)}")
            continue
        note = None
        if failures:
            note = (
                f"配置の簡略化 / simplified layout: Graphviz could not lay the picture out as drawn "
                f"({failures[0]}); it is drawn with {layout.description}"
            )
        return LaidOut(_tidy(svg, drawing), note)
    raise PictureLayoutError("Graphviz could not lay out the network picture: " + "; ".join(failures))


def _pipe(graph: Any) -> str:
    """Graphviz's SVG of ``graph`` (a function of its own so that tests can plant a failing layout)."""
    return str(graph.pipe(format="svg", encoding="utf-8", quiet=True))


def _graphviz_error(error: Any) -> str:
    """The first line of what Graphviz wrote to stderr, e.g. "Error: trouble in init_rank"."""
    stderr = error.stderr or b""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else str(stderr)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else f"exit status {error.returncode}"


def _tidy(svg: str, drawing: _Drawing) -> str:
    svg = _PROLOG.sub("", svg, count=1)
    # Each box's and arrow's tooltip (<title>) names the group, not Graphviz's internal name.
    ids = {name: node_id for node_id, name in drawing.names.items()}

    def title(match: re.Match[str]) -> str:
        ends = [html.escape(ids.get(part, part)) for part in match.group(1).split("-&gt;")]
        return f"<title>{' → '.join(ends)}</title>"

    # dot writes each "-" as &#45; so that no comment holds "--"; without its comments the SVG reads plainly.
    svg = _COMMENT.sub("", svg).replace("&#45;", "-")
    return _TITLE.sub(title, svg).strip() + "\n"
