"""bench/render: time `kiban render` on the sample city at 1x, 2x and 4x its businesses.

The target is the graph-replay floor, measured in the same run under the same mock runtime:
the Pulumi SDK declaring the render's own recorded resources (same types, names, parents,
providers, inputs and dependencies, each made with its provider's class) from a flat loop,
without kiban's program, planning or state writing. It is what any program declaring these
resources pays, so kiban / graph is kiban's own cost; target: at most 1.25x at every size.
A second, lower floor is printed for reference: the SDK registering as many bare resources
(no inputs, no components).

For each size it prints the resources, seconds, resources per second and peak RSS of each.
Each measurement runs in a fresh Python process, so peak RSS is its own; the graph replayed
is the state the timed render wrote, read from a file.

The hybrid sample (specs/sample-hybrid.yaml) is measured too, one row per site stack in the order
they go up (portal and gc, then dc1 reading their renders as --reference would), each against the
graph replay of its own state, and the three together against the single-site sample at 1x.

Run: .venv/bin/python bench/render.py [--sizes 1 2 4] [--repeat N] [--no-hybrid]
"""

from __future__ import annotations

import argparse
import json
import resource as rusage
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks  # noqa: E402

from kiban.mock_runtime import run_program  # noqa: E402
from kiban.render import StackConfig, dumps_state, load_stack_config, render  # noqa: E402
from kiban_platform.spec.load import load_spec  # noqa: E402

SAMPLE_STACK = "sample-city-openstack"
# The hybrid sample's site stacks, in the order they go up: dc1 reads the other two.
HYBRID_STACKS = ("sample-hybrid-portal", "sample-hybrid-gc", "sample-hybrid-dc1")


class BareMocks(Mocks):
    """The least a mock can do: an id from the name, outputs equal to inputs."""

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)


TARGET_RATIO = 1.25
# Room for 4x the sample's businesses (96 network slots, unique across the spec): segments become
# /23 (tier subnets /25) in every area, and the internet area gets a /16 and 150 VLANs like the others.
SEGMENT_PREFIX, TIER_PREFIX = 23, 25
INTERNET_SUPERNET, INTERNET_VLANS = "10.30.0.0/16", {"first": 300, "last": 449}


def scaled_spec(factor: int) -> dict[str, Any]:
    """The sample with each business cloned ``factor - 1`` times under new ids, slots and data sets."""
    spec = load_spec(REPO / "specs" / "sample-city.yaml")
    data: dict[str, Any] = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    for area in data["areas"]:
        area["segment_prefix"], area["tier_prefix"] = SEGMENT_PREFIX, TIER_PREFIX
        if area["level"] == "internet":
            area["supernet"], area["vlans"] = INTERNET_SUPERNET, INTERNET_VLANS
    originals = data["businesses"]
    slot = max(business["network_slot"] for business in originals)
    businesses = []
    for copy in range(factor):
        for business in originals:
            clone = json.loads(json.dumps(business))
            clone.pop("catalog", None)
            if copy:
                clone["id"] = f"{business['id']}-{copy}"
                slot += 1
                clone["network_slot"] = slot
                for key in ("publishes", "consumes"):
                    clone["integrations"][key] = [f"{name}-{copy}" for name in business["integrations"][key]]
            businesses.append(clone)
    data["businesses"] = businesses
    return data


def _stack(factor: int, folder: Path) -> StackConfig:
    spec_file = folder / f"sample-{factor}x.yaml"
    spec_file.write_text(yaml.safe_dump(scaled_spec(factor), allow_unicode=True, sort_keys=False), encoding="utf-8")
    stack = load_stack_config(REPO, SAMPLE_STACK)
    stack.stack = f"bench-{factor}x"
    stack.config[f"{stack.project}:spec"] = str(spec_file)
    # The sample's plan file fits the 1x spec only, and planning a scaled city would time the solver,
    # not the render: replicas go round robin over the chassis here.
    stack.config[f"{stack.project}:placement"] = json.dumps({"enabled": False})
    return stack


def _state_file(factor: int, folder: Path) -> Path:
    """The state of size ``factor`` (1, 2, 4), or of hybrid site stack number ``-factor - 1``."""
    if factor < 0:
        return folder / f"state-{HYBRID_STACKS[-factor - 1]}.json"
    return folder / f"state-{factor}x.json"


