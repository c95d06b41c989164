"""The good inputs the fuzz tests start from (rendered once per session), and running one case of a reader.

A case is the bytes of one file handed to a real command in-process (typer's CliRunner); it passes
when the command ends in one of its documented exit codes, with no traceback, in ``CASE_SECONDS``.
A failing case is saved under tests/fuzz/corpus/<reader>/ when KIBAN_FUZZ_SAVE is set, and every
file there is replayed by test_corpus.py from then on.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import yaml
from typer.testing import CliRunner

from kiban.cli import app
from kiban.verify.inventory import ansible_inventory
from tests.conftest import REPO
from tests.fuzz.mutations import CASE_SECONDS, Path_, paths
from tests.rendering import TINY_CITY, tiny_render, write_tiny_city

CORPUS = Path(__file__).resolve().parent / "corpus"
STACK_TYPE = "pulumi:pulumi:Stack"
runner = CliRunner()


@functools.cache
def workspace() -> Path:
    """A folder of good inputs, made once per session: the tiny city, its render, its plan."""
    folder = Path(tempfile.mkdtemp(prefix="kiban-fuzz-"))
    write_tiny_city(folder)
    state = tiny_render()
    (folder / "state.json").write_text(json.dumps(state), encoding="utf-8")
    plan = runner.invoke(
        app, ["plan", str(folder / "tiny-city.yaml"), "--format", "json", "--out", str(folder / "plan.json")]
    )
    assert plan.exit_code == 0, plan.output
    return folder


@functools.cache
def good_state() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((workspace() / "state.json").read_text(encoding="utf-8"))
    return loaded


def stack_outputs() -> dict[str, Any]:
    stack = next(r for r in good_state()["deployment"]["resources"] if r["type"] == STACK_TYPE)
    outputs: dict[str, Any] = stack["outputs"]
    return outputs


def good_plan() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((workspace() / "plan.json").read_text(encoding="utf-8"))
    return loaded


def good_spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(TINY_CITY)
    return loaded


@functools.cache
def _sample_hybrid_text() -> str:
    return (REPO / "specs" / "sample-hybrid.yaml").read_text(encoding="utf-8")


def good_hybrid_spec() -> dict[str, Any]:
    """The sample hybrid city: sites, links, public services, cross-site flows and the operations planes."""
    loaded: dict[str, Any] = yaml.safe_load(_sample_hybrid_text())
    return loaded


def good_ansible_inventory() -> dict[str, Any]:
    return ansible_inventory(stack_outputs()["inventory"])


GOOD_WAIVERS: dict[str, Any] = {
    "waivers": [
        {
            "rule": "KB-HA-001",
            "resource": "urn:pulumi:*::kiban::*::juki-batch*",
            "justification": "the vendor's batch keeps state on one node until its 2027 release (ticket 1234)",
            "expires": "2026-12-31",
        }
    ]
}


@functools.cache
def state_paths() -> list[Path_]:
    """Where a state is worth changing: its envelope, the stack's outputs, rules, servers and a few others."""
    resources = good_state()["deployment"]["resources"]
    interesting = ("Stack", "Rule", "Instance", "Port", "Subnet", "Network", "SecGroup", "SecurityGroup", "Route")
    chosen: set[int] = set()
    for word in interesting:
        chosen.update([i for i, r in enumerate(resources) if r["type"].endswith(word) or word in r["type"]][:4])
    chosen.update(range(3))

    def keep(path: Path_) -> bool:
        if len(path) < 3 or path[:2] != ("deployment", "resources"):
            return len(path) <= 2
        return path[2] in chosen and len(path) <= 9

    return paths(good_state(), keep)


