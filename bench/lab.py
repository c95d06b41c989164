"""bench/lab: time `kiban lab up`, `verify` and `down` for the sample city and the hybrid sample against a floor (root).

The floor, measured in the same run for each spec: creating the same namespaces, bridges and
veth pairs (each root end on its bridge and up; for the hybrid lab also the veth pair of each
link between two site routers) with the same library (pyroute2), and deleting them, with nothing
else: no addresses, routes or sysctls, no nftables ruleset, no listener. It is the kernel work
any namespace lab pays; `up / floor` is what kiban adds on top of it.

Everything the bench makes is named with its own prefix (not the CLI's "kb", not the tests'
"kt") and its state lives in a temporary folder, so a lab someone has up is never touched;
the bench refuses to start when a namespace or link with its prefix already exists.

With ``--ssh AREA`` it times the rehearsal instead, for each spec: `up --ssh`, the lab's playbook applied
to AREA from its operators' terminal namespace, `kiban verify` of AREA over SSH through its bastion
(time sync left out: no chronyd in the lab), and `down`.

Run: sudo .venv/bin/python bench/lab.py [--ssh AREA] [SPEC ...]
     (default: specs/sample-city.yaml specs/sample-hybrid.yaml)
"""

from __future__ import annotations

import argparse
import errno
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pyroute2 import IPRoute, netns
from pyroute2.netlink.exceptions import NetlinkError

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiban.lab import session  # noqa: E402
from kiban.lab.build import require_root  # noqa: E402
from kiban.lab.hybrid import HybridLab  # noqa: E402
from kiban.lab.ssh import SshFiles  # noqa: E402
from kiban.lab.topology import LabTopology  # noqa: E402

# Up, verify and down together: the single-site sample, and the hybrid sample (three sites).
TARGET_SECONDS = 60.0
HYBRID_TARGET_SECONDS = 90.0
# "kb" + "e": no name of a "kb" lab (kb-*, kbv*, kbr*, kbh*, kbx*, nor a hybrid lab's kbA*, kbB*...) starts so.
BENCH_PREFIX = "kbench"


def prefix_in_use(prefix: str) -> list[str]:
    """Namespaces and root-namespace links whose names start with ``prefix``: someone else's, or a crashed run's."""
    with IPRoute() as ipr:
        links = [str(link.get_attr("IFLA_IFNAME")) for link in ipr.get_links()]
    return sorted(name for name in [*netns.listnetns(), *links] if name.startswith(prefix))


def create_floor(topology: LabTopology) -> float:
    """Seconds to create the topology's namespaces, bridges and veth pairs, and nothing else."""
    started = time.perf_counter()
    for namespace in topology.namespaces:
        netns.create(namespace)
    with IPRoute() as ipr:
        bridges: dict[str, int] = {}
        for segment in topology.segments:
            ipr.link("add", ifname=segment.bridge, kind="bridge", br_nf_call_iptables=0)
            bridges[segment.bridge] = ipr.link_lookup(ifname=segment.bridge)[0]
            ipr.link("set", index=bridges[segment.bridge], state="up")
        pairs = [(s.router_veth, topology.router, s.router_interface, s.bridge) for s in topology.segments]
        pairs += [(h.veth, h.namespace, "eth0", h.bridge) for h in topology.hosts]
        for root_end, namespace, inner, bridge in pairs:
            ipr.link("add", ifname=root_end, kind="veth", peer={"ifname": inner, "net_ns_fd": namespace})
            index = ipr.link_lookup(ifname=root_end)[0]
            ipr.link("set", index=index, master=bridges[bridge], state="up")
    return time.perf_counter() - started


