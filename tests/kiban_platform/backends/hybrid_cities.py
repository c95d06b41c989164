"""Small hybrid cities for property tests: a data centre, a Government Cloud and perhaps a public cloud.

What varies is what a site's stack may refuse: each cloud site's target and region, the chassis' cloud
zones, each link's carrier, transport and encryption (and its tunnels, Direct Connect and addresses),
and cross-site flows into platform subnets or business tiers at either end. The cities stay small (two
or three businesses, two middleware roles) so that rendering every site takes seconds.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

TOKYO_ZONES = ("ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d")
OSAKA_ZONES = ("ap-northeast-3a", "ap-northeast-3b", "ap-northeast-3c")
REGIONS = ("ap-northeast-1", "ap-northeast-3")
_DISK = {"tier": "fast", "size_gb": 20}


def _business(business_id: str, area: str, slot: int, site: str | None, tiers: tuple[str, ...]) -> dict[str, Any]:
    business: dict[str, Any] = {
        "id": business_id,
        "name": business_id,
        "name_en": business_id,
        "vendor": "試験システム株式会社",
        "area": area,
        "network_slot": slot,
        "tiers": {tier: {"replicas": 2, "vcpu": 2, "ram_gb": 4, "disk": _DISK} for tier in tiers},
    }
    if site is not None:
        business["site"] = site
    return business


def _chassis(zones: tuple[str, ...] | None) -> list[dict[str, Any]]:
    chassis = []
    for index in range(3):
        entry: dict[str, Any] = {
            "id": f"c{index + 1}",
            "availability_zone": f"dc1-c{index + 1}",
            "blades": [{"id": f"c{index + 1}-b1", "vcpu": 64, "ram_gb": 256, "disk_gb": 4000}],
        }
        if zones is not None:
            entry["cloud_zone"] = zones[index]
        chassis.append(entry)
    return chassis


@st.composite
def _link(
    draw: st.DrawFn, link_id: str, between: list[str], areas: list[str], octet: int, openstack_ends: list[str]
) -> dict[str, Any]:
    """A link whose carrier, transport and encryption vary; its tunnels and lines fit what they say, mostly."""
    # Mostly what the spec's own checks accept (over the internet an IPsec VPN, an IPsec VPN encrypted by
    # IPsec), so that most examples reach the sites' checks; now and then not.
    transport = draw(st.sampled_from(["direct_connect", "direct_connect", "ipsec_vpn"]))
    carriers = ["lgwan", "closed_line"] + (["internet"] if transport == "ipsec_vpn" else [])
    carrier = draw(st.sampled_from(carriers))
    encryptions = ["ipsec", "ipsec", "ipsec", "ipsec", "macsec", "none"] if transport == "direct_connect" else ["ipsec"]
    encryption = draw(st.sampled_from(encryptions))
    link: dict[str, Any] = {
        "id": link_id,
        "between": between,
        "carrier": carrier,
        "transport": transport,
        "encryption": encryption,
        "areas": areas,
    }
    if transport == "direct_connect":
        link["dx"] = {
            "connections": [{"id": f"dxcon-ffa1b2c{octet}", "vlan": 100 + octet}],
            "gateway_asn": 64600 + octet,
        }
        if encryption == "ipsec":
            link["dx"]["outside_cidr"] = f"172.16.{200 + octet}.0/24"
    if encryption == "ipsec":
        named = draw(st.booleans())
        link["tunnels"] = [
            {"inside_cidr": f"169.254.{octet}.{4 * index}/30"} | ({"subnet": "integration_hub"} if named else {})
            for index in range(2)
        ]
    if draw(st.booleans()) or encryption == "ipsec":
        link["addresses"] = {end: f"172.16.{octet}.{index + 1}" for index, end in enumerate(openstack_ends)}
    return link


@st.composite
def hybrid_cities(draw: st.DrawFn) -> dict[str, Any]:
    """A spec (as a YAML document's data) of a small city over two or three sites."""
    # "gc" is mostly a Government Cloud on AWS; otherwise a second data centre on OpenStack, so that the
    # link between them joins two OpenStack sites.
    gc_target = draw(st.sampled_from(["aws", "aws", "aws", "aws", "aws", "openstack"]))
    gc: dict[str, Any] = {
        "id": "gc",
        "kind": "government_cloud" if gc_target == "aws" else "on_prem",
        "target": gc_target,
        "areas": {"mynumber": "10.11.0.0/16"},
        "asn": 64512,
    }
    if gc_target == "aws":
        gc["region"] = draw(st.sampled_from(REGIONS))
    sites: list[dict[str, Any]] = [
        {
            "id": "dc1",
            "kind": "on_prem",
            "target": "openstack",
            "areas": {"mynumber": "10.10.0.0/16", "lgwan": "10.20.0.0/16", "internet": "10.30.0.0/17"},
            "asn": 65010,
        },
        gc,
    ]
    portal = draw(st.booleans())
    if portal:
        sites.append(
            {
                "id": "portal",
                "kind": "public_cloud",
                "target": "aws",
                "region": draw(st.sampled_from(REGIONS)),
                "areas": {"public": "10.130.0.0/20"},
                "ceiling": "personal",
                "handling": "cloud_exception",
                "asn": 64513,
            }
        )
    links = [
        draw(_link("dc1-gc", ["dc1", "gc"], ["mynumber"], 10, ["dc1"] + (["gc"] if gc_target == "openstack" else [])))
    ]
    if portal:
        portal_link = draw(_link("portal-dc1", ["portal", "dc1"], ["public", "internet"], 20, ["dc1"]))
        if draw(st.booleans()):
            portal_link["initiated_by"] = "portal"
        links.append(portal_link)
    # A business of the high area at dc1 lets a cross-site flow end at a business tier there.
    dc1_business = draw(st.booleans())
    businesses = [
        _business("juki", "mynumber", 1, "gc", ("app", "db")),
        _business("zaimu", "lgwan", 2, None, ("app",)),
    ]
    if dc1_business:
        businesses.append(_business("kokuho", "mynumber", 3, "dc1", ("app",)))
    # The platform roles may stay at dc1 only; gc's end of a flow is then a business tier of its own.
    gc_middleware = draw(st.sampled_from([True, True, True, False]))
    gc_end: dict[str, Any] = (
        {"middleware": "integration_hub", "area": "mynumber", "site": "gc"}
        if gc_middleware
        else {"business": "juki", "tier": "app"}
    )
    flows: list[dict[str, Any]] = [
        {
            "id": "gc-to-dc1-renkei",
            "from": gc_end,
            "to": {"middleware": "integration_hub", "area": "mynumber", "site": "dc1"},
            "ports": ["443/tcp"],
            "one_way": True,
            "purpose": "庁内データ連携",
            "data": "my_number",
        }
    ]
    if dc1_business and draw(st.sampled_from([True, False, False])):
        flows.append(
            {
                "id": "gc-to-kokuho",
                "from": gc_end,
                "to": {"business": "kokuho", "tier": "app"},
                "ports": ["8443/tcp"],
                "one_way": True,
                "purpose": "into a business tier at the OpenStack end",
                "data": "my_number",
            }
        )
    if draw(st.booleans()):
        flows.append(
            {
                "id": "dc1-to-juki",
                "from": {"middleware": "integration_hub", "area": "mynumber", "site": "dc1"},
                "to": {"business": "juki", "tier": "app"},
                "ports": ["8443/tcp"],
                "one_way": True,
                "purpose": "into a business tier at the cloud end",
                "data": "my_number",
            }
        )
    spec: dict[str, Any] = {
        "version": 1,
        "catalog_version": 1,
        "municipality": {"name": "試験市", "name_en": "Test City", "code": "149993", "class": "政令市"},
        "failure_domains": {"chassis": _chassis(draw(st.sampled_from([TOKYO_ZONES, OSAKA_ZONES, None])))},
        "areas": [
            _area("mynumber", "high", 100, "10.10.0.0/15"),
            _area("lgwan", "middle", 200, "10.20.0.0/16"),
            _area("internet", "internet", 300, "10.30.0.0/17"),
            *([_area("public", "public", 350, "10.130.0.0/20")] if portal else []),
        ],
        "middleware": {
            role: {
                "product": role,
                "replicas": 2,
                "areas": ["mynumber", "lgwan", "internet"],
                "ports": ports,
                "vcpu": 2,
                "ram_gb": 4,
                "disk": _DISK,
            }
            | ({} if gc_middleware else {"sites": ["dc1"]})
            for role, ports in (("integration_hub", ["443/tcp"]), ("time_name", ["123/udp", "53/udp", "53/tcp"]))
        },
        "businesses": businesses,
        "sites": sites,
        "links": links,
        "flows": flows,
    }
    if portal:
        spec["public_services"] = [
            {"id": "resident-portal", "name": "住民ポータル", "name_en": "Portal", "vendor": "試験", "site": "portal"}
        ]
        flows.append(
            {
                "id": "portal-shinsei",
                "from": {"public_service": "resident-portal"},
                "to": {"middleware": "integration_hub", "area": "internet"},
                "ports": ["443/tcp"],
                "one_way": True,
                "purpose": "住民ポータル",
                "data": "personal",
                "basis": "consent",
                "personal_file": "電子申請ファイル",
            }
        )
    return spec


def _area(area_id: str, level: str, first_vlan: int, supernet: str) -> dict[str, Any]:
    return {
        "id": area_id,
        "name": area_id,
        "name_en": area_id,
        "level": level,
        "vlans": {"first": first_vlan, "last": first_vlan + 49},
        "supernet": supernet,
    }