def measure_site(factor: int, folder: Path) -> dict[str, Any]:
    """kiban render of one hybrid site stack (``factor`` = -1 - its index); dc1 reads the others' states."""
    name = HYBRID_STACKS[-factor - 1]
    stack = load_stack_config(REPO, name)
    references = {
        other: _state_file(-index - 1, folder)
        for index, other in enumerate(HYBRID_STACKS)
        if other != name and _state_file(-index - 1, folder).is_file()
    }
    needed = json.loads(stack.config.get(f"{stack.project}:siteStacks", "{}") or "{}").values()
    started = time.perf_counter()
    text = dumps_state(render(stack, references={key: path for key, path in references.items() if key in needed}))
    seconds = time.perf_counter() - started
    _state_file(factor, folder).write_text(text, encoding="utf-8")
    return {"resources": len(json.loads(text)["deployment"]["resources"]), "seconds": seconds}


def measure_render(factor: int, folder: Path) -> dict[str, Any]:
    """kiban render of the sample at ``factor`` times its businesses; its state is kept for the graph replay."""
    stack = _stack(factor, folder)
    started = time.perf_counter()
    text = dumps_state(render(stack))
    seconds = time.perf_counter() - started
    _state_file(factor, folder).write_text(text, encoding="utf-8")
    return {"resources": len(json.loads(text)["deployment"]["resources"]), "seconds": seconds}


# Replays a rendered graph flat: each resource in state order, made with its own provider class
# (pulumi-openstack's, so its typed inputs and output properties cost what they cost in kiban),
# with its recorded inputs, parent, provider and dependencies.
REPLAY = """
import importlib
import json
import re

import pulumi


def snake(value):
    if isinstance(value, dict):
        return {re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower(): snake(item) for key, item in value.items()}
    if isinstance(value, list):
        return [snake(item) for item in value]
    return value


def provider_class(type_):
    if type_.startswith("pulumi:providers:"):
        return importlib.import_module("pulumi_" + type_.rsplit(":", 1)[1]).Provider
    package, module, name = type_.split(":")
    return getattr(importlib.import_module(f"pulumi_{package}.{module.split('/')[0]}"), name)


made = {}
for node in json.load(open(GRAPH, encoding="utf-8")):
    opts = pulumi.ResourceOptions(
        parent=made.get(node["parent"]),
        depends_on=[made[urn] for urn in node["deps"]],
        provider=made.get(node["provider"]),
    )
    if node.get("external"):
        made[node["urn"]] = pulumi.StackReference(node["name"], stack_name=node["inputs"]["name"], opts=opts)
    elif node["custom"]:
        inputs = snake(node["inputs"])
        inputs.pop("version", None)  # a provider's plugin version is an option, not an argument
        made[node["urn"]] = provider_class(node["type"])(node["name"], opts=opts, **inputs)
    else:
        made[node["urn"]] = pulumi.ComponentResource(node["type"], node["name"], None, opts=opts)
"""


def _unseal(value: Any) -> Any:
    """A sealed secret as its ciphertext text: the replay declares values, and the SDK cannot take a sealed one."""
    if isinstance(value, dict):
        if "ciphertext" in value:
            return value["ciphertext"]
        return {key: _unseal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unseal(item) for item in value]
    return value


def measure_graph(factor: int, folder: Path) -> dict[str, Any]:
    """The SDK alone on the graph the render of ``factor`` recorded, replayed flat (timed)."""
    document = json.loads(_state_file(factor, folder).read_text(encoding="utf-8"))
    graph = []
    for resource in document["deployment"]["resources"]:
        # The engine makes the stack and the default provider itself; a program never declares them.
        # (The built-in "pulumi" provider, which a StackReference reads through, is the engine's too.)
        engine_made = resource["type"] in ("pulumi:pulumi:Stack", "pulumi:providers:pulumi")
        if engine_made or resource["urn"].rsplit("::", 1)[1].startswith("default_"):
            continue
        graph.append(
            {
                "urn": resource["urn"],
                "type": resource["type"],
                "name": resource["urn"].rsplit("::", 1)[1],
                "custom": resource["custom"],
                "external": resource.get("external", False),
                "parent": resource.get("parent"),
                "deps": resource.get("dependencies", []),
                "provider": resource.get("provider", "::").rsplit("::", 1)[0],
                "inputs": _unseal(resource.get("inputs", {})),
            }
        )
    graph_file = folder / "graph.json"
    graph_file.write_text(json.dumps(graph, ensure_ascii=False), encoding="utf-8")
    program = folder / "__main__.py"
    program.write_text(f"GRAPH = {str(graph_file)!r}\n{REPLAY}", encoding="utf-8")
    mocks = BareMocks()
    started = time.perf_counter()
    monitor = run_program(program, "bench", "graph", {}, [], mocks, lambda m, _s, _p: MockMonitor(m))
    seconds = time.perf_counter() - started
    # The stack itself is registered by the runtime, as in a render.
    return {"resources": len(monitor.resources) + 2, "seconds": seconds}


