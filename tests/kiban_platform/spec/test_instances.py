"""Every VM of a spec, named once."""

from __future__ import annotations

from collections import Counter

from kiban_platform.spec.instances import expand_vms
from kiban_platform.spec.load import load_spec
from tests.conftest import SAMPLE_SPEC

SAMPLE = load_spec(SAMPLE_SPEC)
VMS = expand_vms(SAMPLE)


def test_one_vm_per_replica_and_per_middleware_node_per_area() -> None:
    business_vms = sum(tier.replicas for b in SAMPLE.businesses for _, tier in b.tiers.items())
    middleware_vms = sum(service.replicas * len(service.areas) for _, service in SAMPLE.middleware.items())
    assert SAMPLE.management is not None
    bastion_vms = SAMPLE.management.bastion.replicas * len(SAMPLE.areas)
    assert len(VMS) == business_vms + middleware_vms + bastion_vms


def test_bastions_come_last_one_group_per_area() -> None:
    bastions = [vm for vm in VMS if vm.role == "bastion"]
    assert VMS[-len(bastions) :] == bastions
    assert [vm.name for vm in bastions] == [
        f"bastion-{area}-{n}" for area in ("mynumber", "lgwan", "internet") for n in (1, 2)
    ]
    assert {vm.group for vm in bastions} == {"bastion@mynumber", "bastion@lgwan", "bastion@internet"}
    assert all(vm.ports[0].first == 22 and vm.anti_affinity for vm in bastions)


def test_without_management_there_is_no_bastion() -> None:
    plain = SAMPLE.model_copy(update={"management": None})
    assert not [vm for vm in expand_vms(plain) if vm.role == "bastion"]
    assert len(expand_vms(plain)) == len(VMS) - 6


def test_names_are_unique_and_readable() -> None:
    names = Counter(vm.name for vm in VMS)
    assert max(names.values()) == 1
    assert {"juki-app-1", "juki-app-3", "integration-hub-mynumber-1", "time-name-internet-2"} <= set(names)


def test_replicas_share_their_group_and_area() -> None:
    app = [vm for vm in VMS if vm.group == "juki/app"]
    assert [vm.replica for vm in app] == [0, 1, 2]
    assert {vm.area for vm in app} == {"mynumber"}
    hub = [vm for vm in VMS if vm.group == "integration_hub@lgwan"]
    assert len(hub) == 2 and all(vm.business is None and vm.tier is None for vm in hub)
    assert hub[0].middleware_role is not None and hub[0].middleware_role.value == "integration_hub"


def test_business_vms_carry_their_peaks_and_middleware_is_full_year() -> None:
    tax = next(vm for vm in VMS if vm.business == "kojin-juminzei")
    assert tax.peak_months == (1, 3, 5, 6) and tax.off_peak_load == 0.5
    monitor = next(vm for vm in VMS if vm.role == "monitoring")
    assert monitor.peak_months == tuple(range(1, 13)) and monitor.off_peak_load == 1.0
