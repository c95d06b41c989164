"""Which address blocks of a list overlap an earlier one, in O(n log n) instead of comparing every pair.

A spec lists blocks (each site's block of an area, each tunnel's inside /30) that must not overlap.
Comparing every pair takes minutes and, when many blocks are the same, reports millions of pairs; a
hostile file under 1 MB holds tens of thousands of blocks. Two CIDR blocks overlap exactly when one
contains the other, so sorted by start address (the wider first) they form a forest: a block's
overlaps are its ancestors and its descendants, found in one sweep with a stack.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

_NONE = 2**63  # larger than any index: "no overlapping block"


@dataclass
class _Open:
    """A block whose descendants are still being swept."""

    index: int
    last_address: int
    earliest_ancestor: int  # the smallest index among the blocks containing this one
    earliest_descendant: int = _NONE  # the smallest index among the blocks it contains


def first_overlaps(blocks: Sequence[ipaddress.IPv4Network]) -> dict[int, int]:
    """For each block that overlaps a block listed before it: its index -> the index of the first such block.

    A block equal to another counts as overlapping it. Blocks with no earlier overlap are absent.
    """
    order = sorted(range(len(blocks)), key=lambda i: (int(blocks[i].network_address), blocks[i].prefixlen, i))
    earliest: dict[int, int] = {}
    stack: list[_Open] = []

    def close(block: _Open) -> None:
        first = min(block.earliest_ancestor, block.earliest_descendant)
        if first < block.index:
            earliest[block.index] = first
        if stack:
            parent = stack[-1]
            parent.earliest_descendant = min(parent.earliest_descendant, block.index, block.earliest_descendant)

    for index in order:
        block = blocks[index]
        while stack and stack[-1].last_address < int(block.network_address):
            close(stack.pop())
        ancestor = min(stack[-1].index, stack[-1].earliest_ancestor) if stack else _NONE
        stack.append(_Open(index, int(block.broadcast_address), ancestor))
    while stack:
        close(stack.pop())
    return earliest
