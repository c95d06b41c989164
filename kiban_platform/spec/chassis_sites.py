"""Which data centre holds each chassis: one on-prem site, its own chassis (issue 21, item 7).

A chassis is a physical failure domain in one building. In a hybrid city with two on-prem sites,
planning both sites on every chassis put VMs of both data centres on the same blades, so each
chassis names its site (``failure_domains.chassis[i].site``):

- with two or more on-prem sites, every chassis names one of them;
- with exactly one on-prem site, a chassis without ``site`` belongs to it (so a city with one data
  centre, like specs/sample-hybrid.yaml, is planned exactly as before);
- a cloud site never owns a chassis: its provider's hardware is not the city's. Its replicas are
  spread over its region's availability zones, a chassis' ``cloud_zone`` standing for one where it
  names one in the site's region (``site_chassis``).

Pure functions over the spec model, shared by the checks and by ``network.sites.site_view``.
"""

from __future__ import annotations

from collections.abc import Iterator

from kiban_platform.spec.model import Chassis, FailureDomains, PlatformSpec
from kiban_platform.spec.problems import FieldPath, Problem
from kiban_platform.spec.sites import AVAILABILITY_ZONES, Site, SiteKind, region_of_zone

_WHY = "each data centre's blades are its own: two sites never place VMs on the same chassis"


def on_prem_sites(spec: PlatformSpec) -> list[Site]:
    return [site for site in spec.sites if site.kind == SiteKind.ON_PREM]


def chassis_site(spec: PlatformSpec, chassis: Chassis) -> str | None:
    """The on-prem site holding ``chassis``: its ``site``, else the city's only on-prem site (None otherwise)."""
    if chassis.site is not None:
        return chassis.site
    on_prem = on_prem_sites(spec)
    return on_prem[0].id if len(on_prem) == 1 else None


def site_chassis(spec: PlatformSpec, site: Site) -> list[Chassis]:
    """The chassis a site plans on, in spec order.

    An on-prem site: the chassis it holds. A cloud site: the failure domains its replicas spread
    over, one per availability zone of its region. A chassis' ``cloud_zone`` says where that
    chassis' share of the city runs in a cloud, so a cloud site keeps the chassis whose zone is in
    its region: with at most one data centre the chassis themselves (the hybrid sample's Government
    Cloud keeps the names its subnets were declared with), with several one stand-in per distinct
    zone, named by the zone (chassis of different data centres name the same zones, and a cloud VM
    shown on a data centre's chassis would read as sharing it). A cloud site in a region no chassis
    names (a Government Cloud in Osaka beside chassis mapped to Tokyo, a public cloud in another
    region) spreads over its region's zones (``AVAILABILITY_ZONES``), each a stand-in named by the
    zone. A region kiban has no zone table for keeps every chassis, so the target reports what is
    missing as it always has.
    """
    chassis = spec.failure_domains.chassis
    if site.kind == SiteKind.ON_PREM:
        return [c for c in chassis if chassis_site(spec, c) == site.id]
    in_region = [c for c in chassis if c.cloud_zone is not None and region_of_zone(c.cloud_zone) == site.region]
    if in_region and len(on_prem_sites(spec)) <= 1:
        # One data centre: its chassis are the cloud's failure domains as they always were, and a chassis
        # without a zone in the region is the target's to report (a forgotten cloud_zone, not a smaller spread).
        return list(chassis)
    zones: dict[str, Chassis] = {}
    for c in in_region:
        if c.cloud_zone is not None and c.cloud_zone not in zones:
            # The blades are the first such chassis' only because a chassis needs some: nothing is placed on them.
            zones[c.cloud_zone] = c.model_copy(
                update={"id": c.cloud_zone, "availability_zone": None, "host_aggregate": None, "site": None}
            )
    if zones:
        return list(zones.values())
    region_zones = AVAILABILITY_ZONES.get(site.region or "")
    if region_zones is None:
        return list(chassis)
    # A zone has no blades kiban places onto; its one stand-in blade is the city's largest, so every
    # check that asks "does a VM fit some blade" answers as it does for the city's own hardware.
    largest = max((blade for _, blade in spec.failure_domains.blades()), key=lambda b: (b.vcpu, b.ram_gb, b.disk_gb))
    return [
        Chassis(id=zone, cloud_zone=zone, blades=[largest.model_copy(update={"id": f"{zone}-capacity"})])
        for zone in region_zones
    ]


def site_failure_domains(spec: PlatformSpec, site: Site) -> FailureDomains:
    """``failure_domains`` as the site's own stack sees them (its chassis only)."""
    return spec.failure_domains.model_copy(update={"chassis": site_chassis(spec, site)})


def chassis_site_problems(spec: PlatformSpec) -> Iterator[Problem]:
    """Each chassis' ``site``: absent without sites; else a known on-prem site, and given when it is ambiguous."""
    sites = {site.id: site for site in spec.sites}
    on_prem = [site.id for site in on_prem_sites(spec)]
    for index, chassis in enumerate(spec.failure_domains.chassis):
        path: FieldPath = ("failure_domains", "chassis", index, "site")
        if not spec.sites:
            if chassis.site is not None:
                yield Problem(path, "needs `sites`: without them the spec is one implicit site, holding every chassis")
            continue
        if chassis.site is None:
            if len(on_prem) > 1:
                yield Problem(
                    path[:-1],
                    f"needs 'site': the city has {len(on_prem)} on-prem sites ({', '.join(on_prem)}), so each "
                    f"chassis names the one holding it; {_WHY}",
                )
            continue
        site = sites.get(chassis.site)
        if site is None:
            known = ", ".join(on_prem) or "none"
            yield Problem(path, f"unknown site {chassis.site!r}; the spec's on-prem sites: {known}")
        elif site.kind != SiteKind.ON_PREM:
            yield Problem(
                path,
                f"{chassis.site!r} is a {site.kind.value} site: a cloud's hardware is its provider's, and its replicas "
                "spread over availability zones (cloud_zone); a chassis belongs to an on_prem site",
            )
