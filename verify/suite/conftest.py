"""The kiban verification suite: pytest + testinfra, driven by an Ansible inventory.

Run it with ``kiban verify --inventory FILE`` or ``pytest verify/suite --kiban-inventory FILE``.
Hosts are reached through Ansible (``ansible://``) unless the inventory comes from the lab,
whose hosts are network namespaces on this machine (``netns://``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import testinfra
import yaml

from verify.netns_backend import register as register_netns_backend
from verify.reachability import Check, plan_checks

PROBE_SOURCE = (Path(__file__).resolve().parent.parent / "probe.py").read_text(encoding="utf-8")
PROBE_WORKERS = 8


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--kiban-inventory", required=True, help="Ansible inventory from `kiban inventory` or the lab")


def _inventory(config: pytest.Config) -> dict[str, Any]:
    path = Path(config.getoption("--kiban-inventory"))
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    inventory = _inventory(metafunc.config)
    hosts = inventory["all"]["hosts"]
    if "host_name" in metafunc.fixturenames:
        names = [name for name, facts in hosts.items() if not facts.get("kiban_external")]
        metafunc.parametrize("host_name", names)
    if "check" in metafunc.fixturenames:
        checks = plan_checks(inventory)
        metafunc.parametrize("check", checks, ids=[check.id for check in checks])


@pytest.fixture(scope="session")
def inventory(pytestconfig: pytest.Config) -> dict[str, Any]:
    return _inventory(pytestconfig)


@pytest.fixture(scope="session")
def in_lab(inventory: dict[str, Any]) -> bool:
    return "kiban_lab_router" in inventory["all"].get("vars", {})


@pytest.fixture(scope="session")
def hosts(inventory: dict[str, Any], pytestconfig: pytest.Config) -> dict[str, Any]:
    """A testinfra host per inventory host, created once."""
    register_netns_backend()
    path = Path(pytestconfig.getoption("--kiban-inventory")).resolve()
    made = {}
    for name, facts in inventory["all"]["hosts"].items():
        namespace = facts.get("kiban_netns")
        spec = f"netns://{namespace}" if namespace else f"ansible://{name}?ansible_inventory={path}"
        made[name] = testinfra.get_host(spec)
    return made


@pytest.fixture
def facts(inventory: dict[str, Any], host_name: str) -> dict[str, Any]:
    found: dict[str, Any] = inventory["all"]["hosts"][host_name]
    return found


@pytest.fixture
def host(hosts: dict[str, Any], host_name: str) -> Any:
    return hosts[host_name]


def _probe(host: Any, python: str, targets: list[tuple[str, str]]) -> dict[str, str]:
    result = host.run("%s -c %s %s", python, PROBE_SOURCE, json.dumps(targets))
    if result.rc != 0:
        raise RuntimeError(f"the probe failed on its source host: {result.stderr.strip()}")
    outcomes: dict[str, str] = json.loads(result.stdout)
    return outcomes


@pytest.fixture(scope="session")
def probe_outcomes(inventory: dict[str, Any], hosts: dict[str, Any]) -> dict[str, str]:
    """Every check's outcome, probed once per source host with all its targets at once."""
    by_source: dict[str, list[Check]] = defaultdict(list)
    for check in plan_checks(inventory):
        by_source[check.source].append(check)
    outcomes: dict[str, str] = {}

    def run(source: str) -> dict[str, str]:
        targets = sorted({(check.address, check.port) for check in by_source[source]})
        python = inventory["all"]["hosts"][source].get("kiban_python", "python3")
        found = _probe(hosts[source], python, targets)
        return {check.id: found[f"{check.address} {check.port}"] for check in by_source[source]}

    with ThreadPoolExecutor(PROBE_WORKERS) as pool:
        for found in pool.map(run, sorted(by_source)):
            outcomes.update(found)
    return outcomes
