"""What `kiban plan` and `kiban report` place: a spec's VMs on blades, and for a spec with sites each site's share.

``place`` is the planner as the commands call it (the spec's line numbers on its problems). For a
spec with sites: each on-prem site's blades planned on its own, each cloud site's zone spread.
This is a tool below the command line (kiban.cli prints; this module only plans), so the report
and `kiban plan` share one way of placing a city.

An on-prem site is placed like a spec without sites, on its ``site_view``: its own VMs on the
spec's blades (``failure_domains`` are the chassis of the city's own data centre). A cloud site has
no blades kiban places on: its replicas go round robin over the chassis, each chassis an
availability zone, as a stack without a placement plan spreads them (``network.hosts.plan_hosts``
without a placement, and the target's own chassis-to-zone mapping: ``backends.aws.plan.zones_of``
on AWS, the chassis' availability zone on OpenStack).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiban_platform.network.hosts import PlannedHost, plan_hosts
from kiban_platform.network.plan import plan_network
from kiban_platform.network.sites import site_view
from kiban_platform.placement.options import PlanOptions
from kiban_platform.placement.plan import PlacementPlan
from kiban_platform.placement.report import PLACEMENT_COLUMNS, placement_rows, plan_json
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.problems import Problem
from kiban_platform.spec.sites import Site, SiteKind, Target


def place(
    platform: PlatformSpec,
    spec_file: Path,
    options: PlanOptions,
    previous: Path | None = None,
) -> PlacementPlan:
    """Plan ``platform`` (against ``previous`` when given); a SpecError carries the spec's line numbers.

    A plan the wall clock cut short says so itself (``stopped_by_time_limit``, ``time_limit_warning``).
    """
    from kiban_platform.placement.plan import plan_placement, previous_placements
    from kiban_platform.spec.problems import SpecError, with_lines
    from kiban_platform.spec.source import read_yaml

    # Read first: a previous file that is not a plan is reported against that file, with no spec lines.
    before = previous_placements(previous) if previous is not None else None
    try:
        return plan_placement(platform, options, spec_file, previous=before)
    except SpecError as error:
        raise SpecError(error.file, with_lines(error.problems, read_yaml(spec_file).lines)) from None


# The columns of `kiban plan --format csv` for a spec with sites: a site first, a zone last.
SITE_CSV_COLUMNS = ("site", *PLACEMENT_COLUMNS, "zone")


def places_on_blades(site: Site) -> bool:
    """Only the city's own data centre has blades kiban places VMs on; a cloud places them itself."""
    return site.kind == SiteKind.ON_PREM


def cloud_zones(site: Site, view: PlatformSpec) -> dict[str, str]:
    """Chassis id -> the zone its replicas run in at a cloud site, as the site's target maps it.

    TargetError (from the AWS target) when a chassis has no zone, or one outside the site's region.
    """
    if site.target == Target.AWS:
        # Imported here: the target's planning module loads the Pulumi SDK (never the provider's).
        from kiban_platform.backends.aws.plan import zones_of
        from kiban_platform.backends.aws.settings import parse_settings
        from kiban_platform.backends.aws.sites import site_settings

        # The site's region and its zones, as the site's stack and `kiban validate` take them.
        return zones_of(view.failure_domains, parse_settings(site_settings(site, {})))
    return {chassis.id: chassis.openstack_zone for chassis in view.failure_domains.chassis}


def cloud_zone_problems(site: Site, view: PlatformSpec) -> list[Problem]:
    """Why a cloud site's chassis have no zones of its region, located at each chassis, each naming the site."""
    if site.target != Target.AWS:
        return []
    from kiban_platform.backends.aws.plan import zone_problems
    from kiban_platform.backends.aws.settings import parse_settings
    from kiban_platform.backends.aws.sites import site_settings

    settings = parse_settings(site_settings(site, {}))
    return [Problem(p.path, f"site {site.id}: {p.message}") for p in zone_problems(view.failure_domains, settings)[1]]


@dataclass(frozen=True)
class ZoneSpread:
    """A cloud site's VMs, each with its chassis (round robin over the replicas) and that chassis' zone."""

    site: Site
    hosts: tuple[PlannedHost, ...]
    zones: Mapping[str, str]  # chassis id -> zone

    def zone_of(self, host: PlannedHost) -> str:
        return self.zones[host.chassis.id]

    def groups(self) -> dict[str, list[PlannedHost]]:
        """The replicas of each host group, in ``expand_vms`` order."""
        grouped: dict[str, list[PlannedHost]] = {}
        for host in self.hosts:
            grouped.setdefault(host.group, []).append(host)
        return grouped


