"""bench/inventory: what reading `kiban inventory`'s output costs Ansible (and testinfra, on every `kiban verify`).

For the sample city (one state) and the hybrid sample (its three site states merged), one run prints,
each time the median of --repeat runs of the real ``ansible-inventory -i FILE --list``:
- floor: a one-host inventory, Ansible's own start-up (what no inventory can go below);
- before: the layout kiban wrote until issue 22 (YAML; the plan, every area and planned rule, under
  ``all.vars``, so Ansible copies it into every host; each host with its own user, port, become and
  ProxyJump), made here as the YAML of ``hostvars.expanded``, which is that layout;
- now: ``kiban inventory``'s file (JSON; the plan in the hostless group ``kiban_plan``; what hosts share
  in ``all`` and the ``via_<bastion>`` groups);
with the bytes of the file and of the listing. The before figures take tens of seconds each.

Run: .venv/bin/python bench/inventory.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from kiban.lab.session import platform_inventory
from kiban.verify.hostvars import PLAN_GROUP, expanded
from kiban.verify.inventory import ansible_inventory, ansible_inventory_text, merged_ansible_inventory
from kiban_platform.network.flows import plan_flows
from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.inventory import build_inventory
from kiban_platform.network.plan import plan_network
from kiban_platform.network.site_inventory import hybrid_inventory
from kiban_platform.network.sites import site_view
from kiban_platform.spec.load import load_spec

REPO = Path(__file__).resolve().parents[1]
ANSIBLE_INVENTORY = Path(sys.executable).with_name("ansible-inventory")


def _hybrid_sites() -> list[dict[str, Any]]:
    spec = load_spec(REPO / "specs" / "sample-hybrid.yaml")
    documents = []
    for site in spec.sites:
        view = site_view(spec, site.id)
        network = plan_network(view)
        hosts = plan_hosts(view, network, zonal_subnets=site.target.value == "aws")
        built = build_inventory(view, network, plan_flows(view, network), hosts, site.target.value)
        documents.append(hybrid_inventory(spec, site.id, built))
    return documents


def _before(document: dict[str, Any]) -> str:
    """The layout before issue 22: the plan under all.vars, connection variables on every host, as YAML."""
    old = expanded(document)["all"]
    children = {
        name: group for name, group in old["children"].items() if name != PLAN_GROUP and not name.startswith("via_")
    }
    return yaml.safe_dump({"all": {**old, "children": children}}, allow_unicode=True, sort_keys=False, width=120)


def _listed(path: Path, repeat: int, folder: Path) -> tuple[float, int]:
    """The median seconds of ``ansible-inventory --list`` and the bytes it prints."""
    env = {**os.environ, "ANSIBLE_LOCAL_TEMP": str(folder / "ansible"), "ANSIBLE_VERBOSITY": "0"}
    seconds, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = subprocess.run(
            [str(ANSIBLE_INVENTORY), "-i", str(path), "--list"], capture_output=True, check=True, env=env
        )
        seconds.append(time.perf_counter() - started)
        size = len(result.stdout)
    return statistics.median(seconds), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    cases = {
        "sample-city.yaml": ansible_inventory(platform_inventory(REPO / "specs" / "sample-city.yaml")),
        "sample-hybrid.yaml (3 sites merged)": merged_ansible_inventory(_hybrid_sites()),
    }
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        floor = folder / "floor.yml"
        floor.write_text("all:\n  hosts:\n    one:\n      ansible_host: 10.0.0.1\n", encoding="utf-8")
        floor_seconds, _ = _listed(floor, arguments.repeat, folder)
        print(f"floor (one host): {floor_seconds:.2f} s")
        print("| inventory | layout | file | --list output | --list time |")
        print("|---|---|---|---|---|")
        for name, document in cases.items():
            for layout, text in (("before", _before(document)), ("now", ansible_inventory_text(document))):
                path = folder / f"{layout}.yml"
                path.write_text(text, encoding="utf-8")
                seconds, size = _listed(path, arguments.repeat, folder)
                megabytes = f"{path.stat().st_size / 1e6:.2f} MB | {size / 1e6:.2f} MB"
                print(f"| {name} | {layout} | {megabytes} | {seconds:.2f} s |")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
