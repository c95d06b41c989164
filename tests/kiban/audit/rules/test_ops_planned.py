"""KB-OPS-001 and KB-OPS-002 on the inventories kiban plans for the hybrid sample, which declares its operations
(every manager at dc1): each site passes, and a relay's flow left out is caught at its site."""

from __future__ import annotations

from typing import Any

import pytest

from kiban.audit.rules.ops_001_operations_coverage import RULE as COVERAGE
from kiban.audit.rules.ops_002_time_and_names import RULE as TIME_AND_NAMES
from kiban_platform.network.flows import plan_flows
from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.inventory import build_inventory
from kiban_platform.network.plan import plan_network
from kiban_platform.network.site_inventory import hybrid_inventory
from kiban_platform.network.sites import site_view
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec
from tests.kiban.audit.builders import Export
from tests.kiban.audit.rules.helpers import failures, verdicts
from tests.kiban_platform.spec.test_operations import HYBRID_SPEC


@pytest.fixture(scope="module")
def city() -> PlatformSpec:
    return load_spec(HYBRID_SPEC)


def inventory_of(spec: PlatformSpec, site: str) -> dict[str, Any]:
    view = site_view(spec, site)
    network = plan_network(view)
    plain = build_inventory(view, network, plan_flows(view, network), plan_hosts(view, network), "aws")
    return hybrid_inventory(spec, site, plain)


def stack(inventory: dict[str, Any]) -> Export:
    export = Export(stack=f"sample-hybrid-{inventory['site']}")
    export.by_urn[export.root]["outputs"] = {"inventory": inventory}
    return export


def test_the_operations_key_lists_each_plane_with_its_relays(city: PlatformSpec) -> None:
    operations = inventory_of(city, "gc")["operations"]
    assert list(operations) == ["monitoring", "job_management", "logs", "time_name"]
    assert operations["logs"] == {
        "role": "monitoring",
        "manager_site": "dc1",
        "manager_areas": ["mynumber", "lgwan", "internet"],
        "relay": "forwarder",
        "ports": ["6514/tcp"],
        "data": "personal",
        "relays": [{"site": "gc", "area": "mynumber", "group": "monitoring@mynumber", "flow": "ops-logs-gc-mynumber"}],
    }


@pytest.mark.parametrize("site", ["dc1", "gc", "portal"])
def test_every_planned_site_passes(city: PlatformSpec, site: str) -> None:
    export = stack(inventory_of(city, site))
    for rule in (COVERAGE, TIME_AND_NAMES):
        found = verdicts(rule, export)
        assert all(passed for passed, _, _ in found), (rule.id, found)
        assert bool(found) == (site != "portal")  # the portal's public cloud has no hosts kiban builds


def test_a_relay_flow_left_out_is_caught_at_both_ends(city: PlatformSpec) -> None:
    gc = inventory_of(city, "gc")
    gc["flows"] = [rule for rule in gc["flows"] if rule["flow"] != "ops-time-name-gc-mynumber"]
    messages = [message for _, message in failures(TIME_AND_NAMES, stack(gc))]
    assert messages and all("does not install its flow ops-time-name-gc-mynumber toward dc1" in m for m in messages)
    dc1 = inventory_of(city, "dc1")
    dc1["flows"] = [rule for rule in dc1["flows"] if rule["flow"] != "ops-jobs-gc-mynumber"]
    assert [message for _, message in failures(COVERAGE, stack(dc1))] == [
        "job_management@mynumber: does not admit the relay at gc (flow ops-jobs-gc-mynumber)"
    ]