def zone_spread(spec: PlatformSpec, site: Site, spec_file: Path) -> ZoneSpread:
    """A cloud site's VMs over its zones; SpecError, with the spec's lines, when its chassis have none."""
    from kiban_platform.spec.problems import SpecError, with_lines
    from kiban_platform.spec.source import read_yaml

    view = site_view(spec, site.id)
    problems = cloud_zone_problems(site, view)
    if problems:
        raise SpecError(spec_file, with_lines(problems, read_yaml(spec_file).lines))
    zones = cloud_zones(site, view)
    # An AWS subnet lives in one zone, so there a replica takes its address in its zone's block (zonal subnets).
    hosts = plan_hosts(view, plan_network(view), zonal_subnets=site.target == Target.AWS)
    return ZoneSpread(site, hosts, zones)


def zone_rows(spread: ZoneSpread) -> list[dict[str, Any]]:
    """One row per VM, with the placement columns of `kiban plan` (no blade) and its zone and address."""
    rows = []
    for host in spread.hosts:
        vm = host.vm
        rows.append(
            {
                "vm": vm.name,
                "business": vm.business,
                "role": vm.role,
                "tier": vm.tier.value if vm.tier is not None else None,
                "replica": vm.replica + 1,
                "chassis": host.chassis.id,
                "blade": None,
                "vcpu": vm.vcpu,
                "ram_gb": vm.ram_gb,
                "disk_gb": vm.disk.size_gb,
                "disk_tier": vm.disk.tier.value,
                "zone": spread.zone_of(host),
                "address": str(host.address),
            }
        )
    return rows


def zone_summary(spread: ZoneSpread) -> list[dict[str, Any]]:
    """Per zone (in chassis order): its chassis, VMs and the vCPU, RAM and disk they ask for."""
    summary: dict[str, dict[str, Any]] = {
        zone: {"zone": zone, "chassis": chassis, "vms": 0, "vcpu": 0, "ram_gb": 0, "disk_gb": 0}
        for chassis, zone in spread.zones.items()
    }
    for host in spread.hosts:
        entry = summary[spread.zone_of(host)]
        entry["vms"] += 1
        entry["vcpu"] += host.vm.vcpu
        entry["ram_gb"] += host.vm.ram_gb
        entry["disk_gb"] += host.vm.disk.size_gb
    return list(summary.values())


def single_zone_groups(spread: ZoneSpread) -> list[str]:
    """Redundant groups whose replicas all share one zone: the loss of that zone takes the whole group."""
    return [
        group
        for group, hosts in spread.groups().items()
        if len(hosts) > 1 and hosts[0].vm.redundant and len({spread.zone_of(host) for host in hosts}) == 1
    ]


def site_header(site: Site) -> dict[str, Any]:
    return {"kind": site.kind.value, "target": site.target.value, "region": site.region}


def zone_json(spread: ZoneSpread) -> dict[str, Any]:
    return {
        "zones": zone_summary(spread),
        "vms": zone_rows(spread),
        "single_zone_groups": single_zone_groups(spread),
    }


@dataclass(frozen=True)
class SitePlacement:
    """One site's answer: an on-prem site's placement plan, or a cloud site's zone spread."""

    site: Site
    plan: PlacementPlan | None = None
    spread: ZoneSpread | None = None

    def document(self) -> dict[str, Any]:
        """This site's part of `kiban plan --format json`: the plan document, or the zone spread."""
        if self.plan is not None:
            return plan_json(self.plan)
        assert self.spread is not None  # a site is either placed on blades or spread over zones
        return zone_json(self.spread)


def sites_json(placements: Sequence[SitePlacement]) -> dict[str, Any]:
    """`kiban plan --format json` for a spec with sites: ``{"sites": {id: {kind, target, region, ...}}}``."""
    sites: dict[str, Any] = {}
    for placed in placements:
        sites[placed.site.id] = site_header(placed.site) | placed.document()
    return {"sites": sites}


def sites_csv(spec: PlatformSpec, placements: Sequence[SitePlacement]) -> str:
    """One row per VM of every site shown: on-prem VMs with their blade and chassis' zone, cloud VMs with theirs."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SITE_CSV_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for placed in placements:
        if placed.plan is not None:
            zones = {chassis.id: chassis.openstack_zone for chassis in spec.failure_domains.chassis}
            rows = [row | {"zone": zones[row["chassis"]]} for row in placement_rows(placed.plan)]
        else:
            assert placed.spread is not None
            rows = zone_rows(placed.spread)
        for row in rows:
            writer.writerow({"site": placed.site.id} | {k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()
