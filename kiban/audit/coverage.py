"""What a set of firewall permits newly allows: exact set difference over (ports x addresses).

A permit is a rectangle: a port interval times an address range (or a named
security group). "Newly allowed" is the new permit minus everything the old
permits of the same group and direction allowed, computed piece by piece, so
two old rules for 80 and 81 do cover a new rule for 80-81, and a new /16 over
an old /24 leaves exactly the /16 minus the /24.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kiban.audit.facts import GroupRemote, Network, Permit, Remote, collapse, exclude, overlaps, subnet_of

# A pathological rule set could split a piece into thousands; past this the rest is reported as uncovered,
# which can only over-report (a finding to read), never hide a widening.
MAX_PIECES = 512


@dataclass(frozen=True)
class Piece:
    """Part of a permit: ports ``first``-``last`` from/to ``remote``."""

    first: int
    last: int
    remote: Remote


def _protocol_covers(old: str, new: str) -> bool:
    return old == "any" or old == new


def _subtract_ports(first: int, last: int, old_first: int, old_last: int) -> list[tuple[int, int]]:
    left = [(first, old_first - 1)] if first < old_first else []
    right = [(old_last + 1, last)] if last > old_last else []
    return left + right


def _subtract_remote(remote: Remote, old: Remote) -> list[Remote] | None:
    """``remote`` minus ``old``; None when they do not overlap."""
    if isinstance(remote, GroupRemote) or isinstance(old, GroupRemote):
        return [] if remote == old else None
    if not overlaps(remote, old):
        return None
    if subnet_of(remote, old):
        return []
    return list(exclude(remote, old))


def _subtract(piece: Piece, old: Permit) -> list[Piece]:
    if old.last < piece.first or old.first > piece.last:
        return [piece]
    rest = _subtract_remote(piece.remote, old.remote)
    if rest is None:
        return [piece]
    pieces = [
        Piece(first, last, piece.remote)
        for first, last in _subtract_ports(piece.first, piece.last, old.first, old.last)
    ]
    overlap = (max(piece.first, old.first), min(piece.last, old.last))
    pieces += [Piece(overlap[0], overlap[1], remote) for remote in rest]
    return pieces


def uncovered(new: Permit, old: Sequence[Permit]) -> list[Piece]:
    """The parts of ``new`` that no permit in ``old`` allowed (deny entries are never credited)."""
    pieces = [Piece(new.first, new.last, new.remote)]
    for previous in old:
        if not previous.allow or previous.direction != new.direction:
            continue
        if not _protocol_covers(previous.protocol, new.protocol):
            continue
        next_pieces: list[Piece] = []
        for piece in pieces:
            next_pieces.extend(_subtract(piece, previous))
        pieces = next_pieces
        if not pieces or len(pieces) > MAX_PIECES:
            break
    return merge(pieces)


def merge(pieces: Iterable[Piece]) -> list[Piece]:
    """Pieces with the same ports grouped, their address ranges collapsed: the shortest honest description."""
    by_ports: dict[tuple[int, int], list[Remote]] = {}
    for piece in pieces:
        by_ports.setdefault((piece.first, piece.last), []).append(piece.remote)
    merged: list[Piece] = []
    for (first, last), remotes in sorted(by_ports.items()):
        groups = sorted({remote for remote in remotes if isinstance(remote, GroupRemote)}, key=lambda g: g.target)
        nets: list[Network] = [remote for remote in remotes if not isinstance(remote, GroupRemote)]
        merged += [Piece(first, last, remote) for remote in [*collapse(nets), *groups]]
    return merged
