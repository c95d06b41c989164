"""What the lab builds, computed from an inventory document alone (pure: no netlink, no root).

One network namespace stands for each host of the inventory (every replica of every business
tier and middleware role, so every planned path between replicas can be probed), holding that
host's address, and one for each outside network of a declared flow. One
Linux bridge stands for each VLAN segment (these machines have no VLAN devices, so a
segment is a bridge rather than a tagged port), and a router namespace has a leg on every
bridge with the gateway address of every subnet there, so any traffic between two subnets
crosses the router and its nftables ruleset, which holds exactly the planned rules.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from typing import Any

# Every name a lab gives starts with its prefix: the spec's own (``session.lab_prefix``), or the tests'.
PREFIX = "kb"
# Linux refuses interface names longer than 15 bytes (IFNAMSIZ less its terminating NUL).
IFNAMSIZ = 15
# A stand-in for the management sshd of a real host: it listens everywhere (on the management
# section's port when there is one), and the flow plan allows it only from the area's bastion,
# so reaching it from anywhere else proves the firewall let something unplanned through.
MANAGEMENT_PORT = "22/tcp"


@dataclass(frozen=True)
class LabHost:
    namespace: str
    group: str
    host: str  # the inventory host this namespace stands for (an outside network: its group)
    area: str
    external: bool
    address: ipaddress.IPv4Interface  # address with its subnet's prefix length
    gateway: ipaddress.IPv4Address
    bridge: str
    veth: str  # the root-namespace end; inside the namespace it is eth0
    ports: tuple[str, ...]


@dataclass(frozen=True)
class LabSegment:
    bridge: str
    router_interface: str  # inside the router namespace
    router_veth: str  # the root-namespace end on the bridge
    gateways: tuple[ipaddress.IPv4Interface, ...]


@dataclass(frozen=True)
class LabTopology:
    router: str  # the router's namespace
    segments: tuple[LabSegment, ...]
    hosts: tuple[LabHost, ...]
    rules: tuple[dict[str, Any], ...]

    @property
    def namespaces(self) -> tuple[str, ...]:
        return (self.router, *(host.namespace for host in self.hosts))

    @property
    def links(self) -> tuple[str, ...]:
        """Root-namespace devices the lab owns: bridges and the root ends of veth pairs."""
        return (
            *(segment.bridge for segment in self.segments),
            *(segment.router_veth for segment in self.segments),
            *(host.veth for host in self.hosts),
        )

    def host(self, group: str) -> LabHost:
        """The group's first host."""
        for host in self.hosts:
            if host.group == group:
                return host
        raise KeyError(group)


def namespace_name(group: str, prefix: str = PREFIX) -> str:
    """A readable, unique, ASCII name: 'juki/app' -> 'kb-juki-app'; non-ASCII names get a short hash."""
    slug = re.sub(r"[^a-z0-9]+", "-", group.lower()).strip("-")
    if not group.isascii():
        slug = f"{slug}-{hashlib.sha256(group.encode()).hexdigest()[:6]}"
    return f"{prefix}-{slug}"


def _external_groups(inventory: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Outside networks with a place here: a site stack's far ends (another site's groups) are not outside."""
    found: dict[str, dict[str, Any]] = {}
    here = inventory.get("site")
    for rule in inventory["flows"]:
        for end in (rule["from"], rule["to"]):
            if end["kind"] == "external" and end.get("site", here) == here:
                found.setdefault(end["group"], end)
    return found


def lab_topology(inventory: dict[str, Any], prefix: str = PREFIX) -> LabTopology:
    """The namespaces, bridges and addresses that stand for the inventory's platform."""
    segments: list[LabSegment] = []
    bridge_of_subnet: dict[str, str] = {}
    for area in inventory["areas"]:
        for segment in area["segments"]:
            vlan = segment["vlan"]
            gateways = []
            for subnet in segment["subnets"]:
                network = ipaddress.IPv4Network(subnet["cidr"])
                gateways.append(ipaddress.IPv4Interface(f"{subnet['gateway']}/{network.prefixlen}"))
                bridge_of_subnet[subnet["cidr"]] = f"{prefix}v{vlan}"
            segments.append(LabSegment(f"{prefix}v{vlan}", f"v{vlan}", f"{prefix}r{vlan}", tuple(gateways)))

    management = inventory.get("management")
    ssh = f"{management['ssh_port']}/tcp" if management else MANAGEMENT_PORT
    hosts: list[LabHost] = []
    for host in inventory["hosts"]:
        network = ipaddress.IPv4Network(host["subnet"])
        hosts.append(
            LabHost(
                namespace=namespace_name(host["name"], prefix),
                group=host["group"],
                host=host["name"],
                area=host["area"],
                external=False,
                address=ipaddress.IPv4Interface(f"{host['address']}/{network.prefixlen}"),
                gateway=network.network_address + 1,
                bridge=bridge_of_subnet[host["subnet"]],
                veth=f"{prefix}h{len(hosts)}",
                # A bastion's service is sshd itself: its port is listed once.
                ports=tuple(dict.fromkeys((*host["ports"], ssh))),
            )
        )

    # An outside network gets a namespace on a bridge of its own, with the router as its gateway:
    # what it may reach is decided by the same ruleset as everything else.
    for index, (group, end) in enumerate(sorted(_external_groups(inventory).items())):
        network = ipaddress.IPv4Network(end["cidr"])
        gateway = ipaddress.IPv4Interface(f"{network.network_address + 1}/{network.prefixlen}")
        bridge = f"{prefix}x{index}"
        segments.append(LabSegment(bridge, f"x{index}", f"{prefix}rx{index}", (gateway,)))
        hosts.append(
            LabHost(
                namespace=namespace_name(group, prefix),
                group=group,
                host=group,
                area=end["area"],
                external=True,
                address=ipaddress.IPv4Interface(f"{network.network_address + 4}/{network.prefixlen}"),
                gateway=gateway.ip,
                bridge=bridge,
                veth=f"{prefix}h{len(hosts)}",
                ports=(),
            )
        )
    return LabTopology(f"{prefix}-router", tuple(segments), tuple(hosts), tuple(inventory["flows"]))
