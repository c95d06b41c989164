"""Coverage: exactly what a new permit allows that the old ones did not."""

from __future__ import annotations

import ipaddress

from kiban.audit.coverage import Piece, uncovered
from kiban.audit.facts import Direction, GroupRemote, Permit

IN = Direction.INGRESS


def permit(
    prefix: str, first: int, last: int, protocol: str = "tcp", direction: Direction = IN, allow: bool = True
) -> Permit:
    return Permit(direction, protocol, first, last, ipaddress.ip_network(prefix), "sg", allow)


def pieces(new: Permit, *old: Permit) -> list[tuple[int, int, str]]:
    return [(piece.first, piece.last, str(piece.remote)) for piece in uncovered(new, list(old))]


def test_a_permit_covered_by_two_old_ones_together() -> None:
    assert pieces(permit("10.0.0.0/24", 80, 81), permit("10.0.0.0/24", 80, 80), permit("10.0.0.0/24", 81, 81)) == []


def test_a_broader_range_leaves_exactly_the_difference() -> None:
    assert pieces(permit("10.0.0.0/23", 443, 443), permit("10.0.0.0/24", 443, 443)) == [(443, 443, "10.0.1.0/24")]


def test_more_ports() -> None:
    assert pieces(permit("10.0.0.0/24", 440, 450), permit("10.0.0.0/24", 443, 443)) == [
        (440, 442, "10.0.0.0/24"),
        (444, 450, "10.0.0.0/24"),
    ]


def test_protocols_deny_entries_and_directions_never_cover() -> None:
    new = permit("10.0.0.0/24", 53, 53, "udp")
    assert pieces(new, permit("10.0.0.0/24", 53, 53, "tcp")) == [(53, 53, "10.0.0.0/24")]
    assert pieces(new, permit("10.0.0.0/24", 53, 53, "udp", allow=False)) == [(53, 53, "10.0.0.0/24")]
    assert pieces(new, permit("10.0.0.0/24", 53, 53, "udp", Direction.EGRESS)) == [(53, 53, "10.0.0.0/24")]
    assert pieces(new, permit("0.0.0.0/0", 0, 65535, "any")) == []


def test_ip_versions_and_groups() -> None:
    assert pieces(permit("::/0", 22, 22), permit("0.0.0.0/0", 22, 22)) == [(22, 22, "::/0")]
    group = Permit(IN, "tcp", 22, 22, GroupRemote("urn:x"), "sg")
    assert uncovered(group, [group]) == []
    assert uncovered(group, [permit("0.0.0.0/0", 22, 22)]) == [Piece(22, 22, GroupRemote("urn:x"))]