def delete_floor(topology: LabTopology) -> float:
    """Seconds to delete what ``create_floor`` made: the namespaces (their veth pairs go with them), the bridges."""
    started = time.perf_counter()
    existing = set(netns.listnetns())
    for namespace in topology.namespaces:
        if namespace in existing:
            netns.remove(namespace)
    with IPRoute() as ipr:
        for name in topology.links:
            found = ipr.link_lookup(ifname=name)
            try:
                if found:
                    ipr.link("del", index=found[0])
            except NetlinkError as error:
                # A bridge or link can vanish between the look-up and the delete, as its namespace's
                # removal is finished by the kernel: gone is what the floor wants.
                if error.code != errno.ENODEV:
                    raise
    return time.perf_counter() - started


def create_links(lab: HybridLab) -> float:
    """Seconds to create the veth pair of each link, each end in its router's namespace."""
    started = time.perf_counter()
    with IPRoute() as ipr:
        for link in lab.links:
            first, second = link.ends
            ipr.link("add", ifname=first.interface, kind="veth", peer={"ifname": second.interface})
            for end in link.ends:
                ipr.link("set", index=ipr.link_lookup(ifname=end.interface)[0], net_ns_fd=end.router)
    return time.perf_counter() - started


def floor(lab: LabTopology | HybridLab) -> tuple[float, float]:
    """Seconds to create and to delete the lab's bare namespaces, bridges and veth pairs."""
    topologies = [site.topology for site in lab.sites] if isinstance(lab, HybridLab) else [lab]
    created = deleted = 0.0
    try:
        for topology in topologies:
            created += create_floor(topology)
        if isinstance(lab, HybridLab):
            created += create_links(lab)
    finally:
        for topology in topologies:
            deleted += delete_floor(topology)  # the links' ends go with their routers' namespaces
    return created, deleted


def hosts_in_lab(document: dict[str, Any] | None, lab: LabTopology | HybridLab) -> tuple[int, int]:
    """Inventory hosts that have a namespace in the lab, and inventory hosts in all (every site's)."""
    if isinstance(lab, HybridLab):
        documents = [site.document for site in lab.sites]
    else:
        assert document is not None
        documents = [document]
    inventory = {(index, host["name"]) for index, doc in enumerate(documents) for host in doc["hosts"]}
    topologies = [site.topology for site in lab.sites] if isinstance(lab, HybridLab) else [lab]
    built = {(index, host.host) for index, top in enumerate(topologies) for host in top.hosts if not host.external}
    return len(inventory & built), len(inventory)


def bench(spec: Path) -> int:
    """Time one spec's round trip against its floor, print the figures, return the suite's exit status."""
    document, lab = session.plan_lab(spec, BENCH_PREFIX)
    floor_up, floor_down = floor(lab)
    with tempfile.TemporaryDirectory(prefix="kiban-bench-lab-") as folder:
        state = Path(folder) / "state"
        try:
            started = time.perf_counter()
            session.up_lab(spec, state, BENCH_PREFIX)
            up = time.perf_counter() - started
            started = time.perf_counter()
            status = session.verify(spec, state, ["-q", "--no-header"], BENCH_PREFIX)
            verify = time.perf_counter() - started
        finally:
            started = time.perf_counter()
            session.down(spec, state, BENCH_PREFIX)
            down = time.perf_counter() - started
    total = up + verify + down
    hybrid = isinstance(lab, HybridLab)
    veths = len(lab.segments) + len(lab.hosts)
    sites = ""
    if isinstance(lab, HybridLab):
        veths += len(lab.links)
        sites = f"{len(lab.sites)} sites, {len(lab.links)} links, "
    built, planned = hosts_in_lab(document, lab)
    print(
        f"spec: {spec.name}: {sites}{len(lab.namespaces)} namespaces, {len(lab.segments)} bridges, "
        f"{veths} veth pairs, {len(lab.rules)} router rules; hosts in the lab {built}/{planned} of the inventory"
    )
    print(f"{'':8}{'kiban':>9}{'floor':>9}{'ratio':>8}")
    print(f"{'up':<8}{up:>8.2f}s{floor_up:>8.2f}s{up / floor_up:>7.1f}x")
    print(f"{'down':<8}{down:>8.2f}s{floor_down:>8.2f}s{down / floor_down:>7.1f}x")
    print(f"{'verify':<8}{verify:>8.2f}s   (suite exit status {status})")
    target = HYBRID_TARGET_SECONDS if hybrid else TARGET_SECONDS
    met = "met" if total <= target else "MISSED"
    print(f"total   {total:7.2f} s   (floor {floor_up + floor_down:.2f} s)   target <= {target:.0f} s: {met}")
    return status


