"""The lab router's ruleset: the flow plan in nftables' JSON."""

from __future__ import annotations

from typing import Any

from kiban.lab.firewall import router_ruleset
from kiban.lab.session import platform_inventory
from kiban.verify.nft import Accepted, chain_view
from tests.conftest import SAMPLE_SPEC

RULES = platform_inventory(SAMPLE_SPEC)["flows"]


def _as_listed(ruleset: dict[str, Any]) -> dict[str, Any]:
    """What `nft -j list ruleset` prints back: the same objects, without the commands around them."""
    listed = []
    for command in ruleset["nftables"]:
        for verb in ("add",):
            if verb in command:
                listed.append(command[verb])
    return {"nftables": listed}


def test_forward_chain_drops_by_default_and_accepts_exactly_the_plan() -> None:
    view = chain_view(_as_listed(router_ruleset(RULES)), "kiban", "forward")
    assert view is not None
    assert view.policy == "drop"
    assert view.stateful, "replies of allowed connections pass"
    planned = {Accepted(r["from"]["cidr"], r["to"]["cidr"], r["port"]) for r in RULES}
    assert set(view.accepted) == planned


def test_router_itself_accepts_nothing() -> None:
    view = chain_view(_as_listed(router_ruleset(RULES)), "kiban", "input")
    assert view is not None and view.policy == "drop" and view.accepted == ()


def test_reload_replaces_the_whole_table() -> None:
    commands = router_ruleset([])["nftables"]
    verbs = [next(iter(command)) for command in commands[1:4]]
    assert verbs == ["add", "delete", "add"], "create if missing, drop the old one, start again"


def test_port_ranges_become_nft_ranges() -> None:
    rule = {**RULES[0], "port": "8000-8010/tcp"}
    view = chain_view(_as_listed(router_ruleset([rule])), "kiban", "forward")
    assert view is not None
    assert [a.port for a in view.accepted] == ["8000-8010/tcp"]
