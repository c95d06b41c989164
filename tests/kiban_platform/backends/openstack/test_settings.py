"""OpenStack settings (kiban:openstack): defaults, flavors, volume types and the load-balancer provider."""

from __future__ import annotations

import pytest

from kiban_platform.backends.openstack.settings import parse_settings
from kiban_platform.spec.model import DiskTier


def test_defaults_render_without_a_stack() -> None:
    settings = parse_settings(None)
    assert settings.physical_network == "physnet1"
    assert settings.flavor(4, 16) == "kiban-4c16g"
    assert settings.volume_types == {DiskTier.FAST: "fast", DiskTier.CAPACITY: "capacity"}
    assert settings.load_balancer_provider == "ovn"


def test_camel_case_keys_as_in_a_stack_file() -> None:
    settings = parse_settings(
        {"physicalNetwork": "physnet-dc1", "volumeTypes": {"fast": "ssd", "capacity": "hdd"}, "flavors": {"4x16": "m1"}}
    )
    assert settings.physical_network == "physnet-dc1"
    assert settings.volume_types[DiskTier.CAPACITY] == "hdd"
    assert settings.flavor(4, 16) == "m1"


def test_a_flavor_map_must_cover_every_size() -> None:
    settings = parse_settings({"flavors": {"4x16": "m1"}})
    assert settings.missing_flavors([(4, 16), (16, 64), (2, 4), (2, 4)]) == ["2x4", "16x64"]
    assert parse_settings({}).missing_flavors([(2, 4)]) == []


def test_every_disk_tier_needs_a_volume_type() -> None:
    with pytest.raises(ValueError, match="no volume type for disk tier"):
        parse_settings({"volumeTypes": {"fast": "ssd"}})


def test_only_the_ovn_load_balancer_provider() -> None:
    """Amphorae hide the client address, so members would need rules the flow plan does not have."""
    with pytest.raises(ValueError, match=r"kiban:openstack\.loadBalancerProvider"):
        parse_settings({"loadBalancerProvider": "amphora"})


def test_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match=r"kiban:openstack\.imag"):
        parse_settings({"imag": "debian"})
