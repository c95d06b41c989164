"""bench/day_two: what adding one business does to a deployed city, with and without kiban's day-two care.

For each city (the built-in sample, and 桜丘市 in specs/examples/, shaped unlike it) and each target
it prints, for one business added to the spec:
- placement: VMs that move to another blade when the plan is updated with `kiban plan --previous`
  (target 0 when capacity allows) against re-planning from scratch, and the blades each plan uses;
- resources: how many resources that existed before are updated in place or replaced, how many are
  created and deleted, comparing two renders as `pulumi preview` would (target: 0 updated, 0
  replaced); the same for a render placed by the from-scratch plan, the churn kiban avoids.
Replacement is judged by audit.replacements when that module exists (the providers' force-new
properties); otherwise every changed resource counts as "changed".

Run: .venv/bin/python bench/day_two.py [--cities sample sakuragaoka] [--targets openstack aws]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from typer.testing import CliRunner  # noqa: E402

from kiban.cli import app  # noqa: E402
from kiban.render import PROJECT_DIR, StackConfig, load_stack_config, render  # noqa: E402

AWS_SETTINGS = {"ami": "ami-0123456789abcdef0"}

# The business each city adds: in its middle (LGWAN) area, in a slot nobody uses.
ADDED: dict[str, Any] = {
    "name": "下水道料金",
    "name_en": "Sewerage charges",
    "vendor": "カッパ料金システム株式会社",
    "peak_months": [4, 10],
    "tiers": {
        "web": {"replicas": 2, "vcpu": 2, "ram_gb": 4, "disk": {"tier": "fast", "size_gb": 40}},
        "app": {"replicas": 2, "vcpu": 4, "ram_gb": 8, "disk": {"tier": "fast", "size_gb": 60}},
        "batch": {
            "replicas": 1,
            "redundant": False,
            "anti_affinity": False,
            "vcpu": 2,
            "ram_gb": 4,
            "disk": {"tier": "capacity", "size_gb": 100},
        },
    },
    "integrations": {"consumes": []},
}
CITIES = {
    "sample": (REPO / "specs" / "sample-city.yaml", "lgwan", 30, "sample-city"),
    "sakuragaoka": (REPO / "specs" / "examples" / "sakuragaoka-city.yaml", "gyosei", 30, None),
}


def _plan(spec: Path, out: Path, previous: Path | None = None) -> dict[str, Any]:
    arguments = ["plan", str(spec), "--format", "json", "--out", str(out)]
    if previous is not None:
        arguments += ["--previous", str(previous)]
    result = CliRunner().invoke(app, arguments)
    if result.exit_code != 0:
        raise SystemExit(f"kiban plan failed: {result.output}")
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def _blades(plan: dict[str, Any]) -> dict[str, str]:
    return {entry["vm"]: entry["blade"] for entry in plan["placements"]}


def _stack(city: str, target: str, spec: Path, plan: Path) -> StackConfig:
    stack_name = CITIES[city][3]
    if stack_name is not None:
        stack = load_stack_config(PROJECT_DIR, f"{stack_name}-{target}")
    else:
        from kiban.render import spec_stack_config

        stack = spec_stack_config(PROJECT_DIR, spec, target)
        stack.stack = f"{city}-{target}"
        if target == "aws":
            # The city's region is its chassis' zones' (桜丘市 is in Osaka).
            zone = str(yaml.safe_load(spec.read_text(encoding="utf-8"))["failure_domains"]["chassis"][0]["cloud_zone"])
            stack.config[f"{stack.project}:aws"] = json.dumps({**AWS_SETTINGS, "region": zone[:-1]})
    stack.config[f"{stack.project}:spec"] = str(spec)
    stack.config[f"{stack.project}:placement"] = json.dumps({"planFile": str(plan)})
    return stack


def _forces_replacement(resource: dict[str, Any], later: dict[str, Any], changed: set[str]) -> bool | None:
    try:
        from kiban.audit import replacements
    except ImportError:
        return None
    # The providers' force-new properties; the inputs decide conditional ones (AWS user data).
    keys = replacements.replace_keys(resource["type"], changed, resource["inputs"], later["inputs"])
    return None if keys is None else bool(keys)


def _compare(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    old = {r["urn"]: r for r in before["deployment"]["resources"]}
    new = {r["urn"]: r for r in after["deployment"]["resources"]}
    counts = {"created": 0, "deleted": 0, "updated": 0, "replaced": 0, "changed": 0}
    counts["created"] = sum(1 for urn in new if urn not in old)
    counts["deleted"] = sum(1 for urn in old if urn not in new)
    for urn, resource in old.items():
        if urn not in new or not resource["custom"]:
            continue
        inputs, later = resource["inputs"], new[urn]["inputs"]
        changed = {key for key in set(inputs) | set(later) if inputs.get(key) != later.get(key)}
        if not changed:
            continue
        verdict = _forces_replacement(resource, new[urn], changed)
        counts["changed" if verdict is None else "replaced" if verdict else "updated"] += 1
    return counts


def run(cities: list[str], targets: list[str]) -> None:
    print("city        target     plan       VMs moved  blades  created deleted updated replaced changed  seconds")
    for city in cities:
        spec_file, area, slot, stack_name = CITIES[city]
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            base_spec = work / "base" / "city.yaml"
            base_spec.parent.mkdir()
            base_spec.write_text(spec_file.read_text(encoding="utf-8"), encoding="utf-8")
            base_plan_file = work / "base" / "plan.json"
            if stack_name is not None:
                base_plan_file.write_text((REPO / "plans" / f"{stack_name}.json").read_text(encoding="utf-8"))
                base_plan = json.loads(base_plan_file.read_text(encoding="utf-8"))
            else:
                base_plan = _plan(base_spec, base_plan_file)
            data = copy.deepcopy(yaml.safe_load(spec_file.read_text(encoding="utf-8")))
            data["businesses"].append({"id": "gesuido-ryokin", "area": area, "network_slot": slot, **ADDED})
            new_spec = work / "new" / "city.yaml"
            new_spec.parent.mkdir()
            new_spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
            kept_file, scratch_file = work / "new" / "kept.json", work / "new" / "scratch.json"
            plans = {"--previous": _plan(new_spec, kept_file, base_plan_file), "scratch": _plan(new_spec, scratch_file)}
            files = {"--previous": kept_file, "scratch": scratch_file}
            before_blades = _blades(base_plan)
            for target in targets:
                started = time.perf_counter()
                before = render(_stack(city, target, base_spec, base_plan_file))
                for label, plan in plans.items():
                    after_blades = _blades(plan)
                    moved = sum(1 for vm, blade in before_blades.items() if after_blades.get(vm, blade) != blade)
                    after = render(_stack(city, target, new_spec, files[label]))
                    counts = _compare(before, after)
                    elapsed = time.perf_counter() - started
                    print(
                        f"{city:<11} {target:<10} {label:<10} {moved:>9} {plan['summary']['blades_used']:>7} "
                        f"{counts['created']:>8} {counts['deleted']:>7} {counts['updated']:>7} "
                        f"{counts['replaced']:>8} {counts['changed']:>7} {elapsed:>8.1f}"
                    )
                    started = time.perf_counter()
            print(f"{city:<11} (before)   reviewed   {'':>9} {base_plan['summary']['blades_used']:>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", nargs="+", default=list(CITIES), choices=list(CITIES))
    parser.add_argument("--targets", nargs="+", default=["openstack", "aws"], choices=["openstack", "aws"])
    arguments = parser.parse_args()
    run(arguments.cities, arguments.targets)


if __name__ == "__main__":
    main()
