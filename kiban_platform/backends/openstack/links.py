"""The OpenStack end of a site's links: a Neutron VPNaaS site connection per AWS tunnel (HYBRID.md §6.3).

Per link, on the router that terminates its area's tunnels (``kiban:openstack.vpnRouters``, an
existing router: like the city's L3 firewall it is built with the data centre, not by kiban):
an IKE policy and an IPsec policy stated in full (Neutron's defaults are IKEv1, SHA-1 and DH
group 5), a VPN service, a peer endpoint group (the AWS site's area block), and per VPN pair a
local endpoint group (the one platform subnet its tunnels reach: Neutron offers one security
association per local subnet) with one site connection per tunnel. The AWS end assigns each
tunnel's outside address and pre-shared key; this stack reads them from the AWS stack's
``links`` output (``peers``) and keeps the key a secret, which the SDK does not do for ``psk``.
The side that must not dial only responds. The cross-site flows' rules are already in the
groups' security groups (``network.sites.site_view`` turns the far end into an outside network).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_openstack as openstack

from kiban_platform.backends import TargetError
from kiban_platform.backends.openstack.settings import OpenStackSettings
from kiban_platform.network.sites import PlannedLink, VpnPair
from kiban_platform.spec.model import MiddlewareRole

if TYPE_CHECKING:
    from kiban_platform.backends.openstack.handles import OpenStackAreaNetwork

# The same proposal as the AWS end (``backends.aws.links``): IKEv2, AES-256, SHA-256, DH group 14.
IKE_VERSION = "v2"
ENCRYPTION = "aes-256"
AUTHENTICATION = "sha256"
PFS = "group14"
PHASE1_LIFETIME_SECONDS = 28800
PHASE2_LIFETIME_SECONDS = 3600
# Dead peer detection: a silent AWS tunnel is noticed within 30 s.
DPD_INTERVAL_SECONDS = 10
DPD_TIMEOUT_SECONDS = 30


def _peer_tunnel(peers: Mapping[str, pulumi.Output[Any]], planned: PlannedLink, index: int, key: str) -> Any:
    """One value of the AWS stack's export for tunnel ``index`` of the link."""
    link_id = planned.link.id
    exported = peers.get(planned.peer.id)
    if exported is None:
        raise TargetError(
            f"link {link_id}: the stack of site {planned.peer.id} is not read (kiban:siteStacks): its tunnels' "
            "outside addresses and pre-shared keys come from there"
        )
    return exported.apply(lambda links: links[link_id]["tunnels"][index][key])


def _local_subnet(planned: PlannedLink, pair: VpnPair, network: OpenStackAreaNetwork) -> pulumi.Output[str]:
    """The one platform subnet a VPN pair reaches here (Neutron: one security association per local subnet)."""
    subnets: Mapping[MiddlewareRole, openstack.networking.Subnet] = network.platform_subnets
    if pair.role is None:
        tunnels = ", ".join(str(index + 1) for index in pair.tunnels)
        raise TargetError(
            f"link {planned.link.id}: tunnels {tunnels} reach no platform subnet of area {network.area.id}"
        )
    if pair.role not in subnets:
        raise TargetError(
            f"link {planned.link.id}: area {network.area.id} has no platform subnet for {pair.role.value}"
        )
    return subnets[pair.role].id


def _site_connection(
    planned: PlannedLink,
    index: int,
    region: str | None,
    policies: tuple[openstack.vpnaas.IkePolicy, openstack.vpnaas.IpSecPolicy, openstack.vpnaas.Service],
    local: openstack.vpnaas.EndpointGroup,
    remote: openstack.vpnaas.EndpointGroup,
    peers: Mapping[str, pulumi.Output[Any]],
) -> pulumi.Output[str]:
    """Tunnel ``index`` of the link, in its VPN pair's endpoint groups: AWS's outside address and key, read."""
    link, site = planned.link, planned.site
    ike, ipsec, service = policies
    outside = _peer_tunnel(peers, planned, index, "outside_address")
    connection = openstack.vpnaas.SiteConnection(
        f"{link.id}-tunnel-{index + 1}",
        name=f"kiban-{link.id}-{index + 1}",
        description=f"kiban: link {link.id} tunnel {link.tunnels[index].inside_cidr}",
        ikepolicy_id=ike.id,
        ipsecpolicy_id=ipsec.id,
        vpnservice_id=service.id,
        local_ep_group_id=local.id,
        peer_ep_group_id=remote.id,
        # AWS's end is known by its outside address, ours by the address declared in the spec.
        peer_address=outside,
        peer_id=outside,
        local_id=str(link.addresses[site.id]),
        psk=pulumi.Output.secret(_peer_tunnel(peers, planned, index, "preshared_key")),
        initiator="bi-directional" if planned.dials else "response-only",
        dpds=[
            openstack.vpnaas.SiteConnectionDpdArgs(
                action="restart" if planned.dials else "hold",
                interval=DPD_INTERVAL_SECONDS,
                timeout=DPD_TIMEOUT_SECONDS,
            )
        ],
        admin_state_up=True,
        region=region,
        opts=pulumi.ResourceOptions(parent=service),
    )
    return connection.id


