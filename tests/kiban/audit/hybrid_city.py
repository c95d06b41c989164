"""Hand-written site stacks of a hybrid city: the inventory a site stack exports, and its link resources.

The city is the shape of specs/sample-hybrid.yaml, cut down: dc1 (on-prem, OpenStack) with the My Number
and internet areas, gc (Government Cloud, AWS Tokyo) with the My Number area, and portal (a public
cloud) with its own area; a Direct Connect link dc1-gc with IPsec for the My Number area, and an internet
VPN portal-dc1. Resources follow the providers' schemas (camelCase property names, as a state writes
them) and the backends' naming: a link resource's name starts with the link id.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.kiban.audit.builders import AREA, Export, ciphertext

AREAS = {
    "dc1": [("mynumber", "high", "10.10.0.0/16"), ("internet", "internet", "10.30.0.0/17")],
    "gc": [("mynumber", "high", "10.11.0.0/16")],
    "portal": [("public", "public", "10.130.0.0/20")],
}
SITES: list[dict[str, Any]] = [
    {"id": "dc1", "kind": "on_prem", "target": "openstack", "region": None, "ceiling": "my_number"},
    {"id": "gc", "kind": "government_cloud", "target": "aws", "region": "ap-northeast-1", "ceiling": "my_number"},
    {"id": "portal", "kind": "public_cloud", "target": "aws", "region": "ap-northeast-1", "ceiling": "personal"},
]
for _site in SITES:  # each site's block of every area it carries, as the inventory gives them
    _site["areas"] = {area: cidr for area, _, cidr in AREAS[_site["id"]]}
LINKS = [
    {
        "id": "dc1-gc",
        "between": ["dc1", "gc"],
        "carrier": "lgwan",
        "transport": "direct_connect",
        "encryption": "ipsec",
        "areas": ["mynumber"],
        "initiated_by": None,
        "tunnels": 2,
    },
    {
        "id": "portal-dc1",
        "between": ["portal", "dc1"],
        "carrier": "internet",
        "transport": "ipsec_vpn",
        "encryption": "ipsec",
        "areas": ["public", "internet"],
        "initiated_by": "portal",
        "tunnels": 2,
    },
]
RENKEI = {
    "flow": "gc-to-dc1-renkei",
    "from": {"site": "gc", "area": "mynumber", "end": "integration_hub@mynumber"},
    "to": {"site": "dc1", "area": "mynumber", "end": "integration_hub@mynumber"},
    "ports": ["443/tcp"],
    "one_way": True,
    "data": "my_number",
    "basis": None,
    "link": "dc1-gc",
}
SHINSEI = {
    "flow": "portal-shinsei",
    "from": {"site": "portal", "area": "public", "end": "public_service:resident-portal"},
    "to": {"site": "dc1", "area": "internet", "end": "integration_hub@internet"},
    "ports": ["443/tcp"],
    "one_way": True,
    "data": "personal",
    "basis": "consent",
    "link": "portal-dc1",
}
# Each site's planned rules of the two cross-site flows (the far end an outside network at its planned cidr).
PLANNED = {
    "gc": [
        {
            "from": {"area": "mynumber", "cidr": "10.11.0.128/27", "group": "integration_hub@mynumber", "site": "gc"},
            "to": {
                "area": "mynumber",
                "cidr": "10.10.0.128/27",
                "group": "dc1:integration_hub@mynumber",
                "site": "dc1",
            },
            "port": "443/tcp",
            "kind": "declared-flow",
            "flow": "gc-to-dc1-renkei",
            "crosses_areas": False,
            "data": "my_number",
        }
    ],
    "dc1": [
        {
            "from": {"area": "internet", "cidr": "10.130.0.0/26", "group": "portal:resident-portal", "site": "portal"},
            "to": {"area": "internet", "cidr": "10.30.0.128/27", "group": "integration_hub@internet", "site": "dc1"},
            "port": "443/tcp",
            "kind": "declared-flow",
            "flow": "portal-shinsei",
            "crosses_areas": True,
            "data": "personal",
        }
    ],
    "portal": [],
}
HOSTS = {
    "dc1": [
        {"name": "hub-internet-1", "group": "integration_hub@internet", "area": "internet", "ports": ["443/tcp"]},
    ],
    "gc": [],
    "portal": [],
}
TGW = "aws:ec2transitgateway/transitGateway:TransitGateway"
TGW_TABLE = "aws:ec2transitgateway/routeTable:RouteTable"
TGW_ASSOCIATION = "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation"
TGW_PROPAGATION = "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation"
TGW_ROUTE = "aws:ec2transitgateway/route:Route"
VPC_ATTACHMENT = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
VPN = "aws:ec2/vpnConnection:VpnConnection"
DX_ASSOCIATION = "aws:directconnect/gatewayAssociation:GatewayAssociation"
SITE_CONNECTION = "openstack:vpnaas/siteConnection:SiteConnection"
IKE_POLICY = "openstack:vpnaas/ikePolicy:IkePolicy"
IPSEC_POLICY = "openstack:vpnaas/ipSecPolicy:IpSecPolicy"
ENDPOINT_GROUP = "openstack:vpnaas/endpointGroup:EndpointGroup"
VPC = "aws:ec2/vpc:Vpc"


class SiteStack:
    """One site's stack: an export with the hybrid inventory, its areas, and an AWS provider where it has one."""

    def __init__(self, site: str, stack: str | None = None) -> None:
        self.site = site
        self.export = Export(stack=stack or f"sample-hybrid-{site}")
        self.inventory: dict[str, Any] = {
            "version": 1,
            "site": site,
            "areas": [
                {"id": area, "level": level, "cidr": cidr, "vlans": [], "segments": []}
                for area, level, cidr in AREAS[site]
            ],
            "flows": copy.deepcopy(PLANNED[site]),
            "hosts": copy.deepcopy(HOSTS[site]),
            "sites": copy.deepcopy(SITES),
            "links": copy.deepcopy(LINKS),
            "business_sites": {"juki": "gc", "zeimu": "gc", "zaimu-kaikei": "dc1"},
            "cross_site_flows": [copy.deepcopy(RENKEI), copy.deepcopy(SHINSEI)],
        }
        self.export.by_urn[self.export.root]["outputs"] = {"inventory": self.inventory}
        platform = self.export.add("kiban:platform:SharedPlatform", "platform", custom=False)
        self.areas = {
            area: self.export.add(
                AREA, area, parent=platform, custom=False, outputs={"area": area, "level": level, "cidr": cidr}
            )
            for area, level, cidr in AREAS[site]
        }
        self.links = self.export.add("kiban:hybrid:SiteLinks", "links", custom=False)
        self.aws = (
            self.export.provider("default_7_8_0", {"region": "ap-northeast-1", "version": "7.8.0"}, package="aws")
            if site != "dc1"
            else None
        )

    def crossing(self, flow: str) -> dict[str, Any]:
        return next(item for item in self.inventory["cross_site_flows"] if item["flow"] == flow)

    def link(self, link: str) -> dict[str, Any]:
        return next(item for item in self.inventory["links"] if item["id"] == link)

    def add(self, type_: str, name: str, inputs: dict[str, Any], parent: str | None = None, **kwargs: Any) -> str:
        """A resource under the links component (or ``parent``), on the site's provider, region in its outputs."""
        outputs = kwargs.pop("outputs", {})
        if type_.startswith("aws:"):
            outputs = {"region": "ap-northeast-1", **outputs}
        return self.export.add(
            type_, name, inputs, outputs=outputs, parent=parent or self.links, provider=self.aws, **kwargs
        )

    def vpc(self, area: str) -> str:
        cidr = next(cidr for known, _, cidr in AREAS[self.site] if known == area)
        return self.add(VPC, f"{area}-vpc", {"cidrBlock": cidr}, parent=self.areas[area])


