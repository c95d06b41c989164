"""bench/hostile: each reader's worst time and peak memory on hostile files under 1 MB.

For every reader (state, stack outputs, Ansible inventory, waivers, plan file, spec, a peer's state
as ``render --reference`` reads it) the bench
writes a normal file of its kind (from the tiny test city) and hostile files under 1 MB: a YAML
alias bomb, deep nesting, a huge number, a long string, many keys. Each file is read in a fresh
Python process (imports done before the clock starts), which reports the read's wall time and the
process's peak resident memory. The normal file's figures are the baseline of the same run.

Target: under 2 s and 200 MB for any file under 1 MB. A hostile file is expected to be refused
(exit 2 in the commands); "refused"/"read" says which happened.

Hybrid specs (``_hybrid_cases``): the sample hybrid city grown to just under 1 MB with many sites,
many links, many cross-site flows, the same faults repeated in every site or link, deep nesting and a
long string, each validated as ``kiban validate`` does (``load_spec``) in a fresh process. Each is
printed with the time and peak memory of reading the file alone (``read_yaml``, the floor: no check
can be faster) measured in the same process, and the ratio of the whole to it.

Run: .venv/bin/python bench/hostile.py
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiban.verify.inventory import ansible_inventory  # noqa: E402
from kiban_platform.spec.source import MAX_NODES  # noqa: E402
from tests.hybrid_specs import (  # noqa: E402
    as_yaml,
    sample_hybrid,
    with_duplicate_site_id,
    with_many_cross_site_flows,
    with_many_links,
    with_many_sites,
)
from tests.peer_states import good_gc, state_document  # noqa: E402
from tests.rendering import TINY_CITY, render_tiny  # noqa: E402

LIMIT = 1_000_000
PEER_READER = """
from kiban.render import RenderError, read_reference
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.problems import Problem, SpecError
from kiban_platform.spec.stack_outputs import Reading
city = load_spec(Path(sys.path[0]) / "specs" / "sample-hybrid.yaml")
reading = Reading(city, "dc1", "gc", "kiban", "sample-hybrid-gc")
def run(f):
    try:
        return read_reference("sample-hybrid-gc", f, reading)
    except RenderError as error:  # an unreadable reference: refused as a whole, as `render` refuses it
        raise SpecError(f, [Problem((), str(error).rsplit(": ", 1)[-1])]) from None
"""
TARGET_SECONDS, TARGET_MB = 2.0, 200

# How each reader is called in the child process; FILE is the input.
READERS = {
    "state": "from kiban.audit.state import load_state as read\nrun = lambda f: read(f)",
    "outputs": "from kiban.verify.inventory import inventory_from_state as read\nrun = lambda f: read(f)",
    "ansible": "from kiban.verify.run import check_inventory as read\nrun = lambda f: read(f)",
    "waivers": "from kiban.audit.waivers import load_waivers as read\nfrom kiban.audit.rules import all_rules\n"
    "run = lambda f: read(f, [rule.id for rule in all_rules()])",
    "plan": "from kiban_platform.placement.plan_document import read_plan_document as read\nrun = lambda f: read(f)",
    "spec": "from kiban_platform.spec.load import load_spec as read\nrun = lambda f: read(f)",
    # A peer's state as `render --stack sample-hybrid-dc1 --reference sample-hybrid-gc=FILE` reads it: opened,
    # then checked against dc1's spec (kiban_platform/spec/stack_outputs.py). The spec loads before the clock.
    "peer": PEER_READER,
}

CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
sys.setrecursionlimit(10_000)
{reader}
from kiban_platform.spec.problems import SpecError
file = Path(sys.argv[1])
started = time.perf_counter()
try:
    run(file)
    outcome = "read"
except SpecError as error:
    outcome = "refused: " + error.lines()[0].split(": ", 1)[1][:70]
except BaseException as error:
    outcome = "CRASH " + type(error).__name__ + ": " + str(error)[:60]
elapsed = time.perf_counter() - started
# VmHWM: this process's own high-water mark (ru_maxrss would carry the parent's over exec).
status = Path("/proc/self/status").read_text()
peak_kb = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1])
print(json.dumps({{"seconds": elapsed, "peak_mb": peak_kb / 1024, "outcome": outcome}}))
"""


