"""A host's firewall, read as `nft -j list ruleset` JSON, is compared both ways with its plan.

The rulesets in ``firewalls/`` are real: the firewall `kiban playbook` writes for juki-app-1 (a My
Number host of the sample city), as is or with one planted change, loaded by nftables in a throwaway
network namespace and listed back (``firewalls/capture.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiban.lab.session import platform_inventory
from kiban.verify.hostfirewall import (
    PlannedAccept,
    host_firewall_problems,
    host_plan,
    planned_accepts,
    read_rule,
    rule_text,
)
from kiban.verify.inventory import ansible_inventory
from tests.conftest import SAMPLE_SPEC
from tests.kiban.verify.firewalls import capture

FIREWALLS = Path(__file__).resolve().parent / "firewalls"
HOST = capture.HOST
WEB = "ip saddr 10.10.4.0/24 tcp dport 8443 accept (juki/web -> juki/app 8443/tcp (tier-to-tier))"
BATCH = "ip saddr 10.10.7.0/24 tcp dport 8443 accept (juki/batch -> juki/app 8443/tcp (tier-to-tier))"
SSH = "ip saddr 10.10.3.0/25 tcp dport 22 accept (bastion@mynumber -> juki/app 22/tcp (bastion-to-host))"


@pytest.fixture(scope="module")
def inventory() -> dict[str, Any]:
    return ansible_inventory(platform_inventory(SAMPLE_SPEC))


@pytest.fixture(scope="module")
def plan(inventory: dict[str, Any]) -> tuple[PlannedAccept, ...]:
    return host_plan(inventory, HOST)


def _listed(name: str) -> dict[str, Any]:
    listed: dict[str, Any] = json.loads((FIREWALLS / f"{name}.json").read_text(encoding="utf-8"))
    return listed


def test_the_plan_is_the_rules_into_the_host_s_group(plan: tuple[PlannedAccept, ...]) -> None:
    assert sorted(rule.line for rule in plan) == sorted([SSH, BATCH, WEB])


def test_the_captured_firewall_is_what_the_playbook_writes_today() -> None:
    # The fixtures are captured from the playbook's output: when the template changes, capture them again.
    assert (FIREWALLS / "playbook.nft").read_text(encoding="utf-8") == capture.playbook_firewall()


@pytest.mark.parametrize("name", ["playbook", "within-the-plan"])
def test_the_playbook_s_firewall_passes(name: str, plan: tuple[PlannedAccept, ...]) -> None:
    assert host_firewall_problems(HOST, _listed(name), plan) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "lgwan-onto-ssh",
            [
                f"{HOST}: inet kiban input: ip saddr 10.20.0.0/16 tcp dport 22 accept: "
                "no planned rule allows new connections from 10.20.0.0/16 on tcp 22"
            ],
        ),
        (
            "interface-wide",
            [f'{HOST}: inet kiban input: iifname "eth0" accept: it is wider than the planned {SSH}; {BATCH}; {WEB}'],
        ),
        (
            "ct-state-new",
            [f"{HOST}: inet kiban input: ct state new accept: it is wider than the planned {SSH}; {BATCH}; {WEB}"],
        ),
        (
            "jump-to-accepting-chain",
            [
                f"{HOST}: inet kiban input: jump extra -> inet kiban extra: tcp dport 9000 accept: "
                "no planned rule allows new connections from any source on tcp 9000"
            ],
        ),
        (
            "policy-accept",
            [f"{HOST}: inet kiban input: policy accept: a chain hooked to input must drop what no rule accepts"],
        ),
        (
            "second-table-input-hook",
            [
                f"{HOST}: ip other input: policy accept: a chain hooked to input must drop what no rule accepts",
                f"{HOST}: ip other input: tcp dport 5432 accept: "
                "no planned rule allows new connections from any source on tcp 5432",
            ],
        ),
        (
            "wider-port-range",
            [
                f"{HOST}: inet kiban input: ip saddr 10.10.7.0/24 tcp dport 8443-8450 accept: "
                f"it is wider than the planned {BATCH}"
            ],
        ),
        (
            "missing-planned-rule",
            [
                f"{HOST}: inet kiban input: the planned {WEB} is not accepted: no rule of the chain accepts it (policy drop)"
            ],
        ),
        (
            "drop-before-planned-rule",
            [
                f"{HOST}: inet kiban input: the planned {WEB} is not accepted: "
                "first taken by `inet kiban input: ip saddr 10.10.4.0/24 drop`"
            ],
        ),
    ],
)
def test_each_planted_drift_is_named_exactly(name: str, expected: list[str], plan: tuple[PlannedAccept, ...]) -> None:
    assert host_firewall_problems(HOST, _listed(name), plan) == expected


def test_no_playbook_table_at_all(plan: tuple[PlannedAccept, ...]) -> None:
    listed = {"nftables": [{"metainfo": {"json_schema_version": 1}}]}
    problems = host_firewall_problems(HOST, listed, plan)
    assert problems == [f"{HOST}: no chain inet kiban input (the firewall `kiban playbook` writes)"]


def test_another_host_s_plan_does_not_fit(inventory: dict[str, Any]) -> None:
    # The same firewall on a host of another group: its two business accepts are extra, its own rules missing
    # (SSH from the area's bastion is planned for both).
    problems = host_firewall_problems("juki-web-1", _listed("playbook"), host_plan(inventory, "juki-web-1"))
    extra = [problem for problem in problems if "no planned rule allows" in problem or "wider" in problem]
    missing = [problem for problem in problems if "is not accepted" in problem]
    assert len(extra) == 2 and all("tcp dport 8443 accept" in problem for problem in extra)
    assert missing and all("-> juki/web " in problem for problem in missing)


def _rule(*expressions: dict[str, Any]) -> list[dict[str, Any]]:
    return [*expressions, {"accept": None}]


def _match(left: dict[str, Any], right: Any, op: str = "==") -> dict[str, Any]:
    return {"match": {"op": op, "left": left, "right": right}}


SADDR = {"payload": {"protocol": "ip", "field": "saddr"}}
TCP_DPORT = {"payload": {"protocol": "tcp", "field": "dport"}}


@pytest.mark.parametrize(
    ("expressions", "text"),
    [
        (_rule(_match(SADDR, {"prefix": {"addr": "10.20.0.0", "len": 16}}), _match(TCP_DPORT, 22)),
         "ip saddr 10.20.0.0/16 tcp dport 22 accept"),
        (_rule(_match({"meta": {"key": "iifname"}}, "eth0")), 'iifname "eth0" accept'),
        (_rule(_match({"ct": {"key": "state"}}, ["established", "related"], "in")), "ct state established,related accept"),
        (_rule(_match(SADDR, "10.0.0.1", "!="), _match(TCP_DPORT, {"set": [80, {"range": [8000, 8010]}]})),
         "ip saddr != 10.0.0.1 tcp dport { 80, 8000-8010 } accept"),
        ([{"jump": {"target": "extra"}}], "jump extra"),
    ],
)  # fmt: skip
def test_rules_are_named_as_nft_prints_them(expressions: list[dict[str, Any]], text: str) -> None:
    assert rule_text(expressions) == text


@pytest.mark.parametrize(
    "expressions",
    [
        _rule(_match(SADDR, "10.10.4.0", "!="), _match(TCP_DPORT, 8443)),  # a negated source: anywhere else
        _rule(_match(SADDR, "@friends"), _match(TCP_DPORT, 8443)),  # a named set kiban cannot read here
        _rule(_match({"payload": {"protocol": "th", "field": "dport"}}, 8443)),  # tcp and udp, any source
        _rule(_match(SADDR, {"prefix": {"addr": "10.10.4.0", "len": 24}}), _match(TCP_DPORT, 8443, "!=")),
        _rule(_match({"payload": {"protocol": "ip6", "field": "saddr"}}, {"prefix": {"addr": "fd00::", "len": 8}}),
              _match(TCP_DPORT, 8443)),
        [_match(SADDR, {"prefix": {"addr": "10.10.4.0", "len": 24}}), _match(TCP_DPORT, 9000), {"queue": {"num": 1}}],
    ],
)  # fmt: skip
def test_what_kiban_cannot_narrow_counts_as_wide(expressions: list[dict[str, Any]]) -> None:
    planned = planned_accepts(
        [{"from": {"group": "juki/web", "cidr": "10.10.4.0/24"}, "to": {"group": "juki/app"}, "port": "8443/tcp",
          "kind": "tier-to-tier"}],
        "juki/app",
    )  # fmt: skip
    listed = {
        "nftables": [
            {"chain": {"family": "inet", "table": "kiban", "name": "input", "hook": "input", "policy": "drop"}},
            {"rule": {"family": "inet", "table": "kiban", "chain": "input",
                      "expr": _rule(_match(SADDR, {"prefix": {"addr": "10.10.4.0", "len": 24}}), _match(TCP_DPORT, 8443))}},
            {"rule": {"family": "inet", "table": "kiban", "chain": "input", "expr": expressions}},
        ]
    }  # fmt: skip
    [problem] = host_firewall_problems(HOST, listed, planned)
    assert problem.startswith(f"{HOST}: inet kiban input: {rule_text(expressions)}: ")


def test_replies_invalid_packets_and_loopback_open_nothing() -> None:
    for expressions in (
        _rule(_match({"ct": {"key": "state"}}, ["established", "related"], "in")),
        _rule(_match({"meta": {"key": "iif"}}, "lo")),
    ):
        assert not read_rule(expressions).conditions.opens_something


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nft") is None or shutil.which("unshare") is None, reason="needs nft and unshare")
def test_the_fixtures_are_what_nft_lists_today() -> None:
    """Capture again in a throwaway namespace: nftables of this machine lists the same JSON (as root only)."""
    try:
        listed = capture.listed(capture.planted(capture.playbook_firewall())["lgwan-onto-ssh"])
    except subprocess.CalledProcessError as error:
        pytest.skip(f"cannot make a network namespace here: {error.stderr.strip()}")
    assert listed["nftables"][1:] == _listed("lgwan-onto-ssh")["nftables"][1:]


def test_a_nat_chain_on_the_input_hook_lets_nothing_in(plan: tuple[PlannedAccept, ...]) -> None:
    listed = _listed("playbook")
    nat = {"chain": {"family": "ip", "table": "nat", "name": "in", "type": "nat", "hook": "input", "policy": "accept"}}
    assert host_firewall_problems(HOST, {"nftables": [*listed["nftables"], nat]}, plan) == []
    as_filter = {"chain": nat["chain"] | {"type": "filter"}}
    [problem] = host_firewall_problems(HOST, {"nftables": [*listed["nftables"], as_filter]}, plan)
    assert problem == f"{HOST}: ip nat in: policy accept: a chain hooked to input must drop what no rule accepts"


def test_a_host_of_a_merged_inventory_has_its_own_site_s_rules() -> None:
    def rule(site: str, cidr: str) -> dict[str, Any]:
        return {"from": {"group": "renkei", "cidr": cidr}, "to": {"group": "juki/app"}, "port": "443/tcp",
                "kind": "tier-to-tier", "site": site}  # fmt: skip

    inventory = {
        "all": {
            "hosts": {"juki-app-1.dc1": {"kiban_group": "juki/app", "kiban_site": "dc1"}},
            "vars": {"kiban_flows": [rule("dc1", "10.10.9.0/24"), rule("gc", "10.110.9.0/24")]},
        }
    }
    assert [str(accept.source) for accept in host_plan(inventory, "juki-app-1.dc1")] == ["10.10.9.0/24"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-1, 70000) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_listing_gives_problems_never_an_exception(data: st.DataObject, plan: tuple[PlannedAccept, ...]) -> None:
    """An nftables of another version (or a broken one) is reported on, never a crash of the check itself."""
    listed = json.loads(json.dumps(_listed("lgwan-onto-ssh")))
    items = listed["nftables"]
    where = data.draw(st.integers(0, len(items) - 1))
    item = items[where]
    (kind, body), *_ = item.items()
    if kind == "rule" and data.draw(st.booleans()):
        expressions = body["expr"]
        at = data.draw(st.integers(0, len(expressions) - 1))
        expressions[at] = data.draw(st.dictionaries(st.sampled_from(["match", "jump", "accept", "x"]), JSON_VALUES))
    elif isinstance(body, dict) and body:
        key = data.draw(st.sampled_from(sorted(body)))
        body[key] = data.draw(JSON_VALUES)
    else:
        items[where] = data.draw(JSON_VALUES)
    problems = host_firewall_problems(HOST, listed, plan)
    assert all(isinstance(problem, str) and problem.startswith(f"{HOST}: ") for problem in problems)


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare")
@pytest.mark.parametrize(
    ("name", "offending"),
    [
        ("playbook", None),
        ("lgwan-onto-ssh", "ip saddr 10.20.0.0/16 tcp dport 22 accept"),
        ("interface-wide", 'iifname "eth0" accept'),
        ("ct-state-new", "ct state new accept"),
    ],
)
def test_kiban_verify_reads_a_host_s_real_firewall(
    name: str, offending: str | None, inventory: dict[str, Any], tmp_path: Path
) -> None:
    """The suite's own check, through testinfra, on this machine standing in for juki-app-1 in a namespace of its own."""
    (tmp_path / "firewall.nft").write_text(capture.planted(capture.playbook_firewall())[name], encoding="utf-8")
    (tmp_path / "hosts.yml").write_text(json.dumps(inventory), encoding="utf-8")
    (tmp_path / "local.yml").write_text(
        json.dumps({"all": {"hosts": {HOST: {"ansible_connection": "local"}}}}), encoding="utf-8"
    )
    kiban = [str(Path(sys.executable).parent / "kiban"), "verify", "--inventory", "hosts.yml"]
    testinfra = ["--ansible-inventory", "local.yml", "--hosts", HOST, "-k", "test_host_firewall"]
    finished = subprocess.run(
        ["unshare", "-n", "sh", "-c", 'nft -f firewall.nft && exec "$@"', "sh", *kiban, *testinfra],
        capture_output=True, text=True, check=False, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert finished.returncode == (0 if offending is None else 1), finished.stdout + finished.stderr
    if offending is not None:
        assert f"juki-app-1: inet kiban input: {offending}: " in finished.stdout


def _with_chain(listed: dict[str, Any], name: str, *rules: list[dict[str, Any]]) -> dict[str, Any]:
    """``listed`` with a regular chain ``name`` of ``rules`` in inet kiban, jumped to first thing in input."""
    place = {"family": "inet", "table": "kiban"}
    items = [item for item in listed["nftables"] if "metainfo" not in item]
    jump = {"rule": place | {"chain": "input", "expr": [{"jump": {"target": name}}]}}
    first_rule = next(index for index, item in enumerate(items) if "rule" in item)
    items.insert(first_rule, jump)
    chain = [{"chain": place | {"name": name}}]
    return {"nftables": [*chain, *items, *({"rule": place | {"chain": name, "expr": rule}} for rule in rules)]}


def test_a_jump_is_followed_to_see_whether_a_planned_rule_gets_through(plan: tuple[PlannedAccept, ...]) -> None:
    counting = _with_chain(_listed("playbook"), "audit", [{"counter": None}], [{"return": None}])
    assert host_firewall_problems(HOST, counting, plan) == []
    dropping = _with_chain(_listed("playbook"), "blocked", [_match(SADDR, "10.10.4.7"), {"drop": None}])
    assert host_firewall_problems(HOST, dropping, plan) == [
        f"{HOST}: inet kiban input: the planned {WEB} is not accepted: first taken by `inet kiban blocked: "
        "ip saddr 10.10.4.7 drop`"
    ]


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare")
def test_every_host_s_playbook_firewall_is_exactly_its_plan(inventory: dict[str, Any]) -> None:
    """Every host of the sample (bastions, time nodes on UDP, port ranges): nft's listing of its file passes."""
    from kiban_platform.templates.config import _hosts, host_files

    document = platform_inventory(SAMPLE_SPEC)
    problems: list[str] = []
    for host in _hosts(document):
        [nftables] = [file for file in host_files(document, host) if file.key == "nftables"]
        problems += host_firewall_problems(host.name, capture.listed(nftables.content), host_plan(inventory, host.name))
    assert problems == []