def strong_tunnels() -> dict[str, Any]:
    """AWS VPN tunnel settings as kiban sets them: IKEv2, AES-256, SHA-256 or better, DH 14 or better."""
    settings: dict[str, Any] = {}
    for tunnel in ("tunnel1", "tunnel2"):
        settings[f"{tunnel}IkeVersions"] = ["ikev2"]
        for phase in ("Phase1", "Phase2"):
            settings[f"{tunnel}{phase}EncryptionAlgorithms"] = ["AES256", "AES256-GCM-16"]
            settings[f"{tunnel}{phase}IntegrityAlgorithms"] = ["SHA2-256", "SHA2-384"]
            settings[f"{tunnel}{phase}DhGroupNumbers"] = [14, 19, 20]
    return settings


def vpn_connection(stack: SiteStack, name: str, **overrides: Any) -> str:
    """An AWS VPN connection of a link, narrowed and strong, its keys secret; ``overrides`` replace inputs."""
    inputs: dict[str, Any] = {
        "customerGatewayId": "cgw-0123456789abcdef0",
        "transitGatewayId": "tgw-0123456789abcdef0",
        "type": "ipsec.1",
        "staticRoutesOnly": False,
        "localIpv4NetworkCidr": "10.10.0.0/16",
        "remoteIpv4NetworkCidr": "10.11.0.0/16",
        "tunnel1InsideCidr": "169.254.10.0/30",
        "tunnel2InsideCidr": "169.254.10.4/30",
        "tunnel1PresharedKey": ciphertext(f"{name}-1"),
        "tunnel2PresharedKey": ciphertext(f"{name}-2"),
        "tags": {"kiban:link": name.split("-vpn")[0]},
        **strong_tunnels(),
    }
    for key, value in overrides.items():
        if value is None:
            inputs.pop(key, None)
        else:
            inputs[key] = value
    attachment = f"tgw-attach-{name}"
    return stack.add(VPN, name, inputs, outputs={"transitGatewayAttachmentId": attachment})