# The smallest hybrid city whose on-prem site reads a peer: dc1 (OpenStack) reads gc's (AWS) tunnels over a
# private-IP VPN on Direct Connect. dc1 renders in about a second, so a peer state the schema lets through
# still runs the whole program on what it read.
MINI_HYBRID = """
municipality: {name: 試験市, name_en: Test City, code: "149993", class: other}
failure_domains:
  chassis:
    - {id: c1, availability_zone: az-c1, cloud_zone: ap-northeast-1a, blades: [{id: c1-b1, vcpu: 64, ram_gb: 256, disk_gb: 4000}]}
    - {id: c2, availability_zone: az-c2, cloud_zone: ap-northeast-1c, blades: [{id: c2-b1, vcpu: 64, ram_gb: 256, disk_gb: 4000}]}
areas:
  - {id: secure, name: マイナンバー系, name_en: My Number, level: high, vlans: {first: 100, last: 199}, supernet: 10.10.0.0/16}
middleware:
  integration_hub: {product: hub, replicas: 2, areas: [secure], ports: [443], vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
businesses: []
flows:
  - id: gc-dc1
    from: {middleware: integration_hub, area: secure, site: gc}
    to: {middleware: integration_hub, area: secure, site: dc1}
    ports: [443/tcp]
    one_way: true
    data: my_number
    purpose: 基幹業務 to the hub
management:
  operations_networks:
    - {id: ops-secure, area: secure, cidr: 172.16.10.0/28, purpose: 運用端末}
sites:
  - {id: dc1, kind: on_prem, target: openstack, asn: 65010, areas: {secure: 10.10.0.0/17}}
  - {id: gc, kind: government_cloud, target: aws, region: ap-northeast-1, asn: 64512, areas: {secure: 10.10.128.0/17}}
links:
  - id: dc1-gc
    between: [dc1, gc]
    carrier: lgwan
    transport: direct_connect
    encryption: ipsec
    areas: [secure]
    dx: {connections: [{id: dxcon-ffa1b2c3, vlan: 101}], gateway_asn: 64600, outside_cidr: 172.16.200.0/24}
    tunnels: [{inside_cidr: 169.254.10.0/30}, {inside_cidr: 169.254.10.4/30}]
    addresses: {dc1: 172.16.30.1}
"""


@functools.cache
def hybrid_workspace() -> Path:
    """A folder with the mini hybrid city and its gc site's render (the peer state dc1 reads), made once."""
    folder = Path(tempfile.mkdtemp(prefix="kiban-fuzz-hybrid-"))
    spec = folder / "mini-hybrid.yaml"
    spec.write_text(MINI_HYBRID, encoding="utf-8")
    gc = ["render", "--spec", str(spec), "--site", "gc", "--out", str(folder / "gc.json"), "--quiet"]
    result = runner.invoke(app, gc)
    assert result.exit_code == 0, result.output
    return folder


@functools.cache
def good_peer_state() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((hybrid_workspace() / "gc.json").read_text(encoding="utf-8"))
    return loaded


@functools.cache
def peer_state_paths() -> list[Path_]:
    """Where a peer's state is worth changing: its envelope and its stack resource (URN, links, municipality and
    the inventory's hybrid keys), not the inventory's own plan (hosts, areas, flows), which no peer reads."""
    resources = good_peer_state()["deployment"]["resources"]
    stack = next(i for i, r in enumerate(resources) if r["type"] == STACK_TYPE)
    unread = {"hosts", "areas", "flows", "management", "operations", "segments", "rules"}

    def keep(path: Path_) -> bool:
        if len(path) < 3 or path[:2] != ("deployment", "resources"):
            return len(path) <= 2
        if path[2] != stack:
            return len(path) == 3
        return not any(part in unread for part in path[4:6])

    return paths(good_peer_state(), keep)


@dataclass(frozen=True)
class Command:
    """How to run a reader's command on a case file; ``allowed``: the exit codes its documentation lists."""

    name: str
    arguments: Callable[[Path, Path], list[str]]  # (the case file, a scratch folder) -> kiban arguments
    allowed: frozenset[int]


def _state_file() -> Path:
    return workspace() / "state.json"


