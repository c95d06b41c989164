"""``spec.overlaps``: the one-sweep answer is exactly the every-pair answer."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from kiban_platform.spec.overlaps import first_overlapping_ranges, first_overlaps

# Small prefixes in a small space, so that random blocks nest, repeat and overlap often.
_BLOCKS = st.builds(
    lambda address, prefix: ipaddress.IPv4Network((address >> (32 - prefix) << (32 - prefix), prefix)),
    st.integers(min_value=0, max_value=2**14 - 1),
    st.integers(min_value=20, max_value=32),
)


def _every_pair(blocks: list[ipaddress.IPv4Network]) -> dict[int, int]:
    found: dict[int, int] = {}
    for later, block in enumerate(blocks):
        earlier = next((index for index in range(later) if blocks[index].overlaps(block)), None)
        if earlier is not None:
            found[later] = earlier
    return found


@given(st.lists(_BLOCKS, max_size=40))
def test_first_overlaps_is_the_every_pair_answer(blocks: list[ipaddress.IPv4Network]) -> None:
    assert first_overlaps(blocks) == _every_pair(blocks)


def test_a_block_inside_a_later_one_and_an_equal_one() -> None:
    blocks = [ipaddress.IPv4Network(text) for text in ("10.0.1.0/24", "10.1.0.0/16", "10.0.0.0/8", "10.0.1.0/24")]
    # The /8 (index 2) contains the first and second; the last equals the first.
    assert first_overlaps(blocks) == {2: 0, 3: 0}


def test_disjoint_blocks_have_no_overlap() -> None:
    blocks = list(ipaddress.IPv4Network("10.0.0.0/16").subnets(new_prefix=26))
    assert first_overlaps(blocks) == {}


_RANGES = st.builds(
    lambda first, length: (first, first + length), st.integers(min_value=-3, max_value=70), st.integers(0, 25)
)


@given(st.lists(_RANGES, max_size=40))
def test_first_overlapping_ranges_is_the_every_pair_answer(ranges: list[tuple[int, int]]) -> None:
    # Numbers outside 1..64 do not count, as VLAN IDs outside 1..4094 do not exist.
    clipped = [(max(first, 1), min(last, 64)) for first, last in ranges]
    expected: dict[int, int] = {}
    for later, (first, last) in enumerate(clipped):
        earlier = next(
            (
                index
                for index in range(later)
                if first <= last
                and clipped[index][0] <= clipped[index][1]
                and clipped[index][0] <= last
                and first <= clipped[index][1]
            ),
            None,
        )
        if earlier is not None:
            expected[later] = earlier
    assert first_overlapping_ranges(ranges, 1, 64) == expected


def test_many_ranges_over_the_whole_space_name_the_first() -> None:
    ranges = [(1, 4094)] * 5000
    assert first_overlapping_ranges(ranges, 1, 4094) == dict.fromkeys(range(1, 5000), 0)
