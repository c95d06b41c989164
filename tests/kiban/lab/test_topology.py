"""What the lab builds, from the inventory document alone."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from kiban.lab.session import platform_inventory
from kiban.lab.topology import lab_topology, namespace_name
from tests.conftest import SAMPLE_SPEC, SMALL_CITY, SMALL_MANAGEMENT

SAMPLE_INVENTORY = platform_inventory(SAMPLE_SPEC)
TOPOLOGY = lab_topology(SAMPLE_INVENTORY)

# Linux refuses interface names longer than 15 bytes.
IFNAMSIZ = 15


def test_one_namespace_per_host_and_per_outside_network() -> None:
    names = {host["name"] for host in SAMPLE_INVENTORY["hosts"]}
    externals = {
        end["group"]
        for rule in SAMPLE_INVENTORY["flows"]
        for end in (rule["from"], rule["to"])
        if end["kind"] == "external"
    }
    assert len(names) == 210
    assert {host.host for host in TOPOLOGY.hosts} == names | externals, "every address of the inventory, no more"
    addresses = {str(host.address.ip) for host in TOPOLOGY.hosts if not host.external}
    assert addresses == {host["address"] for host in SAMPLE_INVENTORY["hosts"]}
    assert len(set(TOPOLOGY.namespaces)) == len(TOPOLOGY.namespaces) == len(names | externals) + 1
    assert TOPOLOGY.host("juki/web").namespace == "kb-juki-web-1"
    assert "kb-juki-web-2" in TOPOLOGY.namespaces, "a second replica has a namespace of its own"


def test_names_fit_linux_limits_and_are_ascii() -> None:
    assert all(len(name) <= IFNAMSIZ for name in TOPOLOGY.links)
    assert all(len(segment.router_interface) <= IFNAMSIZ for segment in TOPOLOGY.segments)
    assert all(name.isascii() for name in TOPOLOGY.namespaces)
    assert namespace_name("juki/app") == "kb-juki-app"
    assert namespace_name("external:マイナポータル@lgwan").startswith("kb-external-lgwan-")
    assert namespace_name("x", prefix="kt") == "kt-x"


def test_one_bridge_per_vlan_segment_with_every_subnet_gateway_on_the_router() -> None:
    segments = [segment for area in SAMPLE_INVENTORY["areas"] for segment in area["segments"]]
    bridges = {f"kbv{segment['vlan']}": segment for segment in segments}
    lab_segments = {segment.bridge: segment for segment in TOPOLOGY.segments}
    assert set(bridges) <= set(lab_segments)
    for bridge, segment in bridges.items():
        gateways = {str(gateway.ip) for gateway in lab_segments[bridge].gateways}
        assert gateways == {subnet["gateway"] for subnet in segment["subnets"]}


def test_each_host_sits_on_its_subnet_behind_the_router() -> None:
    juki_app = TOPOLOGY.host("juki/app")
    assert juki_app.host == "juki-app-1"
    assert juki_app.address == ipaddress.IPv4Interface("10.10.5.4/24")
    assert juki_app.gateway == ipaddress.IPv4Address("10.10.5.1")
    assert juki_app.bridge == "kbv101"
    assert "8443/tcp" in juki_app.ports and "22/tcp" in juki_app.ports, "service and management stand-in"


def test_outside_networks_get_their_own_bridge_and_no_service() -> None:
    eltax = TOPOLOGY.host("external:eLTAX@lgwan")
    assert eltax.external and eltax.ports == ()
    assert eltax.address == ipaddress.IPv4Interface("192.0.2.4/26")
    assert eltax.bridge.startswith("kbx")


def test_prefix_keeps_two_labs_apart(tmp_path: Path) -> None:
    other = lab_topology(SAMPLE_INVENTORY, prefix="kt")
    assert not set(other.namespaces) & set(TOPOLOGY.namespaces)
    assert not set(other.links) & set(TOPOLOGY.links)


def test_bastions_and_operations_networks_are_namespaces_and_their_ssh_rules_reach_the_router() -> None:
    bastion = TOPOLOGY.host("bastion@mynumber")
    assert (bastion.host, str(bastion.address), bastion.bridge) == ("bastion-mynumber-1", "10.10.3.4/25", "kbv100")
    assert bastion.ports == ("22/tcp",), "sshd is the bastion's service: listed once"
    terminals = TOPOLOGY.host("operations:ops-mynumber@mynumber")
    assert terminals.external and str(terminals.address) == "192.168.10.4/28"
    kinds = {(rule["from"]["group"], rule["to"]["group"], rule["port"]): rule["kind"] for rule in TOPOLOGY.rules}
    assert kinds[("operations:ops-mynumber@mynumber", "bastion@mynumber", "22/tcp")] == "operations-to-bastion"
    assert kinds[("bastion@mynumber", "juki/db", "22/tcp")] == "bastion-to-host"
    assert not [key for key in kinds if key[2] == "22/tcp" and not key[0].startswith(("bastion@", "operations:"))]


def test_the_management_stand_in_listens_on_the_management_port(tmp_path: Path) -> None:
    spec = tmp_path / "small.yaml"
    spec.write_text(SMALL_CITY + SMALL_MANAGEMENT, encoding="utf-8")
    topology = lab_topology(platform_inventory(spec))
    assert "2222/tcp" in topology.host("full/app").ports and "22/tcp" not in topology.host("full/app").ports
