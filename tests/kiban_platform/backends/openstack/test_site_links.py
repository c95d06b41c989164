"""``site_links`` of the OpenStack target alone: dc1's end of the hybrid sample's links, from handles made here.

Each link gets IKE and IPsec policies stated in full (never Neutron's IKEv1/SHA-1/group5
defaults), a VPN service on its area's VPN router, a peer endpoint group (the AWS area block), a
local one per VPN pair (the one platform subnet its tunnels reach), and a site connection per tunnel with the AWS
stack's outside address and its key kept secret; dc1 only responds on the link the portal dials.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pulumi
import pulumi_openstack as openstack
import pytest
from pulumi.runtime.mocks import MockCallArgs

from kiban.mock_runtime import KibanMocks, Registration
from kiban_platform.backends import TargetError, create_backend
from kiban_platform.backends.handles import AreaNetwork
from kiban_platform.backends.openstack.handles import OpenStackAreaNetwork
from kiban_platform.network.sites import PlannedLink, plan_links, site_view
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import Endpoint, MiddlewareRole, PlatformSpec
from kiban_platform.spec.sites import Encryption, Target
from tests.conftest import REPO
from tests.kiban_platform.components.alone import inputs, of_type, run_alone

HYBRID = REPO / "specs" / "sample-hybrid.yaml"
IKE = "openstack:vpnaas/ikePolicy:IkePolicy"
IPSEC = "openstack:vpnaas/ipSecPolicy:IpSecPolicy"
SERVICE = "openstack:vpnaas/service:Service"
ENDPOINT_GROUP = "openstack:vpnaas/endpointGroup:EndpointGroup"
SITE_CONNECTION = "openstack:vpnaas/siteConnection:SiteConnection"
SUBNET = "openstack:networking/subnet:Subnet"
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"  # how the engine marks a secret


def _peer_export(spec: PlatformSpec, site: str) -> dict[str, Any]:
    """What an AWS site's stack exports as ``links`` (``backends.aws.links``), with made-up addresses and keys."""
    return {
        planned.link.id: {
            "peer": planned.peer.id,
            "tunnels": [
                {
                    "inside_cidr": str(tunnel.inside_cidr),
                    "outside_address": f"198.51.100.{10 * number + index}",
                    "preshared_key": f"key-{planned.link.id}-{index}",
                }
                for index, tunnel in enumerate(planned.link.tunnels)
            ],
            "transit_gateway_attachment_id": f"tgw-attach-{number}",
        }
        for number, planned in enumerate(plan_links(spec, site), start=1)
    }


@dataclass(frozen=True)
class Built:
    registrations: dict[str, Registration]
    exported: dict[str, Any]

    def of(self, type_: str) -> dict[str, Registration]:
        return of_type(self.registrations, type_)


def _build(spec: PlatformSpec, links: Sequence[PlannedLink], peer_sites: Sequence[str] = ("gc", "portal")) -> Built:
    view = site_view(spec, "dc1")
    backend = create_backend("openstack", {"vpnRouters": {"mynumber": "dc1-edge-mynumber"}})
    exported: dict[str, Any] = {}

    def build() -> None:
        parent = pulumi.ComponentResource("kiban:hybrid:SiteLinks", "links")
        areas: dict[str, AreaNetwork] = {}
        for area in view.areas:
            network = openstack.networking.Network(f"{area.id}-platform")
            subnets = {
                role: openstack.networking.Subnet(f"{area.id}-{role.value}", network_id=network.id)
                for role in MiddlewareRole
            }
            areas[area.id] = OpenStackAreaNetwork(area, {}, network, subnets)
        peers = {site: pulumi.Output.from_input(_peer_export(spec, site)) for site in peer_sites}
        made = backend.site_links(parent, links, areas, peers)
        pulumi.Output.from_input(made).apply(exported.update)

    return Built(run_alone(build), exported)


@pytest.fixture(scope="module")
def spec() -> PlatformSpec:
    return load_spec(HYBRID)


@pytest.fixture(scope="module")
def dc1(spec: PlatformSpec) -> Built:
    return _build(spec, plan_links(spec, "dc1"))