def _as_operator(terminals: str, *command: str) -> tuple[int, float]:
    """Run a command on the area's operators' terminal (its namespace); its exit status and seconds."""
    environment = [f"PATH={Path(sys.executable).parent}:{os.environ['PATH']}", f"PYTHONPATH={REPO}"]
    started = time.perf_counter()
    result = subprocess.run(["ip", "netns", "exec", terminals, "env", *environment, *command], check=False)
    return result.returncode, time.perf_counter() - started


def rehearse(spec: Path, area: str) -> int:
    """Time the rehearsal of one area, print the figures, return the worse exit status of playbook and verify."""
    document, lab = session.plan_lab(spec, BENCH_PREFIX)
    if document is None or not isinstance(lab, LabTopology):
        raise SystemExit(f"bench/lab: {spec} has sites: --ssh rehearses a single-site spec")
    terminals = [host.namespace for host in lab.hosts if host.group.startswith("operations:") and host.area == area]
    if not terminals:
        raise SystemExit(f"bench/lab: {spec} has no operations network in area {area!r}")
    hosts = sum(host["area"] == area for host in document["hosts"])
    with tempfile.TemporaryDirectory(prefix="kiban-bench-lab-") as folder:
        state = Path(folder) / "state"
        ssh = SshFiles(state / "ssh")
        try:
            started = time.perf_counter()
            session.up_lab(spec, state, BENCH_PREFIX, ssh=True)
            up = time.perf_counter() - started
            applied, playbook = _as_operator(
                terminals[0], "ansible-playbook", "-i", str(ssh.inventory), "--limit", f"area_{area}", str(ssh.playbook)
            )
            status, verify = _as_operator(
                terminals[0], "kiban", "verify", "-i", str(ssh.inventory), "--hosts", f"area_{area}", "-q",
                "--no-header", "-k", "not time_is_in_sync",
            )  # fmt: skip
        finally:
            started = time.perf_counter()
            session.down(spec, state, BENCH_PREFIX)
            down = time.perf_counter() - started
    print(f"rehearsal: {spec.name}, area {area} ({hosts} hosts), from {terminals[0]}")
    print(f"up --ssh  {up:8.2f} s   ({len(lab.namespaces)} namespaces, an sshd in each host)")
    print(f"playbook  {playbook:8.2f} s   (exit status {applied})")
    print(f"verify    {verify:8.2f} s   over SSH through the bastion (exit status {status})")
    print(f"down      {down:8.2f} s")
    print(f"total     {up + playbook + verify + down:8.2f} s")
    return max(applied, status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = [REPO / "specs" / "sample-city.yaml", REPO / "specs" / "sample-hybrid.yaml"]
    parser.add_argument("spec", nargs="*", type=Path, default=default)
    parser.add_argument("--ssh", metavar="AREA", help="time the SSH rehearsal of this area instead")
    args = parser.parse_args()
    require_root()
    taken = prefix_in_use(BENCH_PREFIX)
    if taken:
        print(
            f"bench/lab: names with the bench's prefix '{BENCH_PREFIX}' exist already ({', '.join(taken[:5])}"
            f"{', ...' if len(taken) > 5 else ''}): another run is going on, or one crashed; "
            f"remove them (ip netns del NAME, ip link del NAME) and run again",
            file=sys.stderr,
        )
        raise SystemExit(2)
    statuses = []
    for spec in args.spec:
        statuses.append(rehearse(spec, args.ssh) if args.ssh else bench(spec))
        print()
    failed = max(statuses, default=0)
    if failed != 0:
        raise SystemExit(failed)


if __name__ == "__main__":
    main()
