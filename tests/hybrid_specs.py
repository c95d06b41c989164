"""Large hybrid specs built from ``specs/sample-hybrid.yaml``: many sites, links and cross-site flows.

Shared by the tests of the hybrid checks (a large spec gives as few problems as a small one with the
same fault) and by ``bench/hostile.py`` (a large spec is checked in linear time). Each builder returns
the spec as plain data; ``as_yaml`` writes it as a city would.
"""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
SAMPLE_HYBRID = REPO / "specs" / "sample-hybrid.yaml"

# A wide public-cloud network, so that thousands of sites each take a block of their own.
WIDE_PUBLIC_SUPERNET = ipaddress.IPv4Network("100.64.0.0/10")
SITE_BLOCK_PREFIX = 26
# The sample's tunnels use 169.254.10.0/30 to 169.254.20.4/30: added links take theirs from here.
FIRST_ADDED_TUNNEL = int(ipaddress.IPv4Address("169.254.32.0"))


def sample_hybrid() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SAMPLE_HYBRID.read_text(encoding="utf-8"))
    return data


def as_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def with_many_sites(count: int) -> dict[str, Any]:
    """The sample with ``count`` more public-cloud sites, each carrying its own block of the public area."""
    data = sample_hybrid()
    public = next(area for area in data["areas"] if area["id"] == "public")
    public["supernet"] = str(WIDE_PUBLIC_SUPERNET)
    public["segment_prefix"] = SITE_BLOCK_PREFIX
    public["tier_prefix"] = SITE_BLOCK_PREFIX + 2
    blocks = WIDE_PUBLIC_SUPERNET.subnets(new_prefix=SITE_BLOCK_PREFIX)
    portal = next(site for site in data["sites"] if site["id"] == "portal")
    portal["areas"] = {"public": str(next(blocks))}
    for index in range(count):
        data["sites"].append(
            {
                "id": f"cloud-{index:05d}",
                "kind": "public_cloud",
                "target": "aws",
                "region": "ap-northeast-1",
                "areas": {"public": str(next(blocks))},
            }
        )
    return data


def _tunnel_pair(index: int) -> list[dict[str, str]]:
    first = FIRST_ADDED_TUNNEL + index * 8
    return [
        {"inside_cidr": f"{ipaddress.IPv4Address(first)}/30"},
        {"inside_cidr": f"{ipaddress.IPv4Address(first + 4)}/30"},
    ]


def with_many_links(count: int) -> dict[str, Any]:
    """The sample with ``count`` more IPsec links between dc1 and gc, each carrying the My Number area."""
    data = sample_hybrid()
    for index in range(count):
        data["links"].append(
            {
                "id": f"extra-{index:05d}",
                "between": ["dc1", "gc"],
                "carrier": "closed_line",
                "transport": "ipsec_vpn",
                "encryption": "ipsec",
                "areas": ["mynumber"],
                "tunnels": _tunnel_pair(index),
                "addresses": {"dc1": f"172.17.{index // 250}.{index % 250 + 1}"},
            }
        )
    return data


def with_many_cross_site_flows(count: int) -> dict[str, Any]:
    """The sample with ``count`` more flows from the integration hub at gc to the one at dc1."""
    data = sample_hybrid()
    template = next(flow for flow in data["flows"] if flow["id"] == "gc-to-dc1-renkei")
    for index in range(count):
        flow = copy.deepcopy(template)
        flow["id"] = f"renkei-{index:05d}"
        flow["ports"] = [f"{10000 + index % 50000}/tcp"]
        data["flows"].append(flow)
    return data


def with_duplicate_site_id(data: dict[str, Any], twice: str) -> dict[str, Any]:
    """``data`` with its last site renamed to ``twice``, an id an earlier site has."""
    changed = copy.deepcopy(data)
    changed["sites"][-1]["id"] = twice
    return changed
