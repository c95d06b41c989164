"""bench/lab: time `kiban lab up`, `verify` and `down` for the sample city (root).

Prints each phase's seconds, the total against the 60 s target, and, as a floor measured
in the same run, the time to create and delete the same number of bare network
namespaces with one veth pair each (the kernel work no lab can avoid).

Run: sudo .venv/bin/python bench/lab.py [SPEC]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pyroute2 import IPRoute, netns

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiban.lab import session  # noqa: E402
from kiban.lab.build import STATE_DIR  # noqa: E402

TARGET_SECONDS = 60.0
BENCH_PREFIX = "kbench"


def floor_seconds(count: int) -> float:
    """Create and delete `count` namespaces with a veth pair each: what any namespace lab pays."""
    names = [f"{BENCH_PREFIX}-{index}" for index in range(count)]
    started = time.perf_counter()
    with IPRoute() as ipr:
        for index, name in enumerate(names):
            netns.create(name)
            ipr.link("add", ifname=f"{BENCH_PREFIX}{index}", kind="veth", peer={"ifname": "eth0", "net_ns_fd": name})
        for name in names:
            netns.remove(name)
    return time.perf_counter() - started


def main() -> None:
    spec = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "specs" / "sample-city.yaml"
    session.down(spec, STATE_DIR)
    started = time.perf_counter()
    topology, _ = session.up(spec, STATE_DIR)
    up = time.perf_counter() - started
    started = time.perf_counter()
    status = session.verify(spec, STATE_DIR, ["-q", "--no-header"])
    verify = time.perf_counter() - started
    started = time.perf_counter()
    session.down(spec, STATE_DIR)
    down = time.perf_counter() - started
    floor = floor_seconds(len(topology.namespaces))
    total = up + verify + down
    print(f"spec: {spec.name}: {len(topology.namespaces)} namespaces, {len(topology.segments)} bridges, "
          f"{len(topology.rules)} router rules")  # fmt: skip
    print(f"up      {up:7.2f} s   ({up / floor:5.1f}x the floor of {floor:.2f} s for bare namespaces + veth)")
    print(f"verify  {verify:7.2f} s   (suite exit status {status})")
    print(f"down    {down:7.2f} s")
    print(
        f"total   {total:7.2f} s   target <= {TARGET_SECONDS:.0f} s: {'met' if total <= TARGET_SECONDS else 'MISSED'}"
    )
    if status != 0:
        raise SystemExit(status)


if __name__ == "__main__":
    main()
