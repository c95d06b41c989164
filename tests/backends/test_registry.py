"""The target registry: a name picks a backend; an unknown name is refused with the known ones."""

from __future__ import annotations

import pytest

from backends import TargetError, check_target, create_backend, known_targets
from backends.openstack import OpenStackBackend


def test_openstack_is_a_known_target() -> None:
    assert "openstack" in known_targets()
    backend = create_backend("openstack", {})
    assert isinstance(backend, OpenStackBackend)
    assert backend.target == "openstack"


def test_unknown_target_names_the_known_targets() -> None:
    with pytest.raises(TargetError, match=r"unknown target 'vsphere' \(kiban:target\); known targets: aws, openstack"):
        check_target("vsphere")
    with pytest.raises(TargetError, match="known targets"):
        create_backend("vsphere", {})


def test_bad_settings_name_the_key() -> None:
    with pytest.raises(TargetError, match=r"kiban:openstack\.physicalNetwrk"):
        create_backend("openstack", {"physicalNetwrk": "physnet1"})
