"""``operations``: one plane of each kind for the city, its relays' flows planned as flows of the spec, and
each planted fault refused at the plane's field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kiban_platform.network.sites import cross_site_flows, site_view
from kiban_platform.spec.checks import check_spec
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.operations_plan import operations_flow_ids, planned_operations_flows, with_operations_flows
from kiban_platform.spec.problems import SpecError, format_path
from tests.conftest import REPO, SAMPLE_SPEC, SpecWriter

HYBRID_SPEC = REPO / "specs" / "sample-hybrid.yaml"
# The sample's operations: every manager at dc1 (the file's last section, so a test can append to it).
_HYBRID: dict[str, Any] = yaml.safe_load(HYBRID_SPEC.read_text(encoding="utf-8"))
OPERATIONS_FLOWS = [
    "ops-monitoring-gc-mynumber",
    "ops-jobs-gc-mynumber",
    "ops-logs-gc-mynumber",
    "ops-time-name-gc-mynumber",
]

Mutation = Callable[[dict[str, Any]], None]


def _problems(write_spec: SpecWriter, data: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        load_spec(write_spec(data))
    except SpecError as error:
        return [(format_path(p.path), p.message) for p in error.problems]
    return []


@pytest.fixture(scope="module")
def operated() -> Path:
    """The hybrid sample, which declares its operations."""
    assert "operations" in _HYBRID
    return HYBRID_SPEC


def test_the_sample_plans_one_flow_per_relay_toward_dc1(operated: Path) -> None:
    spec = load_spec(operated)
    assert [flow.id for flow in spec.flows][-4:] == OPERATIONS_FLOWS
    assert operations_flow_ids(spec) == OPERATIONS_FLOWS
    flows = {flow.id: flow for flow in spec.flows}
    monitoring = flows["ops-monitoring-gc-mynumber"]
    assert (monitoring.source.middleware, monitoring.source.area, monitoring.source.site) == (
        "monitoring",
        "mynumber",
        "gc",
    )
    assert (monitoring.destination.middleware, monitoring.destination.site) == ("monitoring", "dc1")
    assert monitoring.one_way and [str(port) for port in monitoring.ports] == ["10051/tcp"]
    facts = {
        flow_id: ([str(port) for port in flows[flow_id].ports], flows[flow_id].data) for flow_id in OPERATIONS_FLOWS
    }
    assert facts == {
        "ops-monitoring-gc-mynumber": (["10051/tcp"], "anonymized"),
        "ops-jobs-gc-mynumber": (["20240/tcp"], "personal"),  # the job_management service's port
        "ops-logs-gc-mynumber": (["6514/tcp"], "personal"),  # to the monitoring role, the collector
        "ops-time-name-gc-mynumber": (["123/udp", "53/udp", "53/tcp"], "public"),
    }
    assert flows["ops-logs-gc-mynumber"].destination.middleware == "monitoring"


def test_the_planned_flows_are_cross_site_flows_both_ends_install(operated: Path) -> None:
    spec = load_spec(operated)
    at_gc = {crossing.flow.id: crossing for crossing in cross_site_flows(spec, "gc")}
    at_dc1 = {crossing.flow.id: crossing for crossing in cross_site_flows(spec, "dc1")}
    for flow_id in OPERATIONS_FLOWS:
        assert at_gc[flow_id].outgoing and not at_dc1[flow_id].outgoing  # the relay opens toward the manager
        link = at_gc[flow_id].link
        assert link is not None and link.id == "dc1-gc"
    view = site_view(spec, "gc")
    assert view.operations is None and {flow.id for flow in view.flows} >= set(OPERATIONS_FLOWS)


def test_a_loaded_spec_checks_clean_and_planning_again_adds_nothing(operated: Path) -> None:
    spec = load_spec(operated)
    assert check_spec(spec) == []
    assert with_operations_flows(spec) is spec
    assert [relay.flow.id for relay in planned_operations_flows(spec)] == OPERATIONS_FLOWS


def test_a_spec_without_operations_plans_nothing_and_single_site_is_unchanged() -> None:
    city = load_spec(SAMPLE_SPEC)
    assert operations_flow_ids(city) == [] and with_operations_flows(city) is city
    assert all(not flow.id.startswith("ops-") for flow in city.flows)


def test_a_spec_without_operations_has_only_its_declared_flows(write_spec: SpecWriter) -> None:
    data = copy.deepcopy(_HYBRID)
    del data["operations"]
    # Without the planes dc1-gc reaches the integration hub alone at dc1: one VPN pair.
    data["links"][0]["tunnels"] = [{"inside_cidr": tunnel["inside_cidr"]} for tunnel in data["links"][0]["tunnels"][:2]]
    spec = load_spec(write_spec(data))
    assert [flow.id for flow in spec.flows] == [flow["id"] for flow in _HYBRID["flows"]]


def _set_plane(plane: str, **fields: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["operations"][plane] = {**data["operations"][plane], **fields}

    return mutate


def _narrow(role: str, sites: list[str]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["middleware"][role]["sites"] = sites

    return mutate


def _second_gc_without_link(data: dict[str, Any]) -> None:
    """A second Government Cloud tenancy carrying the My Number area, with no link to dc1."""
    next(site for site in data["sites"] if site["id"] == "gc")["areas"]["mynumber"] = "10.11.0.0/17"
    data["sites"].append(
        {
            "id": "gc2",
            "kind": "government_cloud",
            "target": "aws",
            "region": "ap-northeast-3",
            "areas": {"mynumber": "10.11.128.0/17"},
        }
    )


def _collector_at_the_portal(data: dict[str, Any]) -> None:
    """The portal's public cloud also carries the internet area, runs monitoring there, and collects the logs."""
    next(area for area in data["areas"] if area["id"] == "internet")["supernet"] = "10.30.0.0/16"
    next(site for site in data["sites"] if site["id"] == "portal")["areas"]["internet"] = "10.30.128.0/17"
    data["public_services"][0]["area"] = "public"
    for role in ("integration_hub", "load_balancer", "time_name"):
        data["middleware"][role]["sites"] = ["dc1", "gc"]
    del data["management"]  # no bastion at the portal
    data["operations"]["logs"]["collector_site"] = "portal"