def _link(
    settings: OpenStackSettings,
    parent: pulumi.Resource,
    planned: PlannedLink,
    network: OpenStackAreaNetwork,
    peers: Mapping[str, pulumi.Output[Any]],
) -> dict[str, Any]:
    link = planned.link
    area_id = planned.local_prefixes[0][0]
    region = settings.region
    opts = pulumi.ResourceOptions(parent=parent)
    router = openstack.networking.get_router_output(
        name=settings.vpn_router(area_id), region=region, opts=pulumi.InvokeOutputOptions(parent=parent)
    )
    ike = openstack.vpnaas.IkePolicy(
        f"{link.id}-ike",
        name=f"kiban-{link.id}",
        description=f"kiban: link {link.id} to {planned.peer.id}",
        ike_version=IKE_VERSION,
        encryption_algorithm=ENCRYPTION,
        auth_algorithm=AUTHENTICATION,
        pfs=PFS,
        phase1_negotiation_mode="main",
        lifetimes=[openstack.vpnaas.IkePolicyLifetimeArgs(units="seconds", value=PHASE1_LIFETIME_SECONDS)],
        region=region,
        opts=opts,
    )
    ipsec = openstack.vpnaas.IpSecPolicy(
        f"{link.id}-ipsec",
        name=f"kiban-{link.id}",
        description=f"kiban: link {link.id} to {planned.peer.id}",
        transform_protocol="esp",
        encapsulation_mode="tunnel",
        encryption_algorithm=ENCRYPTION,
        auth_algorithm=AUTHENTICATION,
        pfs=PFS,
        lifetimes=[openstack.vpnaas.IpSecPolicyLifetimeArgs(units="seconds", value=PHASE2_LIFETIME_SECONDS)],
        region=region,
        opts=opts,
    )
    service = openstack.vpnaas.Service(
        f"{link.id}-vpn",
        name=f"kiban-{link.id}",
        description=f"kiban: link {link.id}, area {area_id}",
        router_id=router.id,
        admin_state_up=True,
        region=region,
        opts=opts,
    )
    remote = openstack.vpnaas.EndpointGroup(
        f"{link.id}-peer",
        name=f"kiban-{link.id}-peer",
        type="cidr",
        endpoints=[str(block) for _, block in planned.peer_prefixes],
        region=region,
        opts=opts,
    )
    connections = []
    for pair in planned.vpn_pairs:
        local = openstack.vpnaas.EndpointGroup(
            f"{link.id}-local{pair.suffix()}",
            name=f"kiban-{link.id}-local{pair.suffix()}",
            type="subnet",
            endpoints=[_local_subnet(planned, pair, network)],
            region=region,
            opts=opts,
        )
        for index in pair.tunnels:
            connections.append(_site_connection(planned, index, region, (ike, ipsec, service), local, remote, peers))
    return {"peer": planned.peer.id, "router_id": router.id, "vpn_service_id": service.id, "connections": connections}


def site_links(
    settings: OpenStackSettings,
    parent: pulumi.Resource,
    links: Sequence[PlannedLink],
    areas: Mapping[str, OpenStackAreaNetwork],
    peers: Mapping[str, pulumi.Output[Any]],
) -> dict[str, Any]:
    """This site's end of every link (checked by ``checks.link_problems``); the stack's ``links`` export."""
    exported = {}
    for planned in links:
        area_id = planned.local_prefixes[0][0]
        network = areas.get(area_id)
        if network is None:
            raise TargetError(f"link {planned.link.id}: area {area_id} has no network at site {planned.site.id}")
        exported[planned.link.id] = _link(settings, parent, planned, network, peers)
    return exported