def _alias_bomb(levels: int = 12) -> bytes:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return ("\n".join(lines) + "\n").encode()


def _json_hostile() -> dict[str, bytes]:
    body = LIMIT - 100
    many = json.dumps({f"k{i}": i for i in range(body // 12)})
    return {
        "deep-nesting": b"[" * body,
        "deep-objects": b'{"a":' * (body // 5),
        "huge-number": b'{"version": ' + b"9" * (body - 20) + b"}",
        "huge-float": b'{"version": 1e' + b"9" * 100 + b"}",
        "long-string": b'{"version": 3, "x": "' + b"x" * (body - 40) + b'"}',
        "many-keys": many.encode()[:body].rsplit(b",", 1)[0] + b"}",
        "nan": b'{"version": NaN}',
    }


def _yaml_hostile() -> dict[str, bytes]:
    body = LIMIT - 100
    return {
        "alias-bomb": _alias_bomb(),
        "deep-flow": b"[" * body,
        "deep-block": b"".join(f"{'  ' * i}k:\n".encode() for i in range(600))[:body],
        "huge-number": b"a: " + b"9" * (body - 10) + b"\n",
        "long-string": b"a: " + b"x" * (body - 10) + b"\n",
        "many-keys": b"".join(f"k{i}: {i}\n".encode() for i in range(body // 14)),
        "not-utf8": "municipality: 湊川市\n".encode("shift_jis") * 1000,
    }


def _filled(document: dict[str, Any], path: tuple[str | int, ...], item: Any) -> bytes:
    """``document`` with the list or mapping at ``path`` grown with copies of ``item`` to just under LIMIT."""
    grown = copy.deepcopy(document)
    holder: Any = grown
    for key in path[:-1]:
        holder = holder[key]
    # Each copy costs its JSON, a separator and (in a mapping) its key "lNNNNN": .
    size = len(json.dumps(item)) + 12
    count = (LIMIT - len(json.dumps(document)) - 1000) // size
    if isinstance(holder[path[-1]], list):
        holder[path[-1]] = [copy.deepcopy(item) for _ in range(count)]
    else:
        holder[path[-1]] = {f"l{i}": copy.deepcopy(item) for i in range(count)}
    return json.dumps(grown).encode()


def _peer_hostile(good: Path) -> dict[str, bytes]:
    """A peer state grown where the schema walks: links, tunnels, sites, cross-site flows; each under 1 MB."""
    document = json.loads(good.read_text(encoding="utf-8"))
    outputs: tuple[str | int, ...] = ("deployment", "resources", 0, "outputs")
    link = document["deployment"]["resources"][0]["outputs"]["links"]["dc1-gc"]
    inventory = document["deployment"]["resources"][0]["outputs"]["inventory"]
    return {
        "many-links": _filled(document, (*outputs, "links"), link),
        "many-tunnels": _filled(document, (*outputs, "links", "dc1-gc", "tunnels"), link["tunnels"][0]),
        "many-sites": _filled(document, (*outputs, "inventory", "sites"), inventory["sites"][0]),
        "many-flows": _filled(
            document,
            (*outputs, "inventory", "cross_site_flows"),
            inventory["cross_site_flows"][0],
        ),
    }


def _normal_files(folder: Path) -> dict[str, Path]:
    state = render_tiny(folder)
    files = {"state": folder / "state.json", "outputs": folder / "outputs.json", "ansible": folder / "ansible.yaml"}
    files["state"].write_text(json.dumps(state), encoding="utf-8")
    stack = next(r for r in state["deployment"]["resources"] if r["type"] == "pulumi:pulumi:Stack")
    files["outputs"].write_text(json.dumps(stack["outputs"]), encoding="utf-8")
    files["ansible"].write_text(yaml.safe_dump(ansible_inventory(stack["outputs"]["inventory"])), encoding="utf-8")
    files["waivers"] = folder / "waivers.yaml"
    files["waivers"].write_text(
        "waivers:\n  - rule: KB-HA-001\n    resource: 'urn:pulumi:*::kiban::*::juki-batch*'\n"
        "    justification: one node until 2027 (ticket 1234)\n    expires: 2026-12-31\n",
        encoding="utf-8",
    )
    files["spec"] = folder / "tiny-city.yaml"
    files["spec"].write_text(TINY_CITY, encoding="utf-8")
    files["plan"] = folder / "plan.json"
    subprocess.run(
        [sys.executable, "-m", "kiban", "plan", str(files["spec"]), "--format", "json", "--out", str(files["plan"])],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    # A peer's state as the gc stack publishes it (tests/peer_states.py), read by the dc1 stack.
    files["peer"] = folder / "peer.json"
    files["peer"].write_text(json.dumps(state_document(good_gc())), encoding="utf-8")
    return files


def _measure(reader: str, file: Path) -> dict[str, object]:
    code = CHILD.format(repo=str(REPO), reader=READERS[reader])
    done = subprocess.run([sys.executable, "-c", code, str(file)], capture_output=True, text=True, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        return {"seconds": float("nan"), "peak_mb": float("nan"), "outcome": f"CHILD FAILED: {done.stderr[-200:]}"}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kiban-hostile-") as scratch:
        folder = Path(scratch)
        normal = _normal_files(folder)
        worst_overall = (0.0, 0.0)
        print(f"{'reader':8} {'input':14} {'bytes':>9} {'seconds':>8} {'peak MB':>8}  outcome")
        for reader, good in normal.items():
            cases = {"normal": good.read_bytes()}
            cases |= _json_hostile() if good.suffix == ".json" else _yaml_hostile()
            if reader == "peer":
                cases |= _peer_hostile(good)
            worst_seconds, worst_mb = 0.0, 0.0
            for name, content in cases.items():
                assert name == "normal" or len(content) < LIMIT, (reader, name, len(content))
                file = folder / f"{reader}-{name}{good.suffix}"
                file.write_bytes(content)
                figures = _measure(reader, file)
                seconds, peak = float(str(figures["seconds"])), float(str(figures["peak_mb"]))
                print(f"{reader:8} {name:14} {len(content):>9,} {seconds:>8.3f} {peak:>8.1f}  {figures['outcome']}")
                if name != "normal":
                    worst_seconds, worst_mb = max(worst_seconds, seconds), max(worst_mb, peak)
            print(f"{reader:8} {'WORST hostile':14} {'':>9} {worst_seconds:>8.3f} {worst_mb:>8.1f}")
            worst_overall = (max(worst_overall[0], worst_seconds), max(worst_overall[1], worst_mb))
        verdict = worst_overall[0] < TARGET_SECONDS and worst_overall[1] < TARGET_MB
        print(
            f"worst over every reader: {worst_overall[0]:.3f} s, {worst_overall[1]:.1f} MB peak "
            f"(target < {TARGET_SECONDS} s, < {TARGET_MB} MB): {'met' if verdict else 'NOT met'}"
        )
        print()
        _hybrid_main(folder)


# The hybrid cases: a spec validated whole, against reading it alone (the floor), in one process.
HYBRID_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.problems import SpecError
from kiban_platform.spec.source import read_yaml

def peak_mb():
    status = Path("/proc/self/status").read_text()
    return int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) / 1024

file = Path(sys.argv[1])
started = time.perf_counter()
try:
    read_yaml(file)
except SpecError:
    pass
floor_seconds, floor_mb = time.perf_counter() - started, peak_mb()
started = time.perf_counter()
try:
    load_spec(file)
    outcome = "valid"
except SpecError as error:
    lines = error.lines()
    outcome = f"{{len(lines)}} line(s): " + lines[0].split(": ", 1)[1][:60]
except BaseException as error:
    outcome = "CRASH " + type(error).__name__ + ": " + str(error)[:60]
seconds = time.perf_counter() - started
print(json.dumps({{"floor_seconds": floor_seconds, "floor_mb": floor_mb, "seconds": seconds, "peak_mb": peak_mb(),
                  "outcome": outcome}}))
"""


def _values(data: Any) -> int:
    """Values as the YAML reader counts them against ``MAX_NODES``: each key, item and collection."""
    if isinstance(data, dict):
        return 1 + sum(1 + _values(value) for value in data.values())
    if isinstance(data, list):
        return 1 + sum(_values(item) for item in data)
    return 1


def _readable(data: dict[str, Any]) -> bool:
    return len(as_yaml(data).encode()) < LIMIT and _values(data) <= MAX_NODES


def _largest_under_limit(build: Callable[[int], dict[str, Any]]) -> bytes:
    """``build(count)`` as YAML for the largest count (found by halving steps) under 1 MB and ``MAX_NODES`` values:
    a larger file is refused by the reader before any check runs (its own case in the readers' table)."""
    low, high = 1, 2
    while _readable(build(high)):
        low, high = high, high * 2
    while high - low > max(1, low // 50):  # within 2% of the largest: close enough, and quick
        middle = (low + high) // 2
        low, high = (middle, high) if _readable(build(middle)) else (low, middle)
    return as_yaml(build(low)).encode()


def _one_block_for_every_site(count: int) -> dict[str, Any]:
    """Every added site on the first one's block: every pair overlaps (the millions-of-lines case)."""
    data = with_many_sites(count)
    for site in data["sites"][3:]:
        site["areas"] = dict(data["sites"][3]["areas"])
    return data


def _one_tunnel_pair_for_every_link(count: int) -> dict[str, Any]:
    data = with_many_links(count)
    for link in data["links"][2:]:
        link["tunnels"] = [dict(tunnel) for tunnel in data["links"][2]["tunnels"]]
    return data


def _deep_site(depth: int) -> bytes:
    data = sample_hybrid()
    nested: Any = "x"
    for _ in range(depth):
        nested = {"k": nested}
    data["sites"][0]["areas"] = nested
    return as_yaml(data).encode()


def _long_purpose() -> bytes:
    data = sample_hybrid()
    text = as_yaml(data)
    data["flows"][0]["purpose"] = "特定通信" + "x" * (LIMIT - len(text.encode()) - 200)
    return as_yaml(data).encode()


def _hybrid_cases() -> dict[str, bytes]:
    return {
        "normal": as_yaml(sample_hybrid()).encode(),
        "many-sites": _largest_under_limit(with_many_sites),
        "many-links": _largest_under_limit(with_many_links),
        "many-flows": _largest_under_limit(with_many_cross_site_flows),
        "one-dup-site-id": _largest_under_limit(lambda n: with_duplicate_site_id(with_many_sites(n), "cloud-00000")),
        "same-block": _largest_under_limit(_one_block_for_every_site),
        "same-tunnels": _largest_under_limit(_one_tunnel_pair_for_every_link),
        "deep-60": _deep_site(60),
        "deep-200": _deep_site(200),
        "long-string": _long_purpose(),
    }


def _hybrid_main(folder: Path) -> None:
    """Each hybrid case's validation: time, peak memory, and both against reading the file (the floor)."""
    print(
        f"{'hybrid spec':16} {'bytes':>9} {'read s':>7} {'read MB':>8} {'check s':>8} {'peak MB':>8} "
        f"{'x read':>7}  outcome"
    )
    worst_seconds, worst_mb = 0.0, 0.0
    for name, content in _hybrid_cases().items():
        assert len(content) < LIMIT, (name, len(content))
        file = folder / f"hybrid-{name}.yaml"
        file.write_bytes(content)
        code = HYBRID_CHILD.format(repo=str(REPO))
        done = subprocess.run([sys.executable, "-c", code, str(file)], capture_output=True, text=True, check=False)
        if done.returncode != 0 or not done.stdout.strip():
            print(f"{name:16} {len(content):>9,} CHILD FAILED: {done.stderr[-200:]}")
            worst_seconds = worst_mb = float("inf")
            continue
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        ratio = figures["seconds"] / figures["floor_seconds"] if figures["floor_seconds"] > 0 else float("nan")
        print(
            f"{name:16} {len(content):>9,} {figures['floor_seconds']:>7.3f} {figures['floor_mb']:>8.1f} "
            f"{figures['seconds']:>8.3f} {figures['peak_mb']:>8.1f} {ratio:>7.1f}  {figures['outcome']}"
        )
        worst_seconds, worst_mb = max(worst_seconds, figures["seconds"]), max(worst_mb, figures["peak_mb"])
    verdict = worst_seconds < TARGET_SECONDS and worst_mb < TARGET_MB
    print(
        f"worst hybrid spec: {worst_seconds:.3f} s, {worst_mb:.1f} MB peak "
        f"(target < {TARGET_SECONDS} s, < {TARGET_MB} MB): {'met' if verdict else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
