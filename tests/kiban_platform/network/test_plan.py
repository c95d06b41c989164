"""The network plan: exact layout of the sample, and stability when businesses come and go."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.plan import PLATFORM_SEGMENT, NetworkPlan, plan_network
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import Business, MiddlewareRole, PlatformSpec, TierName
from kiban_platform.spec.numbering import ROLE_INDEX
from tests.conftest import SAMPLE_SPEC

SAMPLE = load_spec(SAMPLE_SPEC)
SAMPLE_PLAN = plan_network(SAMPLE)


def test_business_segment_follows_its_slot() -> None:
    juki = SAMPLE_PLAN.segment("mynumber", "juki")
    assert (juki.slot, juki.vlan, str(juki.cidr)) == (1, 101, "10.10.4.0/22")
    assert [(s.tier, str(s.cidr)) for s in juki.subnets] == [
        (TierName.WEB, "10.10.4.0/24"),
        (TierName.APP, "10.10.5.0/24"),
        (TierName.DB, "10.10.6.0/24"),
        (TierName.BATCH, "10.10.7.0/24"),
    ]
    shinsei = SAMPLE_PLAN.segment("internet", "denshi-shinsei")
    assert (shinsei.vlan, str(shinsei.cidr)) == (324, "10.30.96.0/22")


def test_platform_segment_has_one_subnet_per_role_present() -> None:
    platform = SAMPLE_PLAN.segment("internet", PLATFORM_SEGMENT)
    assert platform.vlan == 300
    assert [s.role for s in platform.subnets] == [
        MiddlewareRole.INTEGRATION_HUB,
        MiddlewareRole.LOAD_BALANCER,
        MiddlewareRole.MONITORING,
        MiddlewareRole.TIME_NAME,
        MiddlewareRole.BASTION,
    ]
    # Role subnets keep their fixed place even when earlier roles are absent from the area.
    assert str(SAMPLE_PLAN.role_subnet("internet", MiddlewareRole.INTEGRATION_HUB).cidr) == "10.30.0.128/25"
    assert str(SAMPLE_PLAN.role_subnet("internet", MiddlewareRole.BASTION).cidr) == "10.30.3.0/25"


def test_role_subnets_keep_the_blocks_they_had_before_the_bastion() -> None:
    assert [(role.value, ROLE_INDEX[role]) for role in MiddlewareRole] == [
        ("job_management", 0),
        ("integration_hub", 1),
        ("load_balancer", 2),
        ("database", 3),
        ("monitoring", 4),
        ("time_name", 5),
        ("bastion", 6),
    ]


def test_adding_management_moves_no_segment_subnet_or_host_address() -> None:
    without = SAMPLE.model_copy(update={"management": None})
    before_network = plan_network(without)
    before_segments = {(s.area, s.name): (s.vlan, str(s.cidr)) for s in before_network.segments}
    after_segments = {(s.area, s.name): (s.vlan, str(s.cidr)) for s in SAMPLE_PLAN.segments}
    assert before_segments == after_segments
    before_subnets = {(s.area, sub.name): str(sub.cidr) for s in before_network.segments for sub in s.subnets}
    after_subnets = {(s.area, sub.name): str(sub.cidr) for s in SAMPLE_PLAN.segments for sub in s.subnets}
    added = {key: cidr for key, cidr in after_subnets.items() if key not in before_subnets}
    assert {key: after_subnets[key] for key in before_subnets} == before_subnets
    assert added == {
        ("mynumber", "platform-bastion"): "10.10.3.0/25",
        ("lgwan", "platform-bastion"): "10.20.3.0/25",
        ("internet", "platform-bastion"): "10.30.3.0/25",
    }
    before_hosts = {h.name: (str(h.address), h.chassis.id) for h in plan_hosts(without, before_network)}
    after_hosts = {h.name: (str(h.address), h.chassis.id) for h in plan_hosts(SAMPLE, SAMPLE_PLAN)}
    assert {name: after_hosts[name] for name in before_hosts} == before_hosts
    assert len(after_hosts) == len(before_hosts) + 6
    # On AWS a subnet is cut into one block per zone; those addresses stay too.
    zonal_before = {h.name: str(h.address) for h in plan_hosts(without, before_network, zonal_subnets=True)}
    zonal_after = {h.name: str(h.address) for h in plan_hosts(SAMPLE, SAMPLE_PLAN, zonal_subnets=True)}
    assert {name: zonal_after[name] for name in zonal_before} == zonal_before


def test_every_segment_and_subnet_is_inside_its_area_and_disjoint() -> None:
    vlans = [segment.vlan for segment in SAMPLE_PLAN.segments]
    assert len(vlans) == len(set(vlans))
    cidrs = [subnet.cidr for segment in SAMPLE_PLAN.segments for subnet in segment.subnets]
    for segment in SAMPLE_PLAN.segments:
        area = SAMPLE.area(segment.area)
        assert segment.cidr.subnet_of(area.supernet)
        assert segment.vlan in area.vlans
        assert all(subnet.cidr.subnet_of(segment.cidr) for subnet in segment.subnets)
    for index, first in enumerate(cidrs):
        assert not any(first.overlaps(second) for second in cidrs[index + 1 :])


def test_addresses_of_a_subnet() -> None:
    app = SAMPLE_PLAN.tier_subnet("juki", TierName.APP)
    assert app.gateway == ipaddress.IPv4Address("10.10.5.1")
    assert app.host(0) == ipaddress.IPv4Address("10.10.5.4"), "the first four addresses are the provider's"
    assert app.service_address == ipaddress.IPv4Address("10.10.5.254")


def _layout(plan: NetworkPlan) -> dict[str, tuple[int, str, tuple[tuple[str, str], ...]]]:
    return {
        s.name: (s.vlan, str(s.cidr), tuple((sub.name, str(sub.cidr)) for sub in s.subnets))
        for s in plan.segments
        if s.business is not None
    }


FULL_LAYOUT = _layout(SAMPLE_PLAN)
FREE_LGWAN_SLOTS = [slot for slot in range(25, 64)]


def _new_business(slot: int) -> Business:
    template = SAMPLE.business("zaimu-kaikei")
    return template.model_copy(update={"id": f"new-{slot}", "network_slot": slot, "catalog": None})


@settings(max_examples=60, deadline=None)
@given(
    kept=st.lists(st.sampled_from([b.id for b in SAMPLE.businesses]), unique=True),
    order_seed=st.randoms(use_true_random=False),
    added=st.lists(st.sampled_from(FREE_LGWAN_SLOTS), unique=True, max_size=5),
)
def test_adding_removing_or_reordering_never_moves_another_business(
    kept: list[str], order_seed: object, added: list[int]
) -> None:
    businesses = [SAMPLE.business(business_id) for business_id in kept] + [_new_business(s) for s in added]
    order_seed.shuffle(businesses)  # type: ignore[attr-defined]
    variant = SAMPLE.model_copy(update={"businesses": businesses, "flows": []})
    assert isinstance(variant, PlatformSpec)
    layout = _layout(plan_network(variant))
    for business_id in kept:
        assert layout[business_id] == FULL_LAYOUT[business_id], f"{business_id} moved"
    # The platform's own segments do not depend on the businesses at all.
    platform = {s.area: s for s in plan_network(variant).segments if s.business is None}
    assert platform == {s.area: s for s in SAMPLE_PLAN.segments if s.business is None}


def test_plan_is_deterministic() -> None:
    assert plan_network(SAMPLE) == plan_network(load_spec(SAMPLE_SPEC))