def measure_floor(count: int, folder: Path) -> dict[str, Any]:
    """The SDK alone: ``count`` bare custom resources, through the same mock runtime as a render."""
    program = folder / "__main__.py"
    loop = f"for index in range({count}):\n    pulumi.CustomResource('bench:index:Bare', f'r{{index}}', {{}})\n"
    program.write_text(f"import pulumi\n{loop}", encoding="utf-8")
    started = time.perf_counter()
    monitor = run_program(program, "bench", "floor", {}, [], BareMocks(), lambda mocks, _s, _p: MockMonitor(mocks))
    seconds = time.perf_counter() - started
    return {"resources": len(monitor.resources), "seconds": seconds}


def worker(kind: str, value: int, folder: Path) -> None:
    measure = {"render": measure_render, "site": measure_site, "floor": measure_floor, "graph": measure_graph}[kind]
    result = measure(value, folder)
    result["peak_rss_mb"] = rusage.getrusage(rusage.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_worker(kind: str, value: int, folder: Path) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(value), str(folder)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest counts")
    parser.add_argument("--no-hybrid", action="store_true", help="skip the hybrid sample's site stacks")
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "VALUE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), Path(args.worker[2]))
        return

    print(
        f"{'size':>4} {'what':>6} {'resources':>9} {'seconds':>8} {'res/s':>7} {'peak RSS MB':>11} "
        f"{'kiban/graph':>11} {'kiban/bare':>10}"
    )
    ratios: list[float] = []
    with tempfile.TemporaryDirectory(prefix="kiban-bench-render-") as name:
        folder = Path(name)

        def fastest(kind: str, value: int) -> dict[str, Any]:
            runs = (run_worker(kind, value, folder) for _ in range(args.repeat))
            return min(runs, key=lambda r: float(r["seconds"]))

        measured: dict[int, dict[str, Any]] = {}
        for factor in args.sizes:
            kiban = measured[factor] = fastest("render", factor)
            graph = fastest("graph", factor)
            bare = fastest("floor", kiban["resources"])
            ratio = kiban["seconds"] / graph["seconds"]
            ratios.append(ratio)
            rows = (
                ("kiban", kiban, f"{ratio:.2f}", f"{kiban['seconds'] / bare['seconds']:.2f}"),
                ("graph", graph, "", ""),
                ("bare", bare, "", ""),
            )
            for what, result, over_graph, over_bare in rows:
                rate = result["resources"] / result["seconds"]
                print(
                    f"{factor:>3}x {what:>6} {result['resources']:>9} {result['seconds']:>8.2f} {rate:>7.0f} "
                    f"{result['peak_rss_mb']:>11.0f} {over_graph:>11} {over_bare:>10}"
                )
        if not args.no_hybrid:
            single = measured.get(1) or fastest("render", 1)
            hybrid_seconds, hybrid_resources = 0.0, 0
            for index, name in enumerate(HYBRID_STACKS):
                site = fastest("site", -index - 1)
                graph = fastest("graph", -index - 1)
                ratio = site["seconds"] / graph["seconds"]
                ratios.append(ratio)
                hybrid_seconds += site["seconds"]
                hybrid_resources += site["resources"]
                for what, result, over_graph in (
                    (name.removeprefix("sample-hybrid-"), site, f"{ratio:.2f}"),
                    ("graph", graph, ""),
                ):
                    rate = result["resources"] / result["seconds"]
                    print(
                        f"{'site':>4} {what:>6} {result['resources']:>9} {result['seconds']:>8.2f} {rate:>7.0f} "
                        f"{result['peak_rss_mb']:>11.0f} {over_graph:>11} {'':>10}"
                    )
            print(
                f"hybrid sample, three site stacks: {hybrid_resources} resources in {hybrid_seconds:.2f} s"
                + f"; the single-site sample at 1x: {single['resources']} in {single['seconds']:.2f} s "
                f"({hybrid_seconds / single['seconds']:.2f}x the time)"
            )
    met = all(ratio <= TARGET_RATIO for ratio in ratios)
    worst = max(ratios, default=0.0)
    print(
        f"target: kiban / graph replay <= {TARGET_RATIO} at every size: {'met' if met else 'MISSED'} "
        f"(worst {worst:.2f}x)"
    )


if __name__ == "__main__":
    main()
