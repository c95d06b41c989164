"""Each spec's lab has names and a state folder of its own (pure: no root, nothing built)."""

from __future__ import annotations

from pathlib import Path

from kiban.lab import session
from kiban.lab.build import LabError
from kiban.lab.hybrid import HybridLab
from kiban.lab.topology import IFNAMSIZ
from tests.conftest import REPO, SAMPLE_SPEC, SMALL_CITY

HYBRID_SPEC = REPO / "specs" / "sample-hybrid.yaml"


def test_each_spec_path_gives_its_own_stable_prefix_and_folder(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert session.lab_prefix(first) == session.lab_prefix(tmp_path / "." / "a.yaml"), "the path, resolved"
    assert session.lab_prefix(first) != session.lab_prefix(second)
    assert len(session.lab_prefix(first)) == len(session.lab_prefix(second)) == 6
    assert session.lab_state(first, tmp_path) == tmp_path / session.lab_prefix(first)
    assert session.lab_state(first) != session.lab_state(second)


def test_the_plan_takes_the_spec_prefix_and_every_name_fits_the_kernel_limit() -> None:
    for spec in (SAMPLE_SPEC, HYBRID_SPEC):
        prefix = session.lab_prefix(spec)
        _, lab = session.plan_lab(spec)
        assert all(namespace.startswith(prefix) for namespace in lab.namespaces)
        devices = session.lab_devices(lab)
        assert all(name.startswith(prefix) and len(name) <= IFNAMSIZ for name in devices), spec
        assert len(set(devices)) == len(devices)
        session.check_device_names(lab)
    _, hybrid = session.plan_lab(HYBRID_SPEC)
    assert isinstance(hybrid, HybridLab)


def test_names_of_two_labs_never_meet(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    for spec in (first, second):
        spec.write_text(SMALL_CITY, encoding="utf-8")
    _, one = session.plan_lab(first)
    _, other = session.plan_lab(second)
    assert not set(one.namespaces) & set(other.namespaces)
    assert not set(session.lab_devices(one)) & set(session.lab_devices(other))


def test_a_name_over_the_kernel_limit_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    spec = tmp_path / "city.yaml"
    spec.write_text(SMALL_CITY, encoding="utf-8")
    _, lab = session.plan_lab(spec, prefix="a-very-long-prefix")
    try:
        session.check_device_names(lab)
    except LabError as error:
        assert "interface names over 15 bytes: a-very-long-prefixv" in str(error)
    else:
        raise AssertionError("a 19-byte interface name was let through")