def _declared_flow_with_a_planned_id(data: dict[str, Any]) -> None:
    flow = copy.deepcopy(next(flow for flow in data["flows"] if flow["id"] == "gc-to-dc1-renkei"))
    data["flows"].append({**flow, "id": "ops-jobs-gc-mynumber"})


def _logs_above_the_relays_site(data: dict[str, Any]) -> None:
    """Logs declared my_number while Government Cloud is held to personal data (and its hub flow with it)."""
    next(site for site in data["sites"] if site["id"] == "gc")["ceiling"] = "personal"
    next(flow for flow in data["flows"] if flow["id"] == "gc-to-dc1-renkei")["data"] = "personal"
    data["operations"]["logs"]["data"] = "my_number"


def _without_job_management(data: dict[str, Any]) -> None:
    del data["middleware"]["job_management"]
    for business in data["businesses"]:
        business.setdefault("tiers", {})["batch"] = None


# (mutation, field path that must be named, words of the message)
def _ports(role: str, ports: list[str]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["middleware"][role]["ports"] = ports

    return mutate


CASES: dict[str, tuple[Mutation, str, tuple[str, ...]]] = {
    "logs sent where the collector does not listen": (
        _ports("monitoring", ["10051/tcp", "514/tcp"]),
        "operations.logs.protocol",
        ("relays send to 6514/tcp, which middleware.monitoring does not serve", "10051/tcp, 514/tcp"),
    ),
    "a time authority without DNS over TCP": (
        _ports("time_name", ["123/udp", "53/udp"]),
        "operations.time_name",
        ("relays send to 53/tcp", "add it to middleware.time_name.ports"),
    ),
    "manager at an unknown site": (
        _set_plane("monitoring", manager_site="dc9"),
        "operations.monitoring.manager_site",
        ("unknown site 'dc9'", "dc1, gc, portal"),
    ),
    "authority at a site without time_name": (
        _set_plane("time_name", authority_site="portal"),
        "operations.time_name.authority_site",
        ("no time_name runs at site 'portal'",),
    ),
    "a site with hosts no monitoring reaches": (
        _narrow("monitoring", ["dc1"]),
        "operations.monitoring",
        ("site 'gc' has hosts in area 'mynumber'", "does not reach them"),
    ),
    "a site with hosts no time source reaches": (
        _narrow("time_name", ["dc1"]),
        "operations.time_name",
        ("site 'gc' has hosts in area 'mynumber'",),
    ),
    "batch tiers no job plane reaches": (
        _narrow("job_management", ["dc1"]),
        "operations.job_management",
        ("site 'gc' has batch tiers in area 'mynumber'",),
    ),
    "a relay no link reaches": (
        _second_gc_without_link,
        "operations.monitoring",
        ("zabbix_proxy_active relay at site 'gc2'", "no link between 'gc2' and 'dc1' carries area 'mynumber'"),
    ),
    "relays with no manager in their area": (
        _collector_at_the_portal,
        "operations.logs.collector_site",
        ("forwarder relay at site 'gc' (area 'mynumber') has no manager", "area 'mynumber' at site 'portal'"),
    ),
    "a collector at a public cloud receiving personal logs": (
        _collector_at_the_portal,
        "operations.logs.collector_site",
        ("flow ops-logs-dc1-internet (dc1 → portal, monitoring)", "nothing above anonymized"),
    ),
    "a relay in a public cloud calling past the hub": (
        _collector_at_the_portal,
        "operations.monitoring",
        ("flow ops-monitoring-portal-internet", "integration hub"),
    ),
    "a plane's data above a relay's ceiling": (
        _logs_above_the_relays_site,
        "operations.logs.collector_site",
        ("flow ops-logs-gc-mynumber", "my_number data exceeds the ceiling of its 'from' end"),
    ),
    "a declared flow taking a planned flow's id": (
        _declared_flow_with_a_planned_id,
        f"flows[{len(_HYBRID['flows'])}].id",
        ("the id of the flow kiban plans for the job_management relay at site 'gc'",),
    ),
    "a plane without its middleware": (
        _without_job_management,
        "operations.job_management",
        ("no middleware.job_management",),
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_operations_rule_is_located(case: str, write_spec: SpecWriter) -> None:
    mutate, path, words = CASES[case]
    data = copy.deepcopy(_HYBRID)
    mutate(data)
    problems = _problems(write_spec, data)
    assert any(found == path and all(word in message for word in words) for found, message in problems), problems


def test_a_plane_named_twice_is_refused_where_it_is_written(write_spec: SpecWriter) -> None:
    text = HYBRID_SPEC.read_text(encoding="utf-8") + "  monitoring: {manager_site: gc}\n"
    file = write_spec({})
    file.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        load_spec(file)
    assert [(format_path(p.path), p.message.split(" (")[0]) for p in raised.value.problems] == [
        ("operations.monitoring", "key written twice")
    ]


def test_operations_need_sites(write_spec: SpecWriter, sample_data: dict[str, Any]) -> None:
    sample_data["operations"] = {"monitoring": {"manager_site": "dc1"}}
    assert [path for path, _ in _problems(write_spec, sample_data)] == ["operations"]


def test_an_unknown_relay_kind_is_refused(write_spec: SpecWriter) -> None:
    data = copy.deepcopy(_HYBRID)
    data["operations"]["monitoring"]["relay"] = "zabbix_proxy_passive"
    assert [path for path, _ in _problems(write_spec, data)] == ["operations.monitoring.relay"]