AUDIT = Command("audit", lambda case, _: ["audit", str(case)], frozenset({0, 2, 3}))
DIFF_NEW = Command("diff-new", lambda case, _: ["diff", str(_state_file()), str(case)], frozenset({0, 1, 2, 3}))
DIFF_OLD = Command("diff-old", lambda case, _: ["diff", str(case), str(_state_file())], frozenset({0, 1, 2, 3}))
INVENTORY = Command(
    "inventory", lambda case, scratch: ["inventory", str(case), "--out", str(scratch / "inv.yaml")], frozenset({0, 2})
)
PLAYBOOK = Command(
    "playbook", lambda case, scratch: ["playbook", str(case), "--out", str(scratch / "site.yml")], frozenset({0, 2})
)
REPORT = Command(
    "report",
    lambda case, scratch: ["report", str(case), "--out", str(scratch / "report.html"), "--quiet", "--no-embedded-font"],
    frozenset({0, 2}),
)
VERIFY = Command("verify", lambda case, _: ["verify", "--inventory", str(case)], frozenset({0, 2}))
WAIVERS = Command(
    "audit-waivers", lambda case, _: ["audit", str(_state_file()), "--waivers", str(case)], frozenset({0, 2, 3})
)
PLAN = Command(
    "plan-previous",
    lambda case, _: ["plan", str(workspace() / "tiny-city.yaml"), "--previous", str(case), "--format", "json"],
    frozenset({0, 2}),
)
VALIDATE = Command("validate", lambda case, _: ["validate", str(case)], frozenset({0, 2}))
PEER = Command(
    "render-reference",
    lambda case, scratch: [
        "render",
        *("--spec", str(hybrid_workspace() / "mini-hybrid.yaml"), "--site", "dc1", "--quiet"),
        *("--out", str(scratch / "dc1.json"), "--reference", f"mini-hybrid-gc={case}"),
    ],
    frozenset({0, 2}),
)

# Each reader, the commands that read its kind of file, and the suffix its files have.
READERS: dict[str, tuple[str, tuple[Command, ...]]] = {
    "state": (".json", (AUDIT, DIFF_NEW, DIFF_OLD, INVENTORY, PLAYBOOK, REPORT)),
    "outputs": (".json", (INVENTORY, PLAYBOOK, REPORT)),
    "ansible": (".yaml", (VERIFY,)),
    "waivers": (".yaml", (WAIVERS,)),
    "plan": (".json", (PLAN,)),
    "spec": (".yaml", (VALIDATE,)),
    "peer": (".json", (PEER,)),
    "hybrid": (".yaml", (VALIDATE,)),  # a spec with sites: its own corpus folder, tests/fuzz/corpus/hybrid/
}


def run_case(reader: str, command: Command, content: bytes) -> int:
    """Run ``command`` on ``content``; assert a documented exit code, no traceback, in time. The exit code."""
    suffix = READERS[reader][0]
    with tempfile.TemporaryDirectory(prefix="kiban-case-") as scratch:
        case = Path(scratch) / f"case{suffix}"
        case.write_bytes(content)
        started = time.monotonic()
        # The testinfra suite itself never runs here: only reading the inventory is under test.
        with mock.patch("kiban.verify.run.run_suite", return_value=0):
            result = runner.invoke(app, command.arguments(case, Path(scratch)))
        elapsed = time.monotonic() - started
    try:
        unexpected = result.exception is not None and not isinstance(result.exception, SystemExit)
        assert not unexpected, f"{command.name}: {type(result.exception).__name__}: {result.exception}"
        assert "Traceback" not in result.output, result.output[-2000:]
        assert result.exit_code in command.allowed, f"{command.name} exit {result.exit_code}: {result.output[-2000:]}"
        assert elapsed < CASE_SECONDS, f"{command.name} took {elapsed:.1f} s"
    except AssertionError:
        if os.environ.get("KIBAN_FUZZ_SAVE"):
            folder = CORPUS / reader
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{hashlib.sha256(content).hexdigest()[:16]}{suffix}").write_bytes(content)
        raise
    return result.exit_code
