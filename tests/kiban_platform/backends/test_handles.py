"""The handles backends return: frozen, read-only, and refused by a target that did not make them."""

from __future__ import annotations

import dataclasses

import pytest

from kiban_platform.backends.handles import VendorAccess, Zones, own


def test_zones_keep_the_chassis_order_and_a_copy_of_their_own() -> None:
    given = {"c2": "zone-b", "c1": "zone-a"}
    zones = Zones(given)
    given["c3"] = "zone-c"
    assert list(zones.by_chassis) == ["c2", "c1"]
    assert zones.of("c1") == "zone-a"
    with pytest.raises(TypeError):
        zones.by_chassis["c3"] = "zone-c"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        zones.by_chassis = {}  # type: ignore[misc]


def test_a_handle_is_narrowed_to_the_targets_own_kind() -> None:
    class OwnAccess(VendorAccess):
        pass

    mine = OwnAccess({})
    assert own(mine, OwnAccess, "test") is mine
    with pytest.raises(
        TypeError, match="the test backend was given a handle of type VendorAccess, not its own OwnAccess"
    ):
        own(VendorAccess({}), OwnAccess, "test")