def test_ike_and_ipsec_policies_are_stated_in_full(dc1: Built) -> None:
    for link in ("dc1-gc", "portal-dc1"):
        ike = inputs(dc1.of(IKE)[f"{link}-ike"])
        assert (ike["ikeVersion"], ike["encryptionAlgorithm"], ike["authAlgorithm"], ike["pfs"]) == (
            "v2",
            "aes-256",
            "sha256",
            "group14",
        )
        assert ike["lifetimes"] == [{"units": "seconds", "value": 28800}]
        ipsec = inputs(dc1.of(IPSEC)[f"{link}-ipsec"])
        assert (ipsec["transformProtocol"], ipsec["encapsulationMode"]) == ("esp", "tunnel")
        assert (ipsec["encryptionAlgorithm"], ipsec["authAlgorithm"], ipsec["pfs"]) == ("aes-256", "sha256", "group14")
        assert ipsec["lifetimes"] == [{"units": "seconds", "value": 3600}]


def test_the_vpn_service_sits_on_the_areas_router(dc1: Built) -> None:
    services = {name: inputs(r) for name, r in dc1.of(SERVICE).items()}
    assert sorted(services) == ["dc1-gc-vpn", "portal-dc1-vpn"]
    assert all(service["adminStateUp"] is True and service["routerId"] for service in services.values())
    # Each area's own router: the two links end in different areas, so on different routers.
    assert services["dc1-gc-vpn"]["routerId"] != services["portal-dc1-vpn"]["routerId"]


def test_endpoint_groups_are_one_subnet_per_vpn_pair_here_and_the_aws_block_there(dc1: Built) -> None:
    groups = {name: inputs(r) for name, r in dc1.of(ENDPOINT_GROUP).items()}
    subnets = {name: r.id for name, r in dc1.of(SUBNET).items()}
    assert groups["dc1-gc-local"] == {**groups["dc1-gc-local"], "type": "subnet"}
    assert groups["dc1-gc-local"]["endpoints"] == [subnets["mynumber-integration_hub"]]
    for role in ("monitoring", "job_management", "time_name"):  # the operations planes' managers
        assert groups[f"dc1-gc-local-{role}"]["endpoints"] == [subnets[f"mynumber-{role}"]]
    assert groups["portal-dc1-local"]["endpoints"] == [subnets["internet-integration_hub"]]
    assert (groups["dc1-gc-peer"]["type"], groups["dc1-gc-peer"]["endpoints"]) == ("cidr", ["10.11.0.0/16"])
    assert (groups["portal-dc1-peer"]["type"], groups["portal-dc1-peer"]["endpoints"]) == ("cidr", ["10.130.0.0/20"])


def test_a_site_connection_per_aws_tunnel_with_its_address_and_a_secret_key(spec: PlatformSpec, dc1: Built) -> None:
    connections = {name: inputs(r) for name, r in dc1.of(SITE_CONNECTION).items()}
    assert sorted(connections) == sorted(
        [*(f"dc1-gc-tunnel-{n}" for n in range(1, 9)), "portal-dc1-tunnel-1", "portal-dc1-tunnel-2"]
    )
    exports = {**_peer_export(spec, "gc"), **_peer_export(spec, "portal")}
    for name, connection in connections.items():
        link, index = name.rsplit("-tunnel-", 1)
        tunnel = exports[link]["tunnels"][int(index) - 1]
        assert connection["peerAddress"] == connection["peerId"] == tunnel["outside_address"]
        assert connection["psk"] == {
            SECRET_SIGNATURE: connection["psk"][SECRET_SIGNATURE],
            "value": tunnel["preshared_key"],
        }
        assert connection["adminStateUp"] is True
    assert connections["dc1-gc-tunnel-1"]["localId"] == "172.16.10.1"
    # Each tunnel in the endpoint group of the subnet the spec says it reaches.
    groups = {r.id: name for name, r in dc1.of(ENDPOINT_GROUP).items()}
    assert [groups[connections[f"dc1-gc-tunnel-{n}"]["localEpGroupId"]] for n in range(1, 9)] == [
        "dc1-gc-local",
        "dc1-gc-local",
        "dc1-gc-local-monitoring",
        "dc1-gc-local-monitoring",
        "dc1-gc-local-job_management",
        "dc1-gc-local-job_management",
        "dc1-gc-local-time_name",
        "dc1-gc-local-time_name",
    ]
    assert connections["portal-dc1-tunnel-1"]["localId"] == "203.0.113.10"


