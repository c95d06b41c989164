"""What the hybrid lab builds and checks, computed without root: sites, links, the public service's stand-in."""

from __future__ import annotations

from functools import cache
from typing import Any

from kiban.lab.hybrid import HybridLab, hybrid_ansible_inventory, hybrid_lab, site_ruleset
from kiban.verify.reachability import plan_checks
from kiban_platform.spec.load import load_spec
from tests.conftest import REPO


@cache
def lab() -> HybridLab:
    return hybrid_lab(load_spec(REPO / "specs" / "sample-hybrid.yaml"), "kbench")


@cache
def inventory() -> dict[str, Any]:
    return hybrid_ansible_inventory(lab(), "python3")


def test_each_site_has_its_own_prefix_and_router() -> None:
    assert [(site.site, site.topology.router) for site in lab().sites] == [
        ("dc1", "kbenchA-router"),
        ("gc", "kbenchB-router"),
        ("portal", "kbenchC-router"),
    ]
    for site in lab().sites:
        prefix = site.topology.router.removesuffix("-router")
        assert all(name.startswith(prefix) for name in site.topology.namespaces)
        assert all(name.startswith(prefix) for name in site.topology.links)


def test_interface_names_fit_the_kernel_limit_even_with_the_bench_prefix() -> None:
    assert max(len(name) for name in lab().links_devices) <= 15
    assert len(set(lab().links_devices)) == len(lab().links_devices)


def test_far_ends_get_no_namespace_and_the_public_service_one_stand_in() -> None:
    groups = {site.site: [host.group for host in site.topology.hosts if host.external] for site in lab().sites}
    assert groups["portal"] == ["public_service:resident-portal"]
    assert not [
        group for found in groups.values() for group in found if group.startswith(("external:gc:", "external:dc1:"))
    ]
    (stand_in,) = [host for host in lab().site("portal").topology.hosts]
    assert str(stand_in.address) == "10.130.0.4/20" and stand_in.ports == ("443/tcp", "22/tcp")


def test_each_router_holds_its_own_half_of_a_cross_site_flow() -> None:
    def halves(site: str) -> list[tuple[str, str, str]]:
        rules = lab().site(site).topology.rules
        return [(r["from"]["cidr"], r["to"]["cidr"], r["port"]) for r in rules if r["flow"] == "gc-to-dc1-renkei"]

    assert halves("gc") == halves("dc1") == [("10.11.0.128/25", "10.10.0.128/25", "443/tcp")]
    (portal,) = lab().site("portal").topology.rules
    assert (portal["flow"], portal["from"]["cidr"], portal["to"]["cidr"]) == (
        "portal-shinsei",
        "10.130.0.0/20",
        "10.30.0.128/25",
    )


def test_a_link_routes_and_admits_only_its_areas_blocks() -> None:
    (dc1_gc, portal_dc1) = lab().links
    assert (dc1_gc.end("dc1").peer_prefixes, dc1_gc.end("gc").peer_prefixes) == (("10.11.0.0/16",), ("10.10.0.0/16",))
    assert str(dc1_gc.end("dc1").address) == "169.254.10.1/30"  # the spec's first tunnel block
    assert portal_dc1.end("dc1").peer_prefixes == ("10.130.0.0/20",)
    commands = site_ruleset(lab().site("dc1"), lab().links)["nftables"]
    chains = [c["add"]["chain"] for c in commands if "add" in c and "chain" in c["add"]]
    assert {"name": "link", "hook": "forward", "prio": -10, "policy": "accept"}.items() <= chains[-1].items()
    link_rules = [
        c["add"]["rule"] for c in commands if "add" in c and "rule" in c["add"] and c["add"]["rule"]["chain"] == "link"
    ]
    assert len(link_rules) == 8 and all("drop" in rule["expr"][-1] for rule in link_rules)


def test_cross_site_checks_cover_the_flow_its_reverse_other_areas_and_the_public_cloud() -> None:
    checks = [check for check in plan_checks(inventory()) if check.cross_site]
    opened = {(c.source, c.target, c.port) for c in checks if c.expect_open}
    relays = {
        ("monitoring-mynumber-1.gc", "monitoring-mynumber-1.dc1", "10051/tcp"),  # Zabbix proxy, active
        ("monitoring-mynumber-1.gc", "monitoring-mynumber-1.dc1", "6514/tcp"),  # the log forwarder
        ("job-management-mynumber-1.gc", "job-management-mynumber-1.dc1", "20240/tcp"),
        ("time-name-mynumber-1.gc", "time-name-mynumber-1.dc1", "123/udp"),
        ("time-name-mynumber-1.gc", "time-name-mynumber-1.dc1", "53/udp"),
        ("time-name-mynumber-1.gc", "time-name-mynumber-1.dc1", "53/tcp"),
    }
    assert opened == {
        ("integration-hub-mynumber-1.gc", "integration-hub-mynumber-1.dc1", "443/tcp"),
        ("public_service:resident-portal.portal", "integration-hub-internet-1.dc1", "443/tcp"),
        *relays,
    }
    blocked = {(c.source, c.target, c.port) for c in checks if not c.expect_open}
    assert ("integration-hub-mynumber-1.dc1", "integration-hub-mynumber-1.gc", "443/tcp") in blocked  # the reverse
    assert ("integration-hub-mynumber-1.gc", "integration-hub-mynumber-1.dc1", "22/tcp") in blocked  # other ports
    assert ("database-mynumber-1.gc", "integration-hub-mynumber-1.dc1", "443/tcp") in blocked  # only its from end
    toward_portal = [c for c in checks if c.target.endswith(".portal") and not c.expect_open]
    assert {c.source.rsplit(".", 1)[1] for c in toward_portal} == {"dc1", "gc"}
    assert all(
        "nothing above anonymized goes to a public cloud (portal)" in c.why
        for c in toward_portal
        if "no cross" in c.why
    )
    assert not [c for c in checks if c.expect_open and c.target.endswith(".portal")]


def test_relays_reach_their_managers_and_nothing_else_crosses() -> None:
    checks = [check for check in plan_checks(inventory()) if check.cross_site]
    relay_checks = [c for c in checks if "relay's flow" in c.why]
    opened = {(c.source, c.target) for c in relay_checks if c.expect_open}
    # Each relay at gc opens toward its own manager at dc1, named as such.
    assert opened == {
        ("monitoring-mynumber-1.gc", "monitoring-mynumber-1.dc1"),
        ("job-management-mynumber-1.gc", "job-management-mynumber-1.dc1"),
        ("time-name-mynumber-1.gc", "time-name-mynumber-1.dc1"),
    }
    assert all("its manager at dc1" in c.why for c in relay_checks)
    # (A probe planned for two reasons is made once, under the first.)
    blocked = {(c.source, c.target, c.port) for c in checks if not c.expect_open}
    assert ("monitoring-mynumber-1.gc", "integration-hub-mynumber-1.dc1", "22/tcp") in {
        (c.source, c.target, c.port) for c in relay_checks if not c.expect_open
    }
    # A relay reaches nothing else at dc1, and a manager never calls its relay back.
    assert ("monitoring-mynumber-1.gc", "integration-hub-mynumber-1.dc1", "443/tcp") in blocked
    assert ("job-management-mynumber-1.gc", "monitoring-mynumber-1.dc1", "10051/tcp") in blocked
    assert ("monitoring-mynumber-1.dc1", "monitoring-mynumber-1.gc", "10051/tcp") in blocked
    # Nor does another host of gc's area use a relay's path.
    assert ("integration-hub-mynumber-1.gc", "monitoring-mynumber-1.dc1", "10051/tcp") in blocked
