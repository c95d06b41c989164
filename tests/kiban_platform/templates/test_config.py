"""Day-two configuration: rendered from the inventory document, exact, valid, and applied by a real playbook."""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from kiban_platform.network.flows import plan_flows
from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.inventory import build_inventory
from kiban_platform.network.plan import plan_network
from kiban_platform.spec.load import load_spec
from kiban_platform.templates.config import ConfigHost, host_files, playbook, web_backends
from tests.conftest import SAMPLE_SPEC

RULE = re.compile(r"^\s*ip saddr (\S+) (tcp|udp) dport (\d+(?:-\d+)?) accept$")
ANSIBLE_PLAYBOOK = Path(".venv/bin/ansible-playbook")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    spec = load_spec(SAMPLE_SPEC)
    network = plan_network(spec)
    flows = plan_flows(spec, network)
    return build_inventory(spec, network, flows, plan_hosts(spec, network), "openstack")


def _host(document: dict[str, Any], name: str) -> ConfigHost:
    entry = next(h for h in document["hosts"] if h["name"] == name)
    return ConfigHost(
        entry["name"], entry["role"], entry["area"], entry["group"], entry["address"], tuple(entry["ports"])
    )


def _files(document: dict[str, Any], name: str) -> dict[str, str]:
    return {file.key: file.content for file in host_files(document, _host(document, name))}


def test_host_firewall_accepts_exactly_the_planned_inbound_rules(document: dict[str, Any]) -> None:
    for entry in document["hosts"]:
        ruleset = _files(document, entry["name"])["nftables"]
        assert "type filter hook input priority filter; policy drop;" in ruleset
        assert "0.0.0.0/0" not in ruleset
        accepted = {match.groups() for line in ruleset.splitlines() if (match := RULE.match(line))}
        planned = {
            (rule["from"]["cidr"], rule["port"].split("/")[1], rule["port"].split("/")[0])
            for rule in document["flows"]
            if rule["to"]["group"] == entry["group"]
        }
        assert accepted == planned, entry["name"]


def test_a_load_balanced_group_admits_its_own_subnet_for_health_checks(document: dict[str, Any]) -> None:
    ruleset = _files(document, "juki-web-1")["nftables"]
    web = next(h for h in document["hosts"] if h["name"] == "juki-web-1")
    assert f"ip saddr {web['subnet']} tcp dport 443 accept" in ruleset
    assert "(load-balancer-health)" in ruleset


