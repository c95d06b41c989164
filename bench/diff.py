"""bench/diff: `kiban diff` on two synthetic 10,000-resource states with 1% changed.

One run prints, on the same pair of files:
- load: reading and ``json.loads`` of both files (what any tool pays before comparing);
- diff: kiban's work after that: checking both documents as stack exports, indexing them,
  comparing every resource and computing the findings (``state_from_document`` x2 +
  ``diff_states``); target: at most 2x load;
- deepdiff: ``DeepDiff`` on the same two parsed documents (a generic deep comparison);
  target: kiban's diff faster. DeepDiff runs once (it is the slow one); load and diff take the
  best of --repeat runs.

The states are shaped like kiban's OpenStack renders (areas, tenants, security groups and
rules, server groups, instances, ports, volumes, networks) with the stack output ``inventory``,
so the findings engine has real work: the 1% changed is rules widened, replicas removed, a VLAN
renumbered, instances moved between zones, resources added and removed.

Run: .venv/bin/python bench/diff.py [--resources 10000] [--changed 0.01] [--repeat 3]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiban.audit.diff import diff_states  # noqa: E402
from kiban.audit.state import state_from_document  # noqa: E402

STACK, PROJECT = "bench", "kiban"
ROOT = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
PROVIDER = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:openstack::default_5_5_3"
AREAS = (("mynumber", "high", 10), ("lgwan", "middle", 20), ("internet", "internet", 30))
# Resources of one business tier of 3 replicas: a group, its rules, a server group, and per replica
# an instance, a port, a volume and its attachment (about the sample's mix).
RULES_PER_TIER = 8
REPLICAS = 3
PER_TIER = 1 + RULES_PER_TIER + 1 + 4 * REPLICAS


def _id(urn: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, urn))


def _urn(chain: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{chain}::{name}"


class Builder:
    def __init__(self) -> None:
        self.resources: list[dict[str, Any]] = []

    def add(self, chain: str, name: str, inputs: dict[str, Any] | None, parent: str, custom: bool = True) -> str:
        urn = _urn(chain, name)
        resource: dict[str, Any] = {"urn": urn, "custom": custom, "type": chain.rsplit("$", 1)[-1], "parent": parent}
        if custom:
            resource.update(
                id=_id(urn),
                inputs={"__defaults": [], **(inputs or {})},
                outputs={**(inputs or {}), "id": _id(urn), "region": "RegionOne"},
                provider=f"{PROVIDER}::{_id(PROVIDER)}",
                created="2026-04-01T00:00:00Z",
                modified="2026-04-01T00:00:00Z",
            )
        self.resources.append(resource)
        return urn


def synthetic_state(resources: int, seed: int = 7) -> dict[str, Any]:
    """A kiban-shaped state of about ``resources`` resources."""
    rng = random.Random(seed)
    builder = Builder()
    areas_out: list[dict[str, Any]] = []
    builder.resources.append({"urn": ROOT, "custom": False, "type": "pulumi:pulumi:Stack"})
    builder.resources.append(
        {
            "urn": PROVIDER,
            "custom": True,
            "id": _id(PROVIDER),
            "type": "pulumi:providers:openstack",
            "inputs": {},
            "outputs": {},
        }
    )
    platform = builder.add("kiban:platform:SharedPlatform", "platform", None, ROOT, custom=False)
    tiers = max(1, (resources - 10) // (PER_TIER + 3))
    area_chain = "kiban:platform:SharedPlatform$kiban:network:SecurityArea"
    tenant_chain = f"{area_chain}$kiban:tenancy:BusinessTenant"
    for index in range(tiers):
        area, level, octet = AREAS[index % len(AREAS)]
        if index < len(AREAS):
            builder.add(area_chain, area, None, platform, custom=False)
            areas_out.append({"id": area, "level": level, "cidr": f"10.{octet}.0.0/16", "vlans": [], "segments": []})
        business = f"b{index:04d}"
        area_urn = _urn(area_chain, area)
        tenant = builder.add(tenant_chain, business, None, area_urn, custom=False)
        vlan = 100 + index
        network = builder.add(
            f"{tenant_chain}$openstack:networking/network:Network",
            business,
            {
                "segments": [{"networkType": "vlan", "physicalNetwork": "physnet1", "segmentationId": vlan}],
                "name": business,
            },
            tenant,
        )
        areas_out[index % len(AREAS)]["vlans"].append(vlan)
        subnet = f"10.{octet}.{index % 250}.0/24"
        builder.add(
            f"{tenant_chain}$openstack:networking/network:Network$openstack:networking/subnet:Subnet",
            business,
            {"cidr": subnet, "networkId": _id(network)},
            network,
        )
        group = builder.add(
            f"{tenant_chain}$openstack:networking/secGroup:SecGroup",
            f"{business}-app",
            {"name": f"{business}-app", "deleteDefaultRules": True, "tags": ["kiban", f"group:{business}/app"]},
            tenant,
        )
        rule_chain = (
            f"{tenant_chain}$openstack:networking/secGroup:SecGroup$openstack:networking/secGroupRule:SecGroupRule"
        )
        for rule in range(RULES_PER_TIER):
            rule_inputs = {
                "direction": "ingress",
                "ethertype": "IPv4",
                "protocol": "tcp",
                "portRangeMin": 8000 + rule,
                "portRangeMax": 8000 + rule,
                "remoteIpPrefix": f"10.{octet}.{rng.randrange(250)}.0/24",
                "securityGroupId": _id(group),
                "description": f"rule {rule}",
            }
            builder.add(rule_chain, f"{business}-app-in-{rule}", rule_inputs, group)
        server_group = builder.add(
            f"{tenant_chain}$openstack:compute/serverGroup:ServerGroup",
            f"{business}-app",
            {"name": f"{business}-app", "policies": "anti-affinity"},
            tenant,
        )
        for replica in range(1, REPLICAS + 1):
            name = f"{business}-app-{replica}"
            address = f"10.{octet}.{index % 250}.{replica + 3}"
            port_inputs = {
                "name": name,
                "networkId": _id(network),
                "fixedIps": [{"ipAddress": address}],
                "securityGroupIds": [_id(group)],
            }
            port = builder.add(f"{tenant_chain}$openstack:networking/port:Port", name, port_inputs, tenant)
            instance_inputs = {
                "name": name,
                "availabilityZone": f"az{replica}",
                "flavorName": "kiban.c4m16",
                "imageName": "debian-12",
                "metadata": {"kiban-group": f"{business}/app"},
                "networks": [{"port": _id(port)}],
                "schedulerHints": [{"group": _id(server_group)}],
                "userData": "#cloud-config\n" + "runcmd: [true]\n" * 20,
            }
            instance = builder.add(f"{tenant_chain}$openstack:compute/instance:Instance", name, instance_inputs, tenant)
            volume_inputs = {"name": f"{name}-data", "size": 100, "volumeType": "ssd"}
            volume = builder.add(
                f"{tenant_chain}$openstack:blockstorage/volume:Volume", f"{name}-data", volume_inputs, tenant
            )
            attach_chain = (
                f"{tenant_chain}$openstack:compute/instance:Instance$openstack:compute/volumeAttach:VolumeAttach"
            )
            builder.add(attach_chain, f"{name}-data", {"instanceId": _id(instance), "volumeId": _id(volume)}, instance)
    builder.resources[0]["outputs"] = {"inventory": {"version": 1, "areas": areas_out, "flows": [], "hosts": []}}
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-05-01T09:00:00Z", "version": "v3.272.0"},
            "resources": builder.resources,
        },
    }


def changed_state(document: dict[str, Any], share: float, seed: int = 11) -> tuple[dict[str, Any], int]:
    """A copy with ``share`` of its resources changed: updated (rules, zones, VLANs, policies), removed, added."""
    rng = random.Random(seed)
    changed = copy.deepcopy(document)
    changed["deployment"]["manifest"]["time"] = "2026-05-02T09:00:00Z"
    resources = changed["deployment"]["resources"]
    target = max(1, int(len(resources) * share))
    candidates = [r for r in resources if r.get("custom") and not r["type"].startswith("pulumi:providers:")]
    # One in five picked is removed and one resource is added for each: picked + added = the target.
    picked = rng.sample(candidates, max(1, target * 5 // 6))
    removed: set[str] = set()
    for number, resource in enumerate(picked):
        inputs = resource["inputs"]
        kind = resource["type"].rsplit(":", 1)[-1]
        if number % 5 == 4:
            removed.add(resource["urn"])
        elif kind == "SecGroupRule":
            inputs["remoteIpPrefix"] = "10.0.0.0/8" if number % 2 else inputs["remoteIpPrefix"]
            inputs["portRangeMax"] = inputs["portRangeMin"] + 10
        elif kind == "Instance":
            inputs["availabilityZone"] = "az1"
        elif kind == "Network":
            inputs["segments"][0]["segmentationId"] += 1000
        elif kind == "ServerGroup":
            inputs["policies"] = "soft-anti-affinity"
        else:
            inputs["description"] = f"changed {number}"
    kept = [r for r in resources if r["urn"] not in removed]
    additions = []
    for number in range(len(removed)):
        template = copy.deepcopy(rng.choice([r for r in kept if r["type"].endswith("SecGroupRule")]))
        template["urn"] += f"-added-{number}"
        template["id"] = _id(template["urn"])
        template["inputs"]["remoteIpPrefix"] = "0.0.0.0/0" if number == 0 else template["inputs"]["remoteIpPrefix"]
        additions.append(template)
    changed["deployment"]["resources"] = kept + additions
    return changed, len(picked) + len(additions)


def best(repeat: int, action: Any) -> tuple[float, Any]:
    result, fastest = None, float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-deepdiff", action="store_true", help="skip DeepDiff (it takes a while)")
    args = parser.parse_args()

    old = synthetic_state(args.resources)
    new, touched = changed_state(old, args.changed)
    with tempfile.TemporaryDirectory() as folder:
        old_path, new_path = Path(folder) / "old.json", Path(folder) / "new.json"
        old_path.write_text(json.dumps(old, indent=4), encoding="utf-8")
        new_path.write_text(json.dumps(new, indent=4), encoding="utf-8")
        size = (old_path.stat().st_size + new_path.stat().st_size) / 1e6
        counts = len(old["deployment"]["resources"]), len(new["deployment"]["resources"])
        print(f"states: {counts[0]} and {counts[1]} resources, {touched} changed, {size:.1f} MB on disk")

        def load() -> tuple[Any, Any]:
            return json.loads(old_path.read_text(encoding="utf-8")), json.loads(new_path.read_text(encoding="utf-8"))

        load_time, (old_doc, new_doc) = best(args.repeat, load)
        diff_time, report = best(
            args.repeat, lambda: diff_states(state_from_document(old_doc, "old"), state_from_document(new_doc, "new"))
        )
    changes = report.counts()
    print(f"load     {load_time:8.3f} s  (read + json.loads of both files)")
    summary = f"{changes['added']} added, {changes['removed']} removed, {changes['updated']} updated"
    print(f"diff     {diff_time:8.3f} s  = {diff_time / load_time:.2f}x load (target <= 2x): {summary}, ", end="")
    print(f"{len(report.findings)} findings")
    if args.no_deepdiff:
        return
    try:
        from deepdiff import DeepDiff
    except ImportError:
        print("deepdiff not installed (pip install -r requirements-dev.txt)")
        return
    start = time.perf_counter()
    generic = DeepDiff(old_doc, new_doc)
    deep_time = time.perf_counter() - start
    ratio = deep_time / diff_time
    print(f"deepdiff {deep_time:8.3f} s  = {ratio:.1f}x kiban diff (target > 1x): {len(generic)} kinds of difference")


if __name__ == "__main__":
    main()
