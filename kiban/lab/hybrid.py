"""The lab of a hybrid city: each site its own group of namespaces and router, the routers joined by links.

Each site is planned on its own (``site_view``), exactly as its stack is, and built as a single-site
lab under its own name prefix (``kbA``, ``kbB``, ... in the spec's site order), so its router holds its
own half of the flow plan: the site inventory's rules. The far end of a cross-site flow is not given a
namespace: the real far group lives at the other site. Instead each router routes the far site's
blocks of a link's areas to the peer router over the link, and a filter on the link drops anything
else, so the link carries only its areas' prefixes.

A link is a veth pair between the two router namespaces. Both routers are on one kernel: a VXLAN
(which works here) would still need an underlay between the namespaces (itself a veth pair or a
bridge) and would add encapsulation without showing anything more, since neither can carry the
link's encryption (this kernel has no ESP xfrm, WireGuard or gretap). Encryption stays with the audit.

A public service (the portal's) has no hosts kiban builds; the lab gives it one stand-in namespace in
its block, and the portal's router the service's half of its flows, so the cross-site flow is tested.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pyroute2 import IPRoute, NetNS, netns

from kiban.lab.build import (
    LabFiles,
    build_site,
    ensure_addresses,
    link_index,
    listener_running,
    remove_lab,
    require_root,
    start_listener,
    stop_listener,
)
from kiban.lab.firewall import FAMILY, TABLE, load_ruleset, router_ruleset
from kiban.lab.topology import MANAGEMENT_PORT, LabHost, LabSegment, LabTopology, lab_topology
from kiban.verify.inventory import merged_ansible_inventory
from kiban_platform.network.flows import plan_flows
from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.inventory import build_inventory
from kiban_platform.network.plan import plan_network
from kiban_platform.network.site_inventory import hybrid_inventory
from kiban_platform.network.sites import cross_site_flows, far_group_id, plan_links, site_view
from kiban_platform.spec.model import PlatformSpec

LAB_TARGET = "lab"
# A link without tunnels (in the spec) still needs a point-to-point block between the two routers.
SPARE_LINK_BLOCK = ipaddress.IPv4Network("169.254.255.0/24")
LINK_CHAIN = "link"


@dataclass(frozen=True)
class LinkEnd:
    site: str
    router: str
    interface: str  # inside the router; also its name in the root namespace while it is being made
    address: ipaddress.IPv4Interface
    local_prefixes: tuple[str, ...]  # this site's blocks of the link's areas
    peer_prefixes: tuple[str, ...]  # the peer's blocks of the link's areas: routed over the link


@dataclass(frozen=True)
class LabLink:
    link: str
    encryption: str
    ends: tuple[LinkEnd, LinkEnd]

    def end(self, site: str) -> LinkEnd:
        return next(end for end in self.ends if end.site == site)

    def peer_of(self, site: str) -> LinkEnd:
        return next(end for end in self.ends if end.site != site)


@dataclass(frozen=True)
class SiteLab:
    site: str
    kind: str
    document: dict[str, Any]  # the site's inventory, with the lab's stand-ins for public services
    topology: LabTopology


@dataclass(frozen=True)
class HybridLab:
    sites: tuple[SiteLab, ...]
    links: tuple[LabLink, ...]

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(namespace for site in self.sites for namespace in site.topology.namespaces)

    @property
    def segments(self) -> tuple[LabSegment, ...]:
        return tuple(segment for site in self.sites for segment in site.topology.segments)

    @property
    def hosts(self) -> tuple[LabHost, ...]:
        return tuple(host for site in self.sites for host in site.topology.hosts)

    @property
    def rules(self) -> tuple[dict[str, Any], ...]:
        return tuple(rule for site in self.sites for rule in site.topology.rules)

    @property
    def links_devices(self) -> tuple[str, ...]:
        """Root-namespace devices: each site's, and the link ends (there only while being made)."""
        return (
            *(name for site in self.sites for name in site.topology.links),
            *(end.interface for link in self.links for end in link.ends),
        )

    def site(self, site_id: str) -> SiteLab:
        return next(site for site in self.sites if site.site == site_id)


def site_prefix(prefix: str, index: int) -> str:
    """``kb`` -> ``kbA`` for the first site: no name of a single-site lab (``kb-``, ``kbv``...) starts so."""
    return f"{prefix}{chr(ord('A') + index)}"


def site_inventory(spec: PlatformSpec, site_id: str) -> dict[str, Any]:
    """The inventory document the site's stack would publish, computed without deploying."""
    view = site_view(spec, site_id)
    network = plan_network(view)
    flows = plan_flows(view, network)
    return hybrid_inventory(spec, site_id, build_inventory(view, network, flows, plan_hosts(view, network), LAB_TARGET))