@pytest.mark.skipif(shutil.which("nft") is None, reason="nftables is not installed (scripts/setup.sh installs it)")
def test_host_firewalls_are_valid_nftables(document: dict[str, Any], tmp_path: Path) -> None:
    rulesets = sorted({_files(document, h["name"])["nftables"] for h in document["hosts"]})
    combined = "\n".join(
        ruleset.replace("table inet kiban {", f"table inet kiban{index} {{") for index, ruleset in enumerate(rulesets)
    )
    path = tmp_path / "all.nft"
    path.write_text(combined, encoding="utf-8")
    result = subprocess.run(["nft", "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert len(rulesets) > 50


def test_time_sources_are_the_areas_time_nodes(document: dict[str, Any]) -> None:
    nodes: dict[str, list[str]] = {}
    for entry in document["hosts"]:
        if entry["role"] == "time_name":
            nodes.setdefault(entry["area"], []).append(entry["address"])
    for entry in document["hosts"]:
        sources = re.findall(r"^server (\S+) iburst$", _files(document, entry["name"])["chrony_sources"], re.M)
        expected = sorted((a for a in nodes[entry["area"]] if a != entry["address"]), key=ipaddress.IPv4Address)
        assert sources == expected, entry["name"]


def test_load_balancer_forwards_to_each_web_tier_of_its_area(document: dict[str, Any]) -> None:
    haproxy = _files(document, "load-balancer-lgwan-1")["haproxy"]
    servers = re.findall(r"server (\S+) (\S+) check", haproxy)
    # The LGWAN area's web tiers by business id, each at its subnet's service address (its load balancer's VIP).
    assert servers == [
        ("bunsho-kanri-web", "10.20.92.254:443"),
        ("jinji-kyuyo-web", "10.20.88.254:443"),
        ("zaimu-kaikei-web", "10.20.84.254:443"),
    ]
    assert "bind 10.20." in haproxy and "frontend kiban_443" in haproxy


def test_web_backends_do_not_depend_on_the_order_of_flows(document: dict[str, Any]) -> None:
    shuffled = {**document, "flows": list(reversed(document["flows"]))}
    assert web_backends(shuffled, "lgwan") == web_backends(document, "lgwan")


def test_client_lists_are_the_planned_sources(document: dict[str, Any]) -> None:
    database = next(h for h in document["hosts"] if h["role"] == "database")
    clients = {r["from"]["cidr"] for r in document["flows"] if r["to"]["group"] == database["group"]}
    pg_hba = _files(document, database["name"])["pg_hba"]
    assert set(re.findall(r"^host all all (\S+) scram-sha-256$", pg_hba, re.M)) == clients
    time_node = next(h for h in document["hosts"] if h["role"] == "time_name")
    files = _files(document, time_node["name"])
    clients = {r["from"]["cidr"] for r in document["flows"] if r["to"]["group"] == time_node["group"]}
    assert set(re.findall(r"^allow (\S+)$", files["chrony_server"], re.M)) == clients
    assert set(re.findall(r"access-control: (\S+) allow", files["unbound"])) == clients


def _playbook_data(text: str) -> list[dict[str, Any]]:
    class Loader(yaml.SafeLoader):
        pass

    def unsafe(loader: yaml.SafeLoader, node: yaml.Node) -> str:
        assert isinstance(node, yaml.ScalarNode)
        return str(loader.construct_scalar(node))

    Loader.add_constructor("!unsafe", unsafe)
    data: list[dict[str, Any]] = yaml.load(text, Loader=Loader)
    return data


def test_playbook_carries_every_hosts_files_untemplated(document: dict[str, Any]) -> None:
    text = playbook(document, "sample.json")
    assert text.startswith("# Generated by `kiban playbook` from sample.json")
    assert "!unsafe |" in text  # Ansible must not read nftables' or haproxy's braces as its own templates
    (play,) = _playbook_data(text)
    config = play["vars"]["kiban_config"]
    assert set(config) == {h["name"] for h in document["hosts"]}
    assert config["load-balancer-lgwan-1"]["haproxy"] == _files(document, "load-balancer-lgwan-1")["haproxy"]
    copies = [task["ansible.builtin.copy"] for task in play["tasks"] if "ansible.builtin.copy" in task]
    assert {copy["dest"] for copy in copies} >= {"/etc/nftables.conf", "/etc/haproxy/haproxy.cfg"}
    firewall = next(copy for copy in copies if copy["dest"] == "/etc/nftables.conf")
    assert firewall["validate"] == "nft -c -f %s" and firewall["mode"] == "0600"
    handlers = {handler["name"] for handler in play["handlers"]}
    assert {task["notify"] for task in play["tasks"] if "notify" in task} <= handlers


def test_playbook_is_the_same_whatever_the_order_of_hosts(document: dict[str, Any]) -> None:
    shuffled = {**document, "hosts": list(reversed(document["hosts"]))}
    assert playbook(shuffled, "x") == playbook(document, "x")


@pytest.mark.skipif(not ANSIBLE_PLAYBOOK.exists(), reason="ansible-core is not installed (requirements-dev.txt)")
def test_ansible_runs_the_playbook_in_check_mode(document: dict[str, Any], tmp_path: Path) -> None:
    """The real ansible-playbook: syntax, templating of every task, and the file it would write."""
    (tmp_path / "site.yml").write_text(playbook(document, "sample.json"), encoding="utf-8")
    host = "juki-app-1"
    (tmp_path / "local.yml").write_text(
        yaml.safe_dump(
            {
                "all": {
                    "hosts": {
                        host: {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": str(Path(".venv/bin/python").resolve()),
                            "ansible_become": False,
                        }
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [str(ANSIBLE_PLAYBOOK.resolve()), "-i", "local.yml", "site.yml", "--check", "--diff"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "ANSIBLE_NOCOLOR": "1", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "+# Host firewall of juki-app-1: default deny in, exactly the flow plan's rules into juki/app." in (
        result.stdout
    )
    assert "failed=0" in result.stdout


ANSIBLE_LINT = Path(".venv/bin/ansible-lint")


@pytest.mark.skipif(not ANSIBLE_LINT.exists(), reason="ansible-lint is not installed (requirements-dev.txt)")
def test_the_playbook_passes_ansible_lint_on_the_production_profile(document: dict[str, Any], tmp_path: Path) -> None:
    """The real ansible-lint: names' casing, yamllint's indentation, handlers that say they change (no-changed-when)."""
    (tmp_path / "site.yml").write_text(playbook(document, "sample.json"), encoding="utf-8")
    result = subprocess.run(
        [str(ANSIBLE_LINT.resolve()), "--profile", "production", "--offline", "--nocolor", "site.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(tmp_path), "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Profile 'production' was required, and it passed" in result.stderr + result.stdout
