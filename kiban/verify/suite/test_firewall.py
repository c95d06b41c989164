"""Firewalls are default-deny and accept exactly the planned rules."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest
import testinfra

from kiban.verify.netns_backend import register as register_netns_backend
from kiban.verify.nft import ANYWHERE, Accepted, chain_view

HOST_TABLE, HOST_CHAIN = "kiban", "input"


def as_root(host: Any) -> AbstractContextManager[None]:
    """Reading nftables needs root: use sudo unless the connection already escalates or logs in as root."""
    if host.backend.sudo or host.run("id -u").stdout.strip() == "0":
        return nullcontext()
    context: AbstractContextManager[None] = host.sudo()
    return context


ROUTER_TABLE, ROUTER_CHAIN = "kiban", "forward"


def test_host_firewall_is_default_deny_with_the_planned_sources(
    host: Any, host_name: str, facts: dict[str, Any], inventory: dict[str, Any], in_lab: bool
) -> None:
    if in_lab:
        pytest.skip("the lab enforces the plan at its router (see test_lab_router_firewall)")
    with as_root(host):
        listed = host.run("nft -j list ruleset")
    assert listed.rc == 0, f"{host_name}: cannot list nftables: {listed.stderr.strip()}"
    view = chain_view(json.loads(listed.stdout), HOST_TABLE, HOST_CHAIN)
    assert view is not None, f"{host_name}: no chain {HOST_CHAIN} in table {HOST_TABLE}"
    assert view.policy == "drop", f"{host_name}: input policy is {view.policy}, not drop"
    planned = {
        (rule["from"]["cidr"], rule["port"])
        for rule in inventory["all"]["vars"]["kiban_flows"]
        if rule["to"]["group"] == facts["kiban_group"]
    }
    accepted = {(a.source, a.port) for a in view.accepted}
    # Without a management section the image's sshd may still be open; with one, SSH comes from the bastion only.
    anywhere_ok = set() if inventory["all"]["vars"].get("kiban_management") else {"22/tcp"}
    from_anywhere = [a for a in view.accepted if a.source == ANYWHERE and a.port not in anywhere_ok]
    assert not from_anywhere, f"{host_name}: accepts from anywhere: {from_anywhere}"
    missing = sorted(planned - accepted)
    assert not missing, f"{host_name}: planned sources not accepted: {missing}"


def test_lab_router_firewall(inventory: dict[str, Any], in_lab: bool) -> None:
    if not in_lab:
        pytest.skip("only a lab has a router between all segments")
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
