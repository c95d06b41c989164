"""The stack as the auditor reads it: places in the model, the area map, declared flows."""

from __future__ import annotations

import ipaddress

from kiban.audit.facts import Direction
from kiban.audit.model import OUTSIDE, StackView
from tests.kiban.audit.builders import INSTANCE, TENANT, Export, kiban_city


def city() -> tuple[Export, dict[str, str]]:
    export = Export()
    return export, kiban_city(export)


def test_places_in_the_model() -> None:
    export, areas = city()
    tenant = export.add(TENANT, "juki", parent=areas["secure"], custom=False)
    vm = export.add(INSTANCE, "juki-app-1", {"name": "juki-app-1"}, parent=tenant)
    view = StackView(export.resources)
    location = view.location(vm)
    assert (location.area, location.tenant, location.owner) == ("secure", "juki", "juki")
    assert view.location(areas["office"]).owner == "(area)"
    assert view.location(export.root).owner == "(platform)"


def test_the_area_map_from_the_inventory() -> None:
    export, _ = city()
    topology = StackView(export.resources).topology
    assert topology.source == "inventory"
    assert topology.level("secure") == "high" and topology.level("nowhere") is None
    net = ipaddress.ip_network
    assert topology.areas_of(net("10.10.4.0/24")) == {"secure"}
    assert topology.areas_of(net("10.0.0.0/8")) == {"secure", "office", "portal", OUTSIDE}
    assert topology.areas_of(net("192.0.2.0/24")) == {OUTSIDE}
    assert topology.areas_of(net("::/0")) == {OUTSIDE}
    declared = topology.declared(Direction.INGRESS, "secure", net("10.20.0.128/26"), "tcp", 443, 443)
    assert declared is not None and [rule.flow for rule in declared] == ["to-secure"]
    assert topology.declared(Direction.INGRESS, "secure", net("10.20.0.0/24"), "tcp", 443, 443) is None
    assert topology.declared(Direction.INGRESS, "secure", net("10.20.0.128/26"), "tcp", 8443, 8443) is None
    assert topology.declared(Direction.EGRESS, "office", net("10.10.0.128/25"), "tcp", 443, 443) is not None
    assert topology.declared_between(Direction.INGRESS, "secure", "office", "tcp", 443, 443) is not None


def test_declared_by_several_flows_together_and_stateless_replies() -> None:
    export = Export()
    kiban_city(export, flows=[_external("eltax", "192.0.2.0/26"), _external("myna", "192.0.2.64/26")])
    topology = StackView(export.resources).topology
    net = ipaddress.ip_network
    both = topology.declared(Direction.INGRESS, "secure", net("192.0.2.0/25"), "tcp", 443, 443)
    assert both is not None and [rule.flow for rule in both] == ["eltax", "myna"]
    assert topology.declared(Direction.INGRESS, "secure", net("192.0.2.0/24"), "tcp", 443, 443) is None
    # A network ACL lets the replies out to the clients' ephemeral ports; a security group needs no such rule.
    reply = (Direction.EGRESS, "secure", net("192.0.2.0/26"), "tcp", 1024, 65535)
    assert topology.declared(*reply, stateless=True) is not None
    assert topology.declared(*reply) is None
    assert topology.declared(Direction.EGRESS, "secure", net("192.0.2.0/26"), "tcp", 22, 22, stateless=True) is None


def _external(flow: str, cidr: str) -> dict[str, object]:
    return {
        "from": {"area": "office", "cidr": cidr, "group": f"external:{flow}@office", "kind": "external"},
        "to": {"area": "secure", "cidr": "10.10.0.128/25", "group": "integration_hub@secure", "kind": "middleware"},
        "port": "443/tcp",
        "kind": "declared-flow",
        "flow": flow,
        "crosses_areas": True,
    }


def test_the_area_map_from_components_and_subnets_without_an_inventory() -> None:
    export = Export()
    platform = export.add("kiban:platform:SharedPlatform", "platform", custom=False)
    area = export.add(
        "kiban:network:SecurityArea",
        "secure",
        parent=platform,
        custom=False,
        outputs={"level": "high", "cidr": "10.10.0.0/16"},
    )
    other = export.add("kiban:network:SecurityArea", "cloud", parent=platform, custom=False)
    export.add("aws:ec2/subnet:Subnet", "cloud-a", {"cidrBlock": "172.16.1.0/24"}, parent=other)
    export.add("openstack:networking/subnet:Subnet", "outlier", {"cidr": "10.99.0.0/24"}, parent=area)
    topology = StackView(export.resources).topology
    assert topology.source == "components"
    assert [str(n) for n in topology.areas["secure"].networks] == ["10.10.0.0/16", "10.99.0.0/24"]
    assert [str(n) for n in topology.areas["cloud"].networks] == ["172.16.1.0/24"]
    assert topology.areas["cloud"].level is None
    assert topology.planned == ()
