"""The kiban verification suite: pytest + testinfra, driven by an Ansible inventory.

Run it with ``kiban verify --inventory FILE`` or ``pytest verify/suite --kiban-inventory FILE``.
Hosts are reached through Ansible (``ansible://``, through each host's bastion) unless the
inventory comes from the lab, whose hosts are network namespaces on this machine (``netns://``).
testinfra's own options (``--hosts``, ``--connection``, ``--ansible-inventory``, ``--ssh-config``,
``--sudo``, ...) are honoured as ``verify.connect`` describes; ``--kiban-area ID`` keeps the run to one
area (what that area's operators' terminal reaches).
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

from kiban.verify.connect import ConnectionOptions, HostSelectionError, host_spec, select_hosts
from kiban.verify.hostvars import expanded
from kiban.verify.netns_backend import register as register_netns_backend
from kiban.verify.reachability import Check, plan_checks

PROBE_SOURCE = (Path(__file__).resolve().parent.parent / "probe.py").read_text(encoding="utf-8")
PROBE_WORKERS = 8


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--kiban-inventory", required=True, help="Ansible inventory from `kiban inventory` or the lab")
    parser.addoption(
        "--kiban-area",
        default=None,
        help="only this area's hosts and the checks that start on them: what its operators' terminal can reach",
    )


_INVENTORY_KEY = pytest.StashKey[dict[str, Any]]()


def _inventory(config: pytest.Config) -> dict[str, Any]:
    # Read once per run: a city's inventory is large, and every test module asks for it.
    if _INVENTORY_KEY not in config.stash:
        path = Path(config.getoption("--kiban-inventory"))
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        # The plan where kiban's readers look for it (all.vars), each host with what its groups give it.
        config.stash[_INVENTORY_KEY] = expanded(yaml.load(path.read_text(encoding="utf-8"), Loader=loader))
    return config.stash[_INVENTORY_KEY]


def _selected(config: pytest.Config, inventory: dict[str, Any]) -> dict[str, str | None]:
    try:
        return select_hosts(inventory, ConnectionOptions.from_config(config).hosts, config.getoption("--kiban-area"))
    except HostSelectionError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_configure(config: pytest.Config) -> None:
    # A --hosts that names nothing is a usage error before collection, not a collection error per module.
    if config.getoption("--kiban-inventory", None):
        _selected(config, _inventory(config))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    inventory = _inventory(metafunc.config)
    hosts = inventory["all"]["hosts"]
    selected = _selected(metafunc.config, inventory)
    if "host_name" in metafunc.fixturenames:
        names = [name for name, facts in hosts.items() if not facts.get("kiban_external") and name in selected]
        metafunc.parametrize("host_name", names)
    for fixture, cross_site in (("check", False), ("cross_site_check", True)):
        if fixture in metafunc.fixturenames:
            # A probe runs on its source host: with --hosts, only the checks that start on a chosen host.
            checks = [c for c in plan_checks(inventory) if c.source in selected and c.cross_site == cross_site]
            metafunc.parametrize(fixture, checks, ids=[check.id for check in checks])
    if "lab_site" in metafunc.fixturenames:
        routers = inventory["all"].get("vars", {}).get("kiban_lab_routers", {})
        metafunc.parametrize("lab_site", list(routers))
    if "lab_link" in metafunc.fixturenames:
        links = inventory["all"].get("vars", {}).get("kiban_links", [])
        metafunc.parametrize("lab_link", links, ids=[link["id"] for link in links])


@pytest.fixture(scope="session")
def inventory(pytestconfig: pytest.Config) -> dict[str, Any]:
    return _inventory(pytestconfig)


@pytest.fixture(scope="session")
def in_lab(inventory: dict[str, Any]) -> bool:
    variables = inventory["all"].get("vars", {})
    return "kiban_lab_router" in variables or "kiban_lab_routers" in variables


@pytest.fixture(scope="session")
def hosts(inventory: dict[str, Any], pytestconfig: pytest.Config) -> dict[str, Any]:
    """A testinfra host per inventory host, created once."""
    register_netns_backend()
    path = Path(pytestconfig.getoption("--kiban-inventory")).resolve()
    options = ConnectionOptions.from_config(pytestconfig)
    made = {}
    for name, written in _selected(pytestconfig, inventory).items():
        spec, kwargs = host_spec(name, inventory["all"]["hosts"][name], path, options, written)
        made[name] = testinfra.get_host(spec, **kwargs)
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


def _collected_checks(session: pytest.Session) -> set[str]:
    """The ids of the checks this run collected (``-k`` may have chosen a few)."""
    found: set[str] = set()
    for item in session.items:
        params = getattr(item, "callspec", None)
        for name in ("check", "cross_site_check"):
            # With no cross-site checks (a single-site city) pytest's empty parameter set yields no Check.
            if params is not None and isinstance(params.params.get(name), Check):
                found.add(params.params[name].id)
    return found


@pytest.fixture(scope="session")
def probe_outcomes(request: pytest.FixtureRequest, inventory: dict[str, Any], hosts: dict[str, Any]) -> dict[str, str]:
    """Every collected check's outcome, probed once per source host with all its targets at once."""
    wanted = _collected_checks(request.session)
    by_source: dict[str, list[Check]] = defaultdict(list)
    for check in plan_checks(inventory):
        if check.id in wanted:
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