def public_service_rules(spec: PlatformSpec, site_id: str) -> list[dict[str, Any]]:
    """The public services' half of their cross-site flows, as the site's router holds it.

    A site view keeps no rule for a public service (kiban builds none of its hosts); in the lab the
    service's stand-in sits behind the site's router, which must let its calls out and nothing else.
    """
    rules: list[dict[str, Any]] = []
    data_of = {flow.id: flow.data.value if flow.data is not None else None for flow in spec.flows}
    for crossing in cross_site_flows(spec, site_id):
        if crossing.local.public_service is None:
            continue
        for local in crossing.local_groups:
            near = {"group": local.id, "kind": "external", "area": local.area, "cidr": str(local.cidr), "site": site_id}
            for remote in crossing.remote_groups:
                far = {
                    "group": far_group_id(crossing.remote_site, remote.id, crossing.local_area),
                    "kind": "external",
                    "area": crossing.local_area,
                    "cidr": str(remote.cidr),
                    "site": crossing.remote_site,
                }
                ends = (near, far) if crossing.outgoing else (far, near)
                for port in crossing.flow.ports:
                    rules.append(
                        {
                            "from": ends[0],
                            "to": ends[1],
                            "port": str(port),
                            "kind": "declared-flow",
                            "flow": crossing.flow.id,
                            "crosses_areas": True,
                            "data": data_of[crossing.flow.id],
                        }
                    )
    return rules


def _with_service_ports(topology: LabTopology, document: dict[str, Any], services: list[dict[str, Any]]) -> LabTopology:
    """A public service's stand-in listens on the ports it calls on and the SSH stand-in, so that a call
    toward it, which nothing plans, is seen connecting if a router lets it through."""
    management = document.get("management")
    ssh = f"{management['ssh_port']}/tcp" if management else MANAGEMENT_PORT
    ports: dict[str, tuple[str, ...]] = {}
    for rule in services:
        for end in (rule["from"], rule["to"]):
            if end["site"] == document["site"]:
                ports[end["group"]] = tuple(dict.fromkeys((*ports.get(end["group"], ()), rule["port"], ssh)))
    hosts = tuple(replace(host, ports=ports.get(host.group, host.ports)) for host in topology.hosts)
    return replace(topology, hosts=hosts)


def _link_block(spec: PlatformSpec, index: int) -> ipaddress.IPv4Network:
    link = spec.links[index]
    if link.tunnels:
        return ipaddress.IPv4Network(link.tunnels[0].inside_cidr)
    return list(SPARE_LINK_BLOCK.subnets(new_prefix=30))[index]


def hybrid_lab(spec: PlatformSpec, prefix: str) -> HybridLab:
    """Every site's namespaces, bridges and router, and the links between the routers (pure)."""
    sites: list[SiteLab] = []
    prefixes: dict[str, str] = {}
    for index, site in enumerate(spec.sites):
        prefixes[site.id] = site_prefix(prefix, index)
        document = site_inventory(spec, site.id)
        services = public_service_rules(spec, site.id)
        document = {**document, "flows": [*document["flows"], *services]}
        topology = lab_topology(document, prefixes[site.id])
        sites.append(SiteLab(site.id, site.kind.value, document, _with_service_ports(topology, document, services)))
    links: list[LabLink] = []
    for index, link in enumerate(spec.links):
        block = list(_link_block(spec, index).hosts())
        ends: list[LinkEnd] = []
        for position, site_id in enumerate(link.between):
            planned = next(p for p in plan_links(spec, site_id) if p.link.id == link.id)
            ends.append(
                LinkEnd(
                    site=site_id,
                    router=f"{prefixes[site_id]}-router",
                    interface=f"{prefixes[site_id]}k{index}",
                    address=ipaddress.IPv4Interface(f"{block[position]}/30"),
                    local_prefixes=tuple(str(cidr) for _, cidr in planned.local_prefixes),
                    peer_prefixes=tuple(str(cidr) for _, cidr in planned.peer_prefixes),
                )
            )
        links.append(LabLink(link.id, link.encryption.value, (ends[0], ends[1])))
    return HybridLab(tuple(sites), tuple(links))


def _prefix_set(cidrs: tuple[str, ...]) -> dict[str, Any]:
    items = []
    for cidr in cidrs:
        address, length = cidr.split("/")
        items.append({"prefix": {"addr": address, "len": int(length)}})
    return {"set": items}


def _not_in(interface_key: str, interface: str, field: str, cidrs: tuple[str, ...]) -> dict[str, Any]:
    """A rule dropping what passes ``interface`` with its ``field`` address outside ``cidrs``."""
    return {
        "add": {
            "rule": {
                "family": FAMILY,
                "table": TABLE,
                "chain": LINK_CHAIN,
                "expr": [
                    {"match": {"op": "==", "left": {"meta": {"key": interface_key}}, "right": interface}},
                    {
                        "match": {
                            "op": "!=",
                            "left": {"payload": {"protocol": "ip", "field": field}},
                            "right": _prefix_set(cidrs),
                        }
                    },
                    {"counter": None},
                    {"drop": None},
                ],
                "comment": f"link {interface}: its areas' prefixes only",
            }
        }
    }


