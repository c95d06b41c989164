"""bench/lab: time `kiban lab up`, `verify` and `down` for the sample city against a floor (root).

The floor, measured in the same run: creating the same namespaces, bridges and veth pairs
(each root end on its bridge and up) with the same library (pyroute2), and deleting them,
with nothing else: no addresses, routes or sysctls, no nftables ruleset, no listener. It is
the kernel work any namespace lab pays; `up / floor` is what kiban adds on top of it.

Everything the bench makes is named with its own prefix (not the CLI's "kb", not the tests'
"kt") and its state lives in a temporary folder, so a lab someone has up is never touched;
the bench refuses to start when a namespace or link with its prefix already exists.

Run: sudo .venv/bin/python bench/lab.py [SPEC]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from pyroute2 import IPRoute, netns

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiban.lab import session  # noqa: E402
from kiban.lab.build import require_root  # noqa: E402
from kiban.lab.topology import LabTopology, lab_topology  # noqa: E402

TARGET_SECONDS = 60.0  # up, verify and down together
BENCH_PREFIX = "kbench"  # "kb" + "e": no name of a "kb" lab (kb-*, kbv*, kbr*, kbh*, kbx*) starts so


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
            if found:
                ipr.link("del", index=found[0])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", type=Path, default=REPO / "specs" / "sample-city.yaml")
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
    topology = lab_topology(session.platform_inventory(args.spec), BENCH_PREFIX)
    with tempfile.TemporaryDirectory(prefix="kiban-bench-lab-") as folder:
        state = Path(folder) / "state"
        try:
            floor_up = create_floor(topology)
        finally:
            floor_down = delete_floor(topology)
        try:
            started = time.perf_counter()
            session.up(args.spec, state, BENCH_PREFIX)
            up = time.perf_counter() - started
            started = time.perf_counter()
            status = session.verify(args.spec, state, ["-q", "--no-header"], BENCH_PREFIX)
            verify = time.perf_counter() - started
        finally:
            started = time.perf_counter()
            session.down(args.spec, state, BENCH_PREFIX)
            down = time.perf_counter() - started
    total = up + verify + down
    print(
        f"spec: {args.spec.name}: {len(topology.namespaces)} namespaces, {len(topology.segments)} bridges, "
        f"{len(topology.segments) + len(topology.hosts)} veth pairs, {len(topology.rules)} router rules"
    )
    print(f"{'':8}{'kiban':>9}{'floor':>9}{'ratio':>8}")
    print(f"{'up':<8}{up:>8.2f}s{floor_up:>8.2f}s{up / floor_up:>7.1f}x")
    print(f"{'down':<8}{down:>8.2f}s{floor_down:>8.2f}s{down / floor_down:>7.1f}x")
    print(f"{'verify':<8}{verify:>8.2f}s   (suite exit status {status})")
    met = "met" if total <= TARGET_SECONDS else "MISSED"
    print(f"total   {total:7.2f} s   target <= {TARGET_SECONDS:.0f} s: {met}")
    if status != 0:
        raise SystemExit(status)


if __name__ == "__main__":
    main()
