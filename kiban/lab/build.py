"""Build and remove the lab on this Linux host, through netlink (pyroute2).

`up` creates what is missing and leaves what exists, so running it twice changes
nothing; the firewall and the listener are replaced whole each time so they always
match the spec. `down` removes exactly the names the topology gives, so it never
touches a namespace, bridge or process it did not make.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pyroute2 import IPRoute, NetNS, netns
from pyroute2.netlink.exceptions import NetlinkError

from kiban.lab.firewall import load_ruleset, router_ruleset
from kiban.lab.topology import LabHost, LabSegment, LabTopology

STATE_DIR = Path(os.environ.get("KIBAN_LAB_STATE", "/run/kiban-lab"))
LISTENER_MODULE = "kiban.lab.listener"


class LabError(Exception):
    """The lab cannot be built or reached here (not root, no nft, a device in the way)."""


@dataclass(frozen=True)
class LabFiles:
    directory: Path

    @property
    def listener_plan(self) -> Path:
        return self.directory / "listener.json"

    @property
    def listener_pid(self) -> Path:
        return self.directory / "listener.pid"

    @property
    def inventory(self) -> Path:
        return self.directory / "inventory.yaml"

    @property
    def record(self) -> Path:
        """What this lab made (its spec, namespaces and root-namespace devices): what `down` removes."""
        return self.directory / "lab.json"


@dataclass(frozen=True)
class LabRecord:
    """The names one lab owns, written before anything is made, so an interrupted `up` is still undone."""

    spec: str
    namespaces: tuple[str, ...]
    devices: tuple[str, ...]


def read_record(files: LabFiles) -> LabRecord | None:
    try:
        data = json.loads(files.record.read_text(encoding="utf-8"))
        return LabRecord(str(data["spec"]), tuple(data["namespaces"]), tuple(data["devices"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_record(files: LabFiles, spec: str, namespaces: Iterable[str], devices: Iterable[str]) -> None:
    """Record the names about to be made, keeping those of an earlier `up` (the spec may have lost a group
    since: its namespace is still this lab's to remove)."""
    earlier = read_record(files)
    kept_namespaces = earlier.namespaces if earlier else ()
    kept_devices = earlier.devices if earlier else ()
    record = {
        "spec": spec,
        "namespaces": list(dict.fromkeys((*kept_namespaces, *namespaces))),
        "devices": list(dict.fromkeys((*kept_devices, *devices))),
    }
    files.directory.mkdir(parents=True, exist_ok=True)
    partial = files.record.with_suffix(".json.partial")
    partial.write_text(json.dumps(record, indent=1), encoding="utf-8")
    partial.replace(files.record)


def require_root() -> None:
    if os.geteuid() != 0:
        raise LabError("the lab creates network namespaces and bridges: run it as root")
    for tool in ("ip", "nft"):
        if shutil.which(tool) is None and shutil.which(tool, path="/usr/sbin:/sbin") is None:
            raise LabError(f"'{tool}' is not installed (Debian packages iproute2 and nftables)")


def link_index(ipr: IPRoute | NetNS, name: str) -> int | None:
    found = ipr.link_lookup(ifname=name)
    return found[0] if found else None


def _ensure_veth(ipr: IPRoute, root_end: str, namespace: str, inner: str, bridge: int) -> None:
    if link_index(ipr, root_end) is None:
        ipr.link("add", ifname=root_end, kind="veth", peer={"ifname": inner, "net_ns_fd": namespace})
    index = link_index(ipr, root_end)
    ipr.link("set", index=index, master=bridge, state="up")


def _ensure_bridge(ipr: IPRoute, name: str) -> int:
    if link_index(ipr, name) is None:
        # Frames on lab bridges must not visit the host's own iptables (a Docker host drops them there).
        ipr.link("add", ifname=name, kind="bridge", br_nf_call_iptables=0)
    index = link_index(ipr, name)
    assert index is not None
    ipr.link("set", index=index, state="up")
    return index


def ensure_addresses(ns: NetNS, interface: str, addresses: Iterable[str]) -> int:
    index = link_index(ns, interface)
    if index is None:
        raise LabError(f"{interface} is missing inside its namespace; run 'kiban lab down' and 'up' again")
    present = {f"{a.get_attr('IFA_ADDRESS')}/{a['prefixlen']}" for a in ns.get_addr(index=index, family=2)}
    for address in addresses:
        if address not in present:
            ip, length = address.split("/")
            ns.addr("add", index=index, address=ip, prefixlen=int(length))
    ns.link("set", index=index, state="up")
    loopback = link_index(ns, "lo")
    ns.link("set", index=loopback, state="up")
    return index


def _build_segment(ipr: IPRoute, segment: LabSegment, router_namespace: str) -> None:
    bridge = _ensure_bridge(ipr, segment.bridge)
    _ensure_veth(ipr, segment.router_veth, router_namespace, segment.router_interface, bridge)
    with NetNS(router_namespace) as router:
        ensure_addresses(router, segment.router_interface, [str(gateway) for gateway in segment.gateways])


def _build_host(ipr: IPRoute, host: LabHost) -> None:
    bridge = _ensure_bridge(ipr, host.bridge)
    _ensure_veth(ipr, host.veth, host.namespace, "eth0", bridge)
    with NetNS(host.namespace) as ns:
        ensure_addresses(ns, "eth0", [str(host.address)])
        ns.route("replace", dst="0.0.0.0/0", gateway=str(host.gateway))


def _sysctl(namespace: str, *settings: str) -> None:
    subprocess.run(["ip", "netns", "exec", namespace, "sysctl", "-qw", *settings], check=True, capture_output=True)


def _configure_router(namespace: str) -> None:
    # Subnets of one segment share a bridge, so the router forwards some packets back out of the
    # interface they came in on; an ICMP redirect would then teach the hosts to go around it, and
    # around its firewall. A real router between VLANs sends none, and neither does this one.
    _sysctl(
        namespace,
        "net.ipv4.ip_forward=1",
        "net.ipv4.conf.all.send_redirects=0",
        "net.ipv4.conf.default.send_redirects=0",
    )


def listener_running(files: LabFiles) -> int | None:
    try:
        pid = int(files.listener_pid.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if LISTENER_MODULE.encode() in cmdline else None


def stop_listener(files: LabFiles) -> None:
    pid = listener_running(files)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    files.listener_pid.unlink(missing_ok=True)


def start_listener(files: LabFiles, hosts: Iterable[LabHost], sshd_port: str | None = None) -> None:
    """The service stand-ins; with ``sshd_port`` (the rehearsal) a host's real sshd holds that port instead."""
    plan: dict[str, list[str]] = {}
    for host in hosts:
        ports = [port for port in host.ports if host.external or port != sshd_port]
        if ports:
            plan[host.namespace] = ports
    files.listener_plan.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", LISTENER_MODULE, str(files.listener_plan)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the listener outlives `kiban lab up`
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        error = process.stderr.read() if process.stderr else ""
        raise LabError(f"the service stand-ins did not start: {error.strip() or line.strip()}")
    process.stdout.close()
    files.listener_pid.write_text(str(process.pid), encoding="utf-8")


def lab_up(
    topology: LabTopology,
    files: LabFiles,
    progress: Callable[[str, int, int], None] | None = None,
    sshd_port: str | None = None,
) -> None:
    """Create what is missing; ``progress`` is called with each step and its items done of the total.

    With ``sshd_port`` the stand-ins keep off that port of the hosts, for their real sshd (``kiban.lab.ssh``).
    """
    report = progress or (lambda step, done, total: None)
    require_root()
    files.directory.mkdir(parents=True, exist_ok=True)
    build_site(topology, report)
    report("starting the service stand-ins", 0, 1)
    stop_listener(files)
    start_listener(files, topology.hosts, sshd_port)


def build_site(topology: LabTopology, report: Callable[[str, int, int], None]) -> None:
    """One group of namespaces behind one router, with the router's firewall; what exists is kept."""
    existing = set(netns.listnetns())
    for done, namespace in enumerate(topology.namespaces):
        report("creating namespaces", done, len(topology.namespaces))
        if namespace not in existing:
            netns.create(namespace)
    # Set before the router has interfaces, so every interface inherits it from 'default'.
    _configure_router(topology.router)
    with IPRoute() as ipr:
        for done, segment in enumerate(topology.segments):
            report("bridging segments", done, len(topology.segments))
            _build_segment(ipr, segment, topology.router)
        for done, host in enumerate(topology.hosts):
            report("wiring hosts", done, len(topology.hosts))
            _build_host(ipr, host)
    report("loading the router's firewall", len(topology.rules), len(topology.rules))
    load_ruleset(topology.router, router_ruleset(topology.rules))


def lab_down(topology: LabTopology, files: LabFiles) -> list[str]:
    """Remove the lab's namespaces, devices, listener and files; return what was removed."""
    return remove_lab(topology.namespaces, topology.links, files)


def remove_lab(namespaces: Iterable[str], devices: Iterable[str], files: LabFiles) -> list[str]:
    """Stop the listener, remove these namespaces (their veth ends go with them) and root-namespace
    devices, and those the lab's record names, then the lab's files; only what exists is removed,
    and each is named in the result."""
    record = read_record(files)
    if record is not None:
        namespaces = dict.fromkeys((*namespaces, *record.namespaces))
        devices = dict.fromkeys((*devices, *record.devices))
    existing = set(netns.listnetns())
    with IPRoute() as ipr:
        nothing_there = not (set(namespaces) & existing) and all(link_index(ipr, name) is None for name in devices)
    if record is None and nothing_there and listener_running(files) is None:
        return []  # no lab of this spec is up: nothing to do, and no need to be root to see it
    require_root()
    removed: list[str] = []
    if listener_running(files) is not None:
        removed.append("listener")
    stop_listener(files)
    for namespace in namespaces:
        if namespace in existing:
            netns.remove(namespace)  # its ends of the veth pairs go with it
            removed.append(f"netns {namespace}")
    with IPRoute() as ipr:
        for name in devices:
            index = link_index(ipr, name)
            if index is None:
                continue
            try:
                ipr.link("del", index=index)
            except NetlinkError as error:
                # A veth end can vanish between the look-up and the delete, as the kernel finishes
                # removing its namespace: gone is what down wants.
                if error.code != errno.ENODEV:
                    raise
                continue
            removed.append(f"link {name}")
    for path in (files.listener_plan, files.inventory, files.record):
        path.unlink(missing_ok=True)
    if files.directory.exists() and not any(files.directory.iterdir()):
        files.directory.rmdir()
    return removed


def lab_is_up(topology: LabTopology, files: LabFiles) -> bool:
    return set(topology.namespaces) <= set(netns.listnetns()) and listener_running(files) is not None
