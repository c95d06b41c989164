"""The target registry: a name picks a backend; an unknown name is refused with the known ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kiban_platform.backends import TargetError, check_target, create_backend, known_targets
from kiban_platform.backends.openstack import OpenStackBackend


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


def test_openstack_check_refuses_what_validate_reports(tmp_path: Path) -> None:
    """The backend's render-time ``check`` and ``kiban validate --target openstack`` run one function."""
    from kiban_platform.backends import target_problems
    from kiban_platform.spec.load import load_spec
    from tests.conftest import SMALL_CITY

    data = yaml.safe_load(SMALL_CITY)
    for chassis in data["failure_domains"]["chassis"]:
        chassis["host_aggregate"] = "shared-hosts"
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    spec = load_spec(path)
    (problem,) = target_problems("openstack", spec)
    assert problem.path == ("failure_domains", "chassis", 1, "host_aggregate")
    with pytest.raises(TargetError, match="Nova refuses a second aggregate"):
        create_backend("openstack", {}).check(spec)
