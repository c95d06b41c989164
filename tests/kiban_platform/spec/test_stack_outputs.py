"""The one schema of what a stack reads from another: a peer's state, and the hybrid keys of any state.

The good peer state is gc's as its stack publishes it (the inventory's hybrid keys from
``site_inventory``, each tunnel of the spec with an address AWS could give it); each test plants one
thing a tester handed ``render --reference`` and sees it refused at its path, and nothing else.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from kiban_platform.spec.problems import format_path
from kiban_platform.spec.stack_outputs import (
    Reading,
    hybrid_fact_problems,
    peer_state_problems,
    stack_identity,
    state_hybrid_problems,
    state_site,
)
from tests.peer_states import CITY, GOOD_KEY, good_gc, good_portal, inventory

READING = Reading(CITY, "dc1", "gc", "kiban", "sample-hybrid-gc")
WHERE = ("deployment", "resources", 0)


def lines(root: dict[str, Any], reading: Reading = READING) -> list[str]:
    return [f"{format_path(p.path)}: {p.message}" for p in peer_state_problems(root, reading, WHERE)]


def test_the_good_peer_state_is_read() -> None:
    assert lines(good_gc()) == []


def _tunnel(index: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def plant(root: dict[str, Any]) -> None:
        root["outputs"]["links"]["dc1-gc"]["tunnels"][index][key] = value

    return plant


def _outputs(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def plant(root: dict[str, Any]) -> None:
        if value is None:
            del root["outputs"][key]
        else:
            root["outputs"][key] = value

    return plant


def _one_tunnel(root: dict[str, Any]) -> None:
    root["outputs"]["links"]["dc1-gc"]["tunnels"] = root["outputs"]["links"]["dc1-gc"]["tunnels"][:1]


def _unknown_link(root: dict[str, Any]) -> None:
    root["outputs"]["links"]["dc1-gc-2"] = copy.deepcopy(root["outputs"]["links"]["dc1-gc"])


def _wrong_project(root: dict[str, Any]) -> None:
    root["urn"] = "urn:pulumi:sample-hybrid-gc::other-city::pulumi:pulumi:Stack::other-city-sample-hybrid-gc"


def _another_stack(root: dict[str, Any]) -> None:
    root["urn"] = "urn:pulumi:sample-hybrid-portal::kiban::pulumi:pulumi:Stack::kiban-sample-hybrid-portal"
    root["outputs"]["inventory"]["site"] = "portal"


def _wrong_city(root: dict[str, Any]) -> None:
    root["outputs"]["municipality"]["code"] = "131016"


def _another_spec(root: dict[str, Any]) -> None:
    inventory = root["outputs"]["inventory"]
    inventory["links"] = [link for link in inventory["links"] if link["id"] != "portal-dc1"]
    inventory["cross_site_flows"] = [flow for flow in inventory["cross_site_flows"] if flow["link"] != "portal-dc1"]


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("links missing", _outputs("links", None), "outputs.links", "missing: site gc's stack exports"),
    ("links as text", _outputs("links", "dc1-gc"), "outputs.links", "valid dictionary"),
    ("links empty", _outputs("links", {}), "outputs.links", "no link dc1-gc"),
    ("one tunnel", _one_tunnel, "outputs.links.dc1-gc.tunnels", "1 tunnel(s); link dc1-gc has 8 in the spec"),
    ("another stack's state", _another_stack, "urn", "the state of stack sample-hybrid-portal (project kiban), not"),
    (
        "an address with a command",
        _tunnel(1, "outside_address", "not-an-address; reboot"),
        "outputs.links.dc1-gc.tunnels[1].outside_address",
        "'not-an-address; reboot' is not an IPv4 address",
    ),
    (
        "0.0.0.0",
        _tunnel(1, "outside_address", "0.0.0.0"),
        "outputs.links.dc1-gc.tunnels[1].outside_address",
        "0.0.0.0 is not in the link's dx.outside_cidr 172.16.200.0/24",
    ),
    (
        "an address inside an area",
        _tunnel(1, "outside_address", "10.11.0.5"),
        "outputs.links.dc1-gc.tunnels[1].outside_address",
        "10.11.0.5 is inside area 'mynumber' (10.10.0.0/15)",
    ),
    (
        "the block's network address",
        _tunnel(0, "outside_address", "172.16.200.0"),
        "outputs.links.dc1-gc.tunnels[0].outside_address",
        "network or broadcast address",
    ),
    (
        "a numeric key",
        _tunnel(1, "preshared_key", 12345678),
        "outputs.links.dc1-gc.tunnels[1].preshared_key",
        "valid string",
    ),
    (
        "a short key",
        _tunnel(1, "preshared_key", "short"),
        "outputs.links.dc1-gc.tunnels[1].preshared_key",
        "not a pre-shared key AWS and Neutron accept (5 characters)",
    ),
    (
        "a key starting with 0",
        _tunnel(1, "preshared_key", "0" + GOOD_KEY),
        "outputs.links.dc1-gc.tunnels[1].preshared_key",
        "not starting with 0",
    ),
    (
        "a key with a quote",
        _tunnel(1, "preshared_key", "abc'; reboot"),
        "outputs.links.dc1-gc.tunnels[1].preshared_key",
        "8-64 letters, digits",
    ),
    (
        "an inside block AWS reserves",
        _tunnel(1, "inside_cidr", "169.254.169.252/30"),
        "outputs.links.dc1-gc.tunnels[1].inside_cidr",
        "reserved by AWS",
    ),
    (
        "an inside block not a /30",
        _tunnel(1, "inside_cidr", "169.254.10.0/29"),
        "outputs.links.dc1-gc.tunnels[1].inside_cidr",
        "a /30 inside 169.254.0.0/16",
    ),
    (
        "another tunnel's inside block",
        _tunnel(1, "inside_cidr", "169.254.99.0/30"),
        "outputs.links.dc1-gc.tunnels[1].inside_cidr",
        "tunnel 2 of link dc1-gc is 169.254.10.4/30 in the spec",
    ),
    ("wrong project", _wrong_project, "urn", "(project other-city), not of stack sample-hybrid-gc (project kiban)"),
    ("wrong city", _wrong_city, "outputs.municipality.code", "131016: a state of another municipality"),
    ("another spec", _another_spec, "outputs.inventory.links", "the state of another spec"),
    ("unknown link", _unknown_link, "outputs.links.dc1-gc-2", "unknown link: the spec's links are dc1-gc, portal-dc1"),
]


@pytest.mark.parametrize(("plant", "path", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_bad_peer_state_is_refused_at_its_path(
    plant: Callable[[dict[str, Any]], None], path: str, message: str
) -> None:
    root = good_gc()
    plant(root)
    found = lines(root)
    expected = f"deployment.resources[0].{path}: "
    assert any(line.startswith(expected) and message in line for line in found), found


def test_a_secret_key_is_never_quoted() -> None:
    root = good_gc()
    _tunnel(1, "preshared_key", "0secretvalue")(root)
    assert not any("secretvalue" in line for line in lines(root))


def test_an_internet_vpn_needs_a_public_unicast_outside_address() -> None:
    """portal-dc1 runs over the internet: its tunnels end on public addresses, outside every area."""
    reading = Reading(CITY, "dc1", "portal", "kiban", "sample-hybrid-portal")
    root = good_portal()
    tunnels = root["outputs"]["links"]["portal-dc1"]["tunnels"]
    assert lines(root, reading) == []
    path = "deployment.resources[0].outputs.links.portal-dc1.tunnels[0].outside_address: "
    for address, why in (
        ("0.0.0.0", "'this network'"),
        ("10.30.0.9", "inside area 'internet' (10.30.0.0/17)"),
        ("172.16.200.9", "private (RFC 1918)"),
        ("100.64.0.1", "shared address space"),
        ("169.254.1.1", "link-local"),
        ("224.0.0.5", "multicast"),
        ("255.255.255.255", "reserved"),
        ("127.0.0.1", "loopback"),
    ):
        tunnels[0]["outside_address"] = address
        found = lines(root, reading)
        assert any(line.startswith(path + address) and why in line for line in found), (address, found)


def test_a_fully_named_reference_is_matched_by_its_project_and_stack() -> None:
    reading = Reading(CITY, "dc1", "gc", "kiban", "acme/kiban/sample-hybrid-gc")
    assert lines(good_gc(), reading) == []
    other = Reading(CITY, "dc1", "gc", "kiban", "acme/other/sample-hybrid-gc")
    assert any("not of stack sample-hybrid-gc (project other)" in line for line in lines(good_gc(), other))


def test_stack_identity_reads_a_stack_urn_only() -> None:
    assert stack_identity("urn:pulumi:dev::kiban::pulumi:pulumi:Stack::kiban-dev") == ("dev", "kiban")
    assert stack_identity("urn:pulumi:dev::kiban::aws:ec2/vpc:Vpc::x") is None
    assert stack_identity("garbage") is None


# -- the hybrid keys of a state, wherever they are read -------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"sites": "garbage"}, "inventory.sites", "valid list"),
        ({"sites": [{"id": 5}]}, "inventory.sites[0].id", "valid string"),
        ({"sites": []}, "inventory.sites", "missing: a site stack's inventory lists the city's sites"),
        ({"site": "elsewhere"}, "inventory.site", "'elsewhere' is not one of the inventory's sites (dc1, gc, portal)"),
        ({"links": None}, "inventory.links", "missing"),
        ({"business_sites": {"juki": "mars"}}, "inventory.business_sites.juki", "'mars' is not one of the sites"),
    ],
)
def test_garbage_hybrid_keys_are_refused_at_their_path(change: dict[str, Any], path: str, message: str) -> None:
    document = inventory("gc") | change
    found = [f"{format_path(p.path)}: {p.message}" for p in hybrid_fact_problems(document, ("inventory",))]
    assert any(line.startswith(f"{path}: ") and message in line for line in found), found


def test_links_and_flows_name_only_known_sites_and_links() -> None:
    document = copy.deepcopy(inventory("gc"))
    document["links"][0]["between"] = ["dc1", "mars"]
    document["cross_site_flows"][0]["to"]["site"] = "mars"
    document["cross_site_flows"][0]["link"] = "dc1-mars"
    found = {format_path(p.path) for p in hybrid_fact_problems(document, ("inventory",))}
    assert {
        "inventory.links[0].between[1]",
        "inventory.cross_site_flows[0].to.site",
        "inventory.cross_site_flows[0].link",
    } <= found


def test_a_good_site_inventory_and_a_single_site_one_pass() -> None:
    assert hybrid_fact_problems(inventory("gc"), ("inventory",)) == []
    assert hybrid_fact_problems({"hosts": [], "areas": [], "flows": []}, ("inventory",)) == []


def test_a_state_is_checked_at_its_stack_resource_and_says_its_site() -> None:
    stack = {"type": "pulumi:pulumi:Stack", "urn": "urn:x", "outputs": {"inventory": inventory("gc") | {"sites": 3}}}
    other = {"type": "aws:ec2/vpc:Vpc", "urn": "urn:y", "outputs": {"inventory": "not mine"}}
    problems = state_hybrid_problems([other, stack], ("deployment", "resources", 1))
    assert [format_path(p.path) for p in problems] == ["deployment.resources[1].outputs.inventory.sites"]
    assert state_site([other, stack]) == "gc"
    sealed = {"type": "pulumi:pulumi:Stack", "urn": "urn:x", "outputs": {"inventory": {SIG: "1b47", "ciphertext": "x"}}}
    assert state_hybrid_problems([sealed], None) == [] and state_site([sealed]) is None


SIG = "4dabf18193072939515e22adb298388d"


def test_a_hostile_peer_inventory_is_refused_in_a_few_lines() -> None:
    """Ten thousand copies of a site: the duplicates are named (at most MAX_PROBLEMS), and no message lists them all."""
    root = good_gc()
    root["outputs"]["inventory"]["sites"] = root["outputs"]["inventory"]["sites"][:1] * 10_000
    found = lines(root)
    assert 0 < len(found) <= 20 and all(len(line) < 400 for line in found), found[:3]
    assert any("duplicate site 'dc1'" in line for line in found)


def test_a_peers_link_to_a_third_site_is_not_the_readers_to_judge() -> None:
    """A Government Cloud joined to two data centres exports both links; each data centre reads its own only.

    Seen from the portal, gc's dc1-gc is a link to a third site: read by dc1's stack, not this one, so its
    tunnels are not judged here (a link that does not even end at the peer still is refused, above).
    """
    portal_reads_gc = Reading(CITY, "portal", "gc", "kiban", "sample-hybrid-gc")
    assert lines(good_gc(), portal_reads_gc) == []
    broken = good_gc()
    _tunnel(1, "outside_address", "0.0.0.0")(broken)
    assert lines(broken, portal_reads_gc) == []
    assert any("tunnels[1].outside_address" in line for line in lines(broken))  # dc1, its reader, refuses it