def test_dc1_only_responds_on_the_link_the_portal_dials(dc1: Built) -> None:
    connections = {name: inputs(r) for name, r in dc1.of(SITE_CONNECTION).items()}
    assert {connections[f"portal-dc1-tunnel-{n}"]["initiator"] for n in (1, 2)} == {"response-only"}
    assert {connections[f"dc1-gc-tunnel-{n}"]["initiator"] for n in range(1, 9)} == {"bi-directional"}


def test_the_export_names_each_links_peer_and_connections(dc1: Built) -> None:
    assert {link: export["peer"] for link, export in dc1.exported.items()} == {"dc1-gc": "gc", "portal-dc1": "portal"}
    assert {link: len(export["connections"]) for link, export in dc1.exported.items()} == {"dc1-gc": 8, "portal-dc1": 2}


def test_peer_outputs_are_the_aws_ends_of_ipsec_links(spec: PlatformSpec) -> None:
    backend = create_backend("openstack", {})
    links = plan_links(spec, "dc1")
    assert backend.peer_outputs_needed(links) == ["gc", "portal"]
    plain = [replace(p, link=p.link.model_copy(update={"encryption": Encryption.MACSEC})) for p in links]
    assert backend.peer_outputs_needed(plain) == []


def test_a_missing_peer_stack_is_named(spec: PlatformSpec) -> None:
    with pytest.raises(Exception, match="the stack of site portal is not read"):
        _build(spec, plan_links(spec, "dc1"), peer_sites=("gc",))


def _business_end(planned: PlannedLink) -> PlannedLink:
    crossing = planned.flows[0]
    business = Endpoint(business="jido-teate", tier="app")
    return replace(planned, flows=(replace(crossing, local=business),))


def _pair_without_subnet(planned: PlannedLink) -> PlannedLink:
    return replace(planned, vpn_pairs=(replace(planned.vpn_pairs[0], role=None), *planned.vpn_pairs[1:]))


CHANGES: dict[str, tuple[Any, str]] = {
    "two openstack sites": (
        lambda p: replace(p, peer=p.peer.model_copy(update={"target": Target.OPENSTACK})),
        "aws site only",
    ),
    "no ipsec": (lambda p: replace(p, link=p.link.model_copy(update={"encryption": Encryption.NONE})), "an IPsec VPN"),
    "no own address": (lambda p: replace(p, link=p.link.model_copy(update={"addresses": {}})), "addresses.dc1"),
    "no flow rides it": (lambda p: replace(p, flows=()), "no cross-site flow"),
    "a business end": (_business_end, "platform subnets only"),
}


@pytest.mark.parametrize("case", list(CHANGES), ids=list(CHANGES))
def test_check_links_refuses_what_is_not_implemented(spec: PlatformSpec, case: str) -> None:
    change, words = CHANGES[case]
    backend = create_backend("openstack", {})
    links = [change(planned) for planned in plan_links(spec, "dc1")]
    with pytest.raises(TargetError, match=words) as raised:
        backend.check_links(links)
    assert "link 'dc1-gc'" in str(raised.value)


def test_a_vpn_pair_reaching_no_platform_subnet_is_refused_naming_the_link(spec: PlatformSpec) -> None:
    links = [_pair_without_subnet(planned) for planned in plan_links(spec, "dc1")]
    # The pure check refuses it (the program's prepare and `kiban validate` run it) before any resource.
    with pytest.raises(TargetError, match="link 'dc1-gc': tunnels 1, 2 reach no one platform subnet of area mynumber"):
        create_backend("openstack", {}).check_links(links)
    with pytest.raises(TargetError, match="link 'dc1-gc': tunnels 1, 2 reach no one platform subnet"):
        _build(spec, links)


def test_check_links_accepts_the_sample(spec: PlatformSpec) -> None:
    create_backend("openstack", {}).check_links(plan_links(spec, "dc1"))


def _router_id(name: str) -> str:
    """The id the mock runtime answers a router look-up by name with."""
    answer, _ = KibanMocks().call(MockCallArgs("openstack:networking/getRouter:getRouter", {"name": name}, ""))
    return str(answer["id"])


def test_each_areas_vpn_router_is_looked_up_by_its_configured_or_default_name(dc1: Built) -> None:
    services = {name: inputs(r) for name, r in dc1.of(SERVICE).items()}
    assert services["dc1-gc-vpn"]["routerId"] == _router_id("dc1-edge-mynumber")  # kiban:openstack.vpnRouters
    assert services["portal-dc1-vpn"]["routerId"] == _router_id("kiban-internet-vpn")  # the default name