def site_ruleset(site: SiteLab, links: tuple[LabLink, ...]) -> dict[str, Any]:
    """The site's half of the flow plan, and before it a filter keeping each link to its areas' prefixes."""
    ruleset = router_ruleset(site.topology.rules)
    commands: list[dict[str, Any]] = []
    ends = [link.end(site.site) for link in links if site.site in (end.site for end in link.ends)]
    if ends:
        chain = {"family": FAMILY, "table": TABLE, "name": LINK_CHAIN}
        # Before the plan's chain: a packet on a link outside the link's blocks is dropped whatever the plan says.
        commands.append(
            {"add": {"chain": {**chain, "type": "filter", "hook": "forward", "prio": -10, "policy": "accept"}}}
        )
    for end in ends:
        commands += [
            _not_in("iifname", end.interface, "saddr", end.peer_prefixes),
            _not_in("iifname", end.interface, "daddr", end.local_prefixes),
            _not_in("oifname", end.interface, "daddr", end.peer_prefixes),
            _not_in("oifname", end.interface, "saddr", end.local_prefixes),
        ]
    return {"nftables": [*ruleset["nftables"], *commands]}


def _build_link(ipr: IPRoute, link: LabLink) -> None:
    first, second = link.ends
    with NetNS(first.router) as router:
        present = link_index(router, first.interface) is not None
    if not present:
        # Made in the root namespace, then each end moved into its router (where it keeps its name).
        for end in (first, second):
            index = link_index(ipr, end.interface)
            if index is not None:
                ipr.link("del", index=index)  # a half-made pair from an interrupted run
        ipr.link("add", ifname=first.interface, kind="veth", peer={"ifname": second.interface})
        for end in (first, second):
            ipr.link("set", index=link_index(ipr, end.interface), net_ns_fd=end.router)
    for end in link.ends:
        peer = link.peer_of(end.site)
        with NetNS(end.router) as router:
            ensure_addresses(router, end.interface, [str(end.address)])
            for cidr in end.peer_prefixes:
                router.route("replace", dst=cidr, gateway=str(peer.address.ip))


def _labelled(report: Callable[[str, int, int], None], site: str) -> Callable[[str, int, int], None]:
    def labelled(step: str, done: int, total: int) -> None:
        report(f"{site}: {step}", done, total)

    return labelled


def hybrid_up(lab: HybridLab, files: LabFiles, progress: Callable[[str, int, int], None] | None = None) -> None:
    """Build every site, join the routers, load each router's half of the plan, start the stand-ins."""
    report = progress or (lambda step, done, total: None)
    require_root()
    files.directory.mkdir(parents=True, exist_ok=True)
    for site in lab.sites:
        build_site(site.topology, _labelled(report, site.site))
    with IPRoute() as ipr:
        for done, link in enumerate(lab.links):
            report("joining the sites' routers", done, len(lab.links))
            _build_link(ipr, link)
    for site in lab.sites:
        report(f"{site.site}: loading the router's firewall and link filter", 0, 1)
        load_ruleset(site.topology.router, site_ruleset(site, lab.links))
    report("starting the service stand-ins", 0, 1)
    stop_listener(files)
    start_listener(files, lab.hosts)


def hybrid_down(lab: HybridLab, files: LabFiles) -> list[str]:
    """Remove every site's namespaces and devices, the links, the listener and the files."""
    return remove_lab(lab.namespaces, lab.links_devices, files)


def hybrid_is_up(lab: HybridLab, files: LabFiles) -> bool:
    return set(lab.namespaces) <= set(netns.listnetns()) and listener_running(files) is not None


def hybrid_ansible_inventory(lab: HybridLab, python: str) -> dict[str, Any]:
    """One inventory of every site's lab hosts (``<name>.<site>``), each reached through its namespace."""
    documents = []
    extra: dict[str, dict[str, Any]] = {}
    for site in lab.sites:
        represented = {host.host: host for host in site.topology.hosts}
        document = site.document
        documents.append({**document, "hosts": [h for h in document["hosts"] if h["name"] in represented]})
        for lab_host in site.topology.hosts:
            facts: dict[str, Any] = {"kiban_netns": lab_host.namespace, "kiban_python": python}
            if lab_host.external:
                facts |= {
                    "ansible_host": str(lab_host.address.ip),
                    "kiban_role": "external",
                    "kiban_area": lab_host.area,
                    "kiban_group": lab_host.group,
                    "kiban_site": site.site,
                    "kiban_external": True,
                    "kiban_ports": list(lab_host.ports),
                }
            extra[f"{lab_host.host}.{site.site}"] = facts
    result = merged_ansible_inventory(documents)
    hosts = result["all"]["hosts"]
    for name, facts in extra.items():
        hosts[name] = {**hosts.get(name, {}), **facts}
    result["all"]["vars"]["kiban_lab_routers"] = {site.site: site.topology.router for site in lab.sites}
    result["all"]["vars"]["kiban_lab_links"] = [
        {
            "link": link.link,
            "site": end.site,
            "router": end.router,
            "interface": end.interface,
            "peer_prefixes": list(end.peer_prefixes),
        }
        for link in lab.links
        for end in link.ends
    ]
    return result
