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


def first_overlapping_ranges(ranges: Sequence[tuple[int, int]], lowest: int, highest: int) -> dict[int, int]:
    """For each inclusive range of whole numbers in ``lowest..highest`` (VLAN IDs) that shares a number with a
    range listed before it: its index -> the index of the first such range.

    Each number remembers the first range that took it (a number is claimed once, so claiming all costs
    one pass over the numbers); a range's earliest overlap is then the smallest claim among its numbers,
    a range minimum answered by a segment tree. O((n + numbers) log numbers), whatever the ranges.
    """
    size = 1
    while size < highest - lowest + 1:
        size *= 2
    tree = [_NONE] * (2 * size)  # tree[size + k]: the first range claiming number lowest + k
    unclaimed_after = list(range(highest - lowest + 2))  # path-compressed "next unclaimed number"

    def next_unclaimed(offset: int) -> int:
        root = offset
        while unclaimed_after[root] != root:
            root = unclaimed_after[root]
        while unclaimed_after[offset] != root:
            unclaimed_after[offset], offset = root, unclaimed_after[offset]
        return root

    def smallest(first: int, last: int) -> int:
        found, first, last = _NONE, first + size, last + size + 1
        while first < last:
            if first & 1:
                found, first = min(found, tree[first]), first + 1
            if last & 1:
                last -= 1
                found = min(found, tree[last])
            first, last = first // 2, last // 2
        return found

    earliest: dict[int, int] = {}
    for index, (first, last) in enumerate(ranges):
        start, end = max(first, lowest) - lowest, min(last, highest) - lowest
        if start > end:
            continue
        claimed = smallest(start, end)
        if claimed != _NONE:
            earliest[index] = claimed
        offset = next_unclaimed(start)
        while offset <= end:
            position = offset + size
            tree[position] = index
            position //= 2
            while position and tree[position] > index:
                tree[position] = index
                position //= 2
            unclaimed_after[offset] = offset + 1
            offset = next_unclaimed(offset + 1)
    return earliest
