"""Reading accepted traffic out of `nft -j list ruleset`."""

from __future__ import annotations

from kiban.verify.nft import ANYWHERE, Accepted, chain_view

LISTED = {
    "nftables": [
        {"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
        {"table": {"family": "inet", "name": "kiban", "handle": 1}},
        {"chain": {"family": "inet", "table": "kiban", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
        {"rule": {"family": "inet", "table": "kiban", "chain": "input", "handle": 2, "expr": [
            {"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": None}]}},
        {"rule": {"family": "inet", "table": "kiban", "chain": "input", "handle": 3, "expr": [
            {"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "lo"}}, {"accept": None}]}},
        {"rule": {"family": "inet", "table": "kiban", "chain": "input", "handle": 4, "expr": [
            {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "10.10.4.0", "len": 24}}}},
            {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [8443, 9000]}}},
            {"counter": {"packets": 0, "bytes": 0}}, {"accept": None}]}},
        {"rule": {"family": "inet", "table": "kiban", "chain": "input", "handle": 5, "expr": [
            {"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 123}}, {"accept": None}]}},
        {"rule": {"family": "inet", "table": "kiban", "chain": "input", "handle": 6, "expr": [
            {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "10.10.9.9"}},
            {"drop": None}]}},
    ]
}  # fmt: skip


def test_chain_view_reads_policy_sources_and_ports() -> None:
    view = chain_view(LISTED, "kiban", "input")
    assert view is not None
    assert view.policy == "drop"
    assert view.stateful
    assert set(view.accepted) == {
        Accepted("10.10.4.0/24", ANYWHERE, "8443/tcp"),
        Accepted("10.10.4.0/24", ANYWHERE, "9000/tcp"),
        Accepted(ANYWHERE, ANYWHERE, "123/udp"),
    }, "loopback and drop rules accept nothing from the network"


def test_missing_chain_is_none() -> None:
    assert chain_view(LISTED, "kiban", "forward") is None
