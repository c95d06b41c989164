"""Firewalls are default-deny and accept exactly the planned rules."""

from __future__ import annotations

import ipaddress
import json
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest
import testinfra

from kiban.verify.hostfirewall import host_firewall_problems, host_plan
from kiban.verify.netns_backend import register as register_netns_backend
from kiban.verify.nft import ANYWHERE, Accepted, chain_view


def as_root(host: Any) -> AbstractContextManager[None]:
    """Reading nftables needs root: use sudo unless the connection already escalates or logs in as root."""
    if host.backend.sudo or host.run("id -u").stdout.strip() == "0":
        return nullcontext()
    context: AbstractContextManager[None] = host.sudo()
    return context


ROUTER_TABLE, ROUTER_CHAIN = "kiban", "forward"


def test_host_firewall_is_default_deny_with_the_planned_sources(
    host: Any, host_name: str, inventory: dict[str, Any], in_lab: bool
) -> None:
    """The host's nftables, read as JSON, accept exactly its plan: every planned rule, and no new connection else."""
    if in_lab and not inventory["all"]["vars"].get("kiban_lab_host_firewalls"):
        pytest.skip("this lab enforces the plan at its router only (see test_lab_router_firewall)")
    with as_root(host):
        listed = host.run("nft -j list ruleset")
    assert listed.rc == 0, f"{host_name}: cannot list nftables: {listed.stderr.strip()}"
    try:
        ruleset = json.loads(listed.stdout)
    except json.JSONDecodeError as error:
        pytest.fail(f"{host_name}: `nft -j list ruleset` gave no JSON ({error})")
    problems = host_firewall_problems(host_name, ruleset, host_plan(inventory, host_name))
    assert not problems, "\n".join(problems)


def test_lab_router_firewall(inventory: dict[str, Any], in_lab: bool) -> None:
    if not in_lab:
        pytest.skip("only a lab has a router between all segments")
    if "kiban_lab_router" not in inventory["all"]["vars"]:
        pytest.skip("a hybrid lab has a router per site (test_lab_site_router_firewall)")
    register_netns_backend()
    router = testinfra.get_host(f"netns://{inventory['all']['vars']['kiban_lab_router']}")
    view = chain_view(json.loads(router.check_output("nft -j list ruleset")), ROUTER_TABLE, ROUTER_CHAIN)
    assert view is not None and view.policy == "drop", "the lab router must drop by default"
    planned = {
        Accepted(rule["from"]["cidr"], rule["to"]["cidr"], rule["port"])
        for rule in inventory["all"]["vars"]["kiban_flows"]
    }
    extra = sorted(set(view.accepted) - planned)
    missing = sorted(planned - set(view.accepted))
    assert not extra, f"the lab router accepts traffic no rule plans: {extra}"
    assert not missing, f"the lab router lacks planned rules: {missing}"


def _overlaps(first: str, second: str) -> bool:
    if ANYWHERE in (first, second):
        return True
    return ipaddress.IPv4Network(first).overlaps(ipaddress.IPv4Network(second))


def _widened(extra: Accepted, rules: list[dict[str, Any]]) -> str:
    """The planned flows an unplanned accept overlaps, with their sites and ports, for the operator."""
    near = sorted(
        {
            f"{rule['flow'] or rule['kind']} ({rule['from'].get('site')} -> {rule['to'].get('site')}, "
            f"{rule['port']} planned)"
            for rule in rules
            if _overlaps(extra.source, rule["from"]["cidr"]) and _overlaps(extra.destination, rule["to"]["cidr"])
        }
    )
    return f"; it widens {', '.join(near)}" if near else ""


def test_lab_site_router_firewall(lab_site: str, inventory: dict[str, Any]) -> None:
    """In a hybrid lab, each site's router drops by default and accepts exactly its own half of the plan."""
    register_netns_backend()
    variables = inventory["all"]["vars"]
    router_name = variables["kiban_lab_routers"][lab_site]
    router = testinfra.get_host(f"netns://{router_name}")
    view = chain_view(json.loads(router.check_output("nft -j list ruleset")), ROUTER_TABLE, ROUTER_CHAIN)
    assert view is not None and view.policy == "drop", f"site {lab_site}: the router {router_name} must drop by default"
    rules = [rule for rule in variables["kiban_flows"] if rule.get("site") == lab_site]
    planned = {Accepted(rule["from"]["cidr"], rule["to"]["cidr"], rule["port"]) for rule in rules}
    extra = [
        f"{a.source} -> {a.destination} {a.port}{_widened(a, rules)}" for a in sorted(set(view.accepted) - planned)
    ]
    missing = sorted(planned - set(view.accepted))
    assert not extra, f"site {lab_site}: the router {router_name} accepts traffic no rule plans: {'; '.join(extra)}"
    assert not missing, f"site {lab_site}: the router {router_name} lacks planned rules: {missing}"


def test_lab_link_carries_only_its_areas(lab_link: dict[str, Any], inventory: dict[str, Any], in_lab: bool) -> None:
    """Each end of a link routes exactly the peer's blocks of the link's areas over it, and drops the rest."""
    if not in_lab:
        pytest.skip("routes and filters on a link are the providers' (kiban audit reads them from the state)")
    register_netns_backend()
    for end in (e for e in inventory["all"]["vars"]["kiban_lab_links"] if e["link"] == lab_link["id"]):
        router = testinfra.get_host(f"netns://{end['router']}")
        routes = json.loads(router.check_output(f"ip -j -4 route show dev {end['interface']}"))
        routed = sorted(route["dst"] for route in routes if route.get("gateway"))
        assert routed == sorted(end["peer_prefixes"]), (
            f"link {lab_link['id']} at {end['site']}: routes {routed} over {end['interface']}, "
            f"expected the peer's blocks of {', '.join(lab_link['areas'])}: {sorted(end['peer_prefixes'])}"
        )
        listed = json.loads(router.check_output("nft -j list chain inet kiban link"))
        drops = [
            item["rule"]
            for item in listed["nftables"]
            if "rule" in item
            and end["interface"] in json.dumps(item["rule"]["expr"])
            and "drop" in item["rule"]["expr"][-1]
        ]
        assert len(drops) == 4, (
            f"link {lab_link['id']} at {end['site']}: no filter keeps {end['interface']} to its prefixes"
        )


def test_link_encryption(lab_link: dict[str, Any], in_lab: bool) -> None:
    """A link's encryption is a fact of its resources (IPsec, MACsec), which only the audit can read."""
    where = (
        "the lab cannot show it: this kernel has no ESP xfrm, WireGuard or gretap"
        if in_lab
        else ("testinfra cannot see it from the hosts")
    )
    pytest.skip(
        f"link {lab_link['id']} ({' - '.join(lab_link['between'])}) declares encryption {lab_link['encryption']}; "
        f"{where}; kiban audit checks it (KB-HYB-001)"
    )
