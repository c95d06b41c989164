"""Rule fields that cannot be read are read as the widest rule they could be: a finding, never silence."""

from __future__ import annotations

from typing import Any

import pytest

from kiban.audit.facts import ALL_PORTS
from kiban.audit.interpreters._common import ANYWHERE_V4, networks, number, port_span, protocol_name


@pytest.mark.parametrize("raw", [["tcp"], {"name": "tcp"}, True, "t c p", "x" * 50, 1.5])
def test_garbage_protocol_is_any(raw: Any) -> None:
    assert protocol_name(raw) == "any"


@pytest.mark.parametrize(
    ("raw", "expected"), [("TCP", "tcp"), (6, "tcp"), ("17", "udp"), ("-1", "any"), ("gre", "gre")]
)
def test_real_protocols_keep_their_name(raw: Any, expected: str) -> None:
    assert protocol_name(raw) == expected


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), "9" * 5000, [443], {"a": 1}, "443x", True])
def test_garbage_port_is_no_number(raw: Any) -> None:
    assert number({"port": raw}, "port") is None


@pytest.mark.parametrize(("first", "last"), [(None, 443), (443, 70000), (99999, 99999), (-1, 22)])
def test_unreadable_port_bounds_mean_every_port(first: int | None, last: int | None) -> None:
    assert port_span("tcp", first, last) == ALL_PORTS


def test_a_remote_that_is_not_an_address_range_is_anywhere() -> None:
    assert networks(["10.0.0.0/8", "not-a-cidr", "999.1.1.1/32"])[1:] == [ANYWHERE_V4, ANYWHERE_V4]
