"""The OpenStack interpreter: facts from pulumi-openstack 5.x inputs, as they appear in a state."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from kiban.audit.facts import Direction, Facts, GroupRemote, Member, Permit, Spread, Vlan
from kiban.audit.interpreters import interpreter_for, may_have
from kiban.audit.model import StackView
from tests.kiban.audit.builders import INSTANCE, NETWORK, RULE, SEC_GROUP, SERVER_GROUP, Export, ciphertext


def facts_of(type_: str, inputs: dict[str, Any], **extra: Any) -> tuple[Facts, Export, str]:
    export = Export()
    urn = export.add(type_, "r", inputs, **extra)
    return StackView(export.resources).facts(urn), export, urn


def test_registry_by_type_prefix() -> None:
    assert interpreter_for(RULE) is interpreter_for("pulumi:providers:openstack") is not None
    assert interpreter_for("gcp:compute/instance:Instance") is None
    assert may_have(RULE, "permits") and not may_have(RULE, "member")


def test_security_group_rule() -> None:
    export = Export()
    group = export.add(SEC_GROUP, "web", {"name": "web", "deleteDefaultRules": True})
    rule = export.add(
        RULE,
        "web-in",
        {"direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "portRangeMin": 443, "portRangeMax": 443,
         "remoteIpPrefix": "10.20.0.0/16", "securityGroupId": export.id_of(group)},
    )  # fmt: skip
    view = StackView(export.resources)
    assert view.facts(rule).permits == (
        Permit(Direction.INGRESS, "tcp", 443, 443, ipaddress.ip_network("10.20.0.0/16"), group),
    )
    assert view.facts(group).permits == ()


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"direction": "ingress", "ethertype": "IPv4"}, ("any", 0, 65535, "0.0.0.0/0")),
        ({"direction": "ingress", "ethertype": "IPv6", "protocol": "udp"}, ("udp", 0, 65535, "::/0")),
        (
            {
                "direction": "egress",
                "protocol": "tcp",
                "portRangeMin": 0,
                "portRangeMax": 0,
                "remoteIpPrefix": "10.0.0.0/8",
            },
            ("tcp", 0, 65535, "10.0.0.0/8"),
        ),
        (
            {
                "direction": "ingress",
                "protocol": "6",
                "portRangeMin": 22,
                "portRangeMax": 22,
                "remoteIpPrefix": "192.0.2.1",
            },
            ("tcp", 22, 22, "192.0.2.1/32"),
        ),
    ],
)
def test_rule_defaults_match_neutron(inputs: dict[str, Any], expected: tuple[str, int, int, str]) -> None:
    facts, _, _ = facts_of(RULE, inputs)
    (permit,) = facts.permits
    assert (permit.protocol, permit.first, permit.last, str(permit.remote)) == expected


def test_remote_group_and_default_egress() -> None:
    export = Export()
    other = export.add(SEC_GROUP, "db", {"deleteDefaultRules": True})
    rule = export.add(
        RULE,
        "web-to-db",
        {
            "direction": "egress",
            "protocol": "tcp",
            "portRangeMin": 5432,
            "portRangeMax": 5432,
            "remoteGroupId": export.id_of(other),
        },
    )
    open_group = export.add(SEC_GROUP, "legacy", {"name": "legacy"})
    view = StackView(export.resources)
    assert view.facts(rule).permits[0].remote == GroupRemote(other)
    # Without deleteDefaultRules, Neutron's own "allow all egress" rules stay.
    assert [str(p.remote) for p in view.facts(open_group).permits] == ["0.0.0.0/0", "::/0"]


def test_instance_and_server_group() -> None:
    export = Export()
    group = export.add(SERVER_GROUP, "app", {"policies": "soft-anti-affinity"})
    vm = export.add(
        INSTANCE,
        "app-1",
        {
            "availabilityZone": "az1",
            "metadata": {"kiban-group": "juki/app"},
            "schedulerHints": [{"group": export.id_of(group)}],
        },
    )
    tagged = export.add(INSTANCE, "app-9", {"tags": ["kiban", "group:other/app"]})
    view = StackView(export.resources)
    assert view.facts(vm).member == Member("juki/app", "az1", group)
    assert view.facts(group).spread == (Spread.SOFT, "soft-anti-affinity")
    assert view.facts(tagged).member == Member("other/app", None, None)


def test_network_vlans_exposure_and_filtering() -> None:
    facts, _, _ = facts_of(
        NETWORK,
        {"segments": [{"networkType": "vlan", "physicalNetwork": "physnet1", "segmentationId": 101}, {"networkType": "vxlan", "segmentationId": 7}],
         "external": True, "portSecurityEnabled": False},
    )  # fmt: skip
    assert facts.vlans == (Vlan("physnet1", 101),)
    assert facts.exposures == ("external network",)
    assert facts.filtering_off == ("port security disabled on the network",)


def test_floating_ips_and_routers_expose() -> None:
    assert facts_of("openstack:networking/floatingIp:FloatingIp", {"pool": "public"})[0].exposures == ("floating IP",)
    assert facts_of("openstack:networking/router:Router", {"externalNetworkId": "ext"})[0].exposures == (
        "router with an external gateway",
    )
    assert facts_of("openstack:networking/router:Router", {})[0].exposures == ()


def test_tenancy_scope_from_inputs_and_providers() -> None:
    export = Export()
    project = export.add("openstack:identity/project:Project", "juki", {"name": "kiban-juki"})
    network = export.add(NETWORK, "juki", {"tenantId": export.id_of(project)})
    scoped = export.provider("juki", {"tenantId": export.id_of(project), "password": ciphertext("pw")})
    vm = export.add(INSTANCE, "juki-app-1", {}, provider=scoped)
    view = StackView(export.resources)
    assert view.facts(network).scope == ("tenantId", project)
    assert view.owner_scope(view.resources[vm]) == ("provider", project)
    assert view.scope_label(project) == "project kiban-juki"
    default = view.facts(export.default_provider.rsplit("::", 1)[0])
    assert default.provider_scope is None
