"""The reachability checks planned from an inventory."""

from __future__ import annotations

from kiban.lab.session import lab_ansible_inventory, platform_inventory
from kiban.lab.topology import lab_topology
from kiban.verify.inventory import ansible_inventory
from kiban.verify.reachability import ICMP, MANAGEMENT_PORT, plan_checks
from tests.conftest import SAMPLE_SPEC

DOCUMENT = platform_inventory(SAMPLE_SPEC)
LAB = lab_ansible_inventory(DOCUMENT, lab_topology(DOCUMENT))
CHECKS = plan_checks(LAB)


def _first(port: str) -> str:
    span, protocol = port.split("/")
    return f"{span.split('-')[0]}/{protocol}"


def test_every_planned_rule_is_checked_open_between_every_pair_of_replicas() -> None:
    members: dict[str, list[str]] = {}
    for host in DOCUMENT["hosts"]:
        members.setdefault(host["group"], []).append(host["name"])
    expected = {
        f"{source}->{target}:{_first(rule['port'])}"
        for rule in DOCUMENT["flows"]
        for source in members.get(rule["from"]["group"], [rule["from"]["group"]])  # an outside network: itself
        for target in members.get(rule["to"]["group"], [rule["to"]["group"]])
        if source != target
    }
    assert {c.id for c in CHECKS if c.expect_open} == expected  # nothing missing, nothing extra
    assert "juki-web-2->juki-app-3:8443/tcp" in expected, "the second web replica reaches the third app replica"
    eltax = [c for c in CHECKS if c.expect_open and c.source == "external:eLTAX@lgwan"]
    assert [(c.target, c.port, c.why) for c in eltax] == [
        ("integration-hub-mynumber-1", "443/tcp", "declared flow eltax-tokutei"),
        ("integration-hub-mynumber-2", "443/tcp", "declared flow eltax-tokutei, replica to replica"),
    ]


def test_a_groups_own_subnet_rule_is_checked_between_two_members() -> None:
    deployed = plan_checks(ansible_inventory(DOCUMENT))
    own = [c for c in deployed if c.expect_open and c.why.startswith("platform rule load-balancer-health")]
    assert own and all(c.source != c.target for c in own)
    juki_web = [c for c in own if c.source.startswith("juki-web-")]
    assert sorted((c.source, c.target, c.port) for c in juki_web) == [
        ("juki-web-1", "juki-web-2", "443/tcp"),
        ("juki-web-2", "juki-web-1", "443/tcp"),
    ]


def test_crossing_flows_are_checked_closed_on_every_other_port() -> None:
    closed = [c for c in CHECKS if c.source == "integration-hub-internet-1" and c.target == "integration-hub-lgwan-1"]
    assert {(c.port, c.expect_open) for c in closed} == {("443/tcp", True), (MANAGEMENT_PORT, False)}


def test_areas_without_a_flow_are_checked_closed_including_icmp() -> None:
    high_to_internet = [c for c in CHECKS if c.source_area == "mynumber" and c.target_area == "internet"]
    assert high_to_internet and not any(c.expect_open for c in high_to_internet)
    assert {c.port for c in high_to_internet} >= {ICMP, MANAGEMENT_PORT, "443/tcp"}
    by_area = [c for c in high_to_internet if c.why.startswith("no planned flow")]
    assert len({c.source for c in by_area}) == 1, "one host speaks for its area"
    internet_to_high = [c for c in CHECKS if c.source_area == "internet" and c.target_area == "mynumber"]
    assert internet_to_high and not any(c.expect_open for c in internet_to_high)
    assert not [c for c in CHECKS if c.source_area == "lgwan" and c.target_area == "mynumber" and c.expect_open]


def test_each_outside_network_is_its_own_source() -> None:
    outside_to_internet = {
        c.source
        for c in CHECKS
        if c.source_area == "outside" and c.target_area == "internet" and c.why.startswith("no planned flow")
    }
    # An operations network reaching its own area's bastion opens nothing for the others.
    assert outside_to_internet == {
        "external:eLTAX@lgwan",
        "external:マイナポータル@lgwan",
        "operations:ops-mynumber@mynumber",
        "operations:ops-lgwan@lgwan",
    }


def test_ssh_only_through_the_areas_own_bastion() -> None:
    ssh = [c for c in CHECKS if c.port == "22/tcp"]
    open_ssh = {(c.source, c.target) for c in ssh if c.expect_open}
    assert ("operations:ops-lgwan@lgwan", "bastion-lgwan-1") in open_ssh
    assert ("bastion-mynumber-1", "juki-app-1") in open_ssh
    assert all(c.source.startswith("bastion-") or c.source.startswith("operations:") for c in ssh if c.expect_open), (
        "SSH is planned open from bastions and operations networks only"
    )
    across = [c for c in ssh if c.source == "bastion-lgwan-1" and c.target_area != "lgwan"]
    assert across and not any(c.expect_open for c in across)
    assert {c.target_area for c in across} == {"mynumber", "internet"}
    terminal = [c for c in ssh if c.source == "operations:ops-mynumber@mynumber" and c.target_area == "mynumber"]
    assert {c.target for c in terminal if c.expect_open} == {"bastion-mynumber-1", "bastion-mynumber-2"}
    assert len([c for c in terminal if not c.expect_open]) == len(
        {h["group"] for h in DOCUMENT["hosts"] if h["area"] == "mynumber" and h["role"] != "bastion"}
    )


def test_failure_messages_name_hosts_areas_and_flow() -> None:
    check = next(c for c in CHECKS if c.expect_open and c.why == "declared flow shinsei-mugaika")
    message = check.failure("timeout")
    assert "integration-hub-internet-1 (area internet)" in message
    assert "integration-hub-lgwan-1 (area lgwan)" in message
    assert "got timeout; declared flow shinsei-mugaika" in message


def test_ids_are_unique() -> None:
    assert len({c.id for c in CHECKS}) == len(CHECKS)


def test_outside_networks_are_not_probed_without_a_lab() -> None:
    checks = plan_checks(ansible_inventory(DOCUMENT))
    assert not [c for c in checks if c.source.startswith("external:")]
