"""What `kiban report` shows, as data: from a spec (its plans) or from stack states (their ``inventory`` output).

Nothing here writes HTML. Every figure comes from a planner kiban already has: the network and flow
plans (``kiban plan-network``), the placement (``kiban plan``, through ``kiban.planning.place`` with
the planner's default options), and for a spec with sites each site's own view and plan. A state
carries hosts, addresses, blades, areas and rules, but no sizes, names, vendors, licences or peak
months: a spec given with it (``--spec``) adds them, and without one the report says what is missing
(``Report.notes`` and each section's own note) instead of showing an empty table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiban.report.picture import (
    ROLE_NAMES,
    NetworkPicture,
    PictureEdge,
    picture_from_inventories,
    spec_inventories,
)

if TYPE_CHECKING:
    from kiban.planning import ZoneSpread
    from kiban_platform.placement.options import PlanOptions
    from kiban_platform.placement.plan import PlacementPlan
    from kiban_platform.spec.instances import VirtualMachine
    from kiban_platform.spec.model import PlatformSpec

MONTHS = tuple(range(1, 13))
TIER_ORDER = {"web": 0, "app": 1, "db": 2, "batch": 3}
OUTSIDE = "outside"


@dataclass(frozen=True)
class Host:
    """One VM as the report shows it (from a plan or from a state's inventory)."""

    name: str
    site: str | None
    area: str
    business: str | None
    tier: str | None
    role: str
    group: str  # "<business>/<tier>" or "<role>@<area>"
    address: str | None
    chassis: str | None  # failure domain: a chassis, or at a cloud site the chassis standing for a zone
    blade: str | None
    zone: str | None
    ports: tuple[str, ...]
    vcpu: int | None = None
    ram_gb: int | None = None
    disk_gb: int | None = None
    replica: int = 0


@dataclass(frozen=True)
class AreaSummary:
    id: str
    name: str
    name_en: str | None
    level: str
    sites: tuple[str, ...]
    businesses: tuple[str, ...]
    middleware: tuple[str, ...]  # roles with nodes in the area


@dataclass(frozen=True)
class MiddlewareSummary:
    role: str
    label: str  # Japanese name and role
    product: str | None
    nodes_per_area: int | None
    areas: tuple[str, ...]
    ports: tuple[str, ...]
    licence: str | None


@dataclass(frozen=True)
class Figures:
    sites: int
    areas: int
    businesses: int
    vms: int
    vcpu: int | None  # None: sizes need the spec
    ram_gb: int | None
    disk_gb: int | None
    blades_used: int | None  # on-prem blades (None: no on-prem placement known)
    blades_available: int | None


@dataclass(frozen=True)
class RackBlade:
    id: str
    hosts: tuple[Host, ...]
    capacity: tuple[int, int, int] | None = None  # vCPU after overcommit, RAM GB, disk GB


@dataclass(frozen=True)
class RackChassis:
    id: str
    zone: str | None
    blades: tuple[RackBlade, ...]  # a cloud site's zone has one pseudo-blade holding every VM there


@dataclass(frozen=True)
class ChassisLossView:
    chassis: str
    vms_lost: int
    tiers_down: tuple[str, ...]
    redundant_tiers_down: tuple[str, ...]

    @property
    def survives(self) -> bool:
        return not self.redundant_tiers_down


@dataclass(frozen=True)
class Racks:
    """One site's hardware: chassis and blades on-prem, availability zones at a cloud site."""

    site: str | None
    kind: str  # "chassis" | "zones"
    chassis: tuple[RackChassis, ...]
    survival: tuple[ChassisLossView, ...]
    note: str | None = None


@dataclass(frozen=True)
class LicenceLine:
    product: str
    hosts: int
    annual_cost_jpy_per_host: int
    annual_cost_jpy: int


@dataclass(frozen=True)
class BladeMonths:
    blade: str
    chassis: str
    shares: tuple[float, ...]  # per month: the higher share of vCPU (after overcommit) or RAM used
    peaking: tuple[tuple[str, ...], ...]  # per month: the businesses at their peak on the blade


@dataclass(frozen=True)
class Capacity:
    """One on-prem site's (or the city's) blades and licences; figures as `kiban plan --format json` has them."""

    site: str | None
    blades_used: int
    blades_available: int | None
    dedicated_baseline: int | None
    first_fit: int | None
    first_fit_decreasing: int | None
    lower_bound: int | None
    licences: tuple[LicenceLine, ...]
    licence_cost_jpy: int | None
    months: tuple[BladeMonths, ...]
    summary: Mapping[str, Any] | None = None  # `kiban plan --format json`'s summary, when planned here
    note: str | None = None
    declared_licences: tuple[DeclaredLicence, ...] = ()  # the licences placement does not count (not per host)


@dataclass(frozen=True)
class DeclaredLicence:
    """A licence other than per host, as the spec declares it, with what it would count on this site."""

    holder: str  # the business, or the middleware role
    model: str  # per_core, per_vm, subscription
    product: str
    annual_cost_jpy: int  # per unit, as declared
    units: int  # vCPUs (per_core), VMs (per_vm), 1 (subscription)
    unit: str  # "vCPU", "VM", "subscription"

    @property
    def annual_total_jpy(self) -> int:
        return self.annual_cost_jpy * self.units


def declared_licences(vms: Iterable[VirtualMachine]) -> tuple[DeclaredLicence, ...]:
    """Per-core, per-VM and subscription licences of ``vms``, one line per holder and product, in VM order.

    A per-core licence counts the VMs' vCPUs: the spec sizes VMs in vCPUs, and how a vendor counts cores (physical
    cores, a minimum per VM) is its own contract, so the page calls the total an estimate.
    """
    found: dict[tuple[str, str, str], list[VirtualMachine]] = {}
    for vm in vms:
        model = vm.licence.model.value
        if model in ("per_core", "per_vm", "subscription"):
            holder = vm.business or vm.role
            found.setdefault((holder, model, vm.licence.product or holder), []).append(vm)
    lines = []
    for (holder, model, product), members in found.items():
        units, unit = {
            "per_core": (sum(vm.vcpu for vm in members), "vCPU"),
            "per_vm": (len(members), "VM"),
            "subscription": (1, "subscription"),
        }[model]
        cost = max(vm.licence.annual_cost_jpy for vm in members)
        lines.append(DeclaredLicence(holder, model, product, cost, units, unit))
    return tuple(lines)


@dataclass(frozen=True)
class FlowLine:
    """A path into or out of one business: the other end, ports, and the declared flow when there is one."""

    other: str
    ports: tuple[str, ...]
    flow: str | None
    kind: str
    data: str | None


@dataclass(frozen=True)
class TierLine:
    tier: str
    replicas: int
    vcpu: int | None
    ram_gb: int | None
    disk_gb: int | None
    ports: tuple[str, ...]


@dataclass(frozen=True)
class BusinessSheet:
    id: str
    name: str | None
    name_en: str | None
    vendor: str | None
    area: str
    site: str | None
    tiers: tuple[TierLine, ...]
    hosts: tuple[Host, ...]
    flows_in: tuple[FlowLine, ...]
    flows_out: tuple[FlowLine, ...]
    licence: str | None
    peak_months: tuple[int, ...] | None


@dataclass(frozen=True)
class MatrixCell:
    source: str
    target: str
    ports: tuple[str, ...]
    flows: tuple[str, ...]
    rules: int


@dataclass(frozen=True)
class Report:
    title: str
    title_en: str | None
    municipality: str | None  # the municipality code
    source: str  # "spec" | "state"
    inputs: tuple[str, ...]
    sites: tuple[str, ...]
    areas: tuple[AreaSummary, ...]
    middleware: tuple[MiddlewareSummary, ...]
    figures: Figures
    picture: NetworkPicture
    area_matrix: tuple[MatrixCell, ...]
    matrix_rows: tuple[str, ...]
    matrix_columns: tuple[str, ...]
    site_matrix: tuple[MatrixCell, ...]
    racks: tuple[Racks, ...]
    capacity: tuple[Capacity, ...]
    businesses: tuple[BusinessSheet, ...]
    notes: tuple[str, ...] = field(default=())


# -- from a spec ------------------------------------------------------------------------------------


def report_from_spec(spec_path: Path) -> Report:
    """The report of a spec: its plans, placed with `kiban plan`'s defaults. SpecError (exit 2) on a bad spec."""
    from kiban_platform.spec.load import load_spec

    return report_from_model(load_spec(spec_path), spec_path)


def report_from_model(spec: PlatformSpec, spec_path: Path, options: PlanOptions | None = None) -> Report:
    """The report of a loaded, checked spec (``spec_path`` names it in problems); ``options``: the planner's
    (default: `kiban plan`'s defaults). For benches and tools that build a spec in memory."""
    from kiban.planning import place, places_on_blades, zone_spread
    from kiban_platform.network.hosts import plan_hosts
    from kiban_platform.network.plan import plan_network
    from kiban_platform.network.sites import site_view
    from kiban_platform.placement.options import PlanOptions

    options = options or PlanOptions()
    notes: list[str] = []
    hosts: list[Host] = []
    racks: list[Racks] = []
    capacity: list[Capacity] = []
    if not spec.sites:
        plan = place(spec, spec_path, options)
        notes += _time_limit(plan, None)
        where = {p.vm.name: (p.chassis, p.blade) for p in plan.placements}
        planned = plan_hosts(spec, plan_network(spec), placement=where)
        hosts = [_host(host, None) for host in planned]
        racks.append(_plan_racks(spec, None, hosts, plan))
        capacity.append(_plan_capacity(spec, None, plan))
    else:
        for site in spec.sites:
            view = site_view(spec, site.id)
            if places_on_blades(site):
                plan = place(view, spec_path, options)
                notes += _time_limit(plan, site.id)
                where = {p.vm.name: (p.chassis, p.blade) for p in plan.placements}
                site_hosts = [_host(h, site.id) for h in plan_hosts(view, plan_network(view), placement=where)]
                racks.append(_plan_racks(view, site.id, site_hosts, plan))
                capacity.append(_plan_capacity(view, site.id, plan))
            else:
                spread = zone_spread(spec, site, spec_path)
                site_hosts = [_host(h, site.id, spread) for h in spread.hosts]
                racks.append(_zone_racks(site.id, site_hosts, spread.zones))
            hosts += site_hosts
    picture = picture_from_inventories(spec_inventories(spec), spec)
    return _assemble(spec, picture, hosts, racks, capacity, "spec", (str(spec_path),), notes)


def _time_limit(plan: PlacementPlan, site: str | None) -> list[str]:
    if not plan.stopped_by_time_limit:
        return []
    where = f"site {site}: " if site else ""
    return [f"{where}{plan.time_limit_warning()}"]


def _host(planned: Any, site: str | None, spread: ZoneSpread | None = None) -> Host:
    vm = planned.vm
    return Host(
        name=vm.name,
        site=site,
        area=vm.area,
        business=vm.business,
        tier=vm.tier.value if vm.tier is not None else None,
        role=vm.role,
        group=vm.group,
        address=str(planned.address),
        chassis=planned.chassis.id,
        blade=planned.blade,
        zone=spread.zone_of(planned) if spread is not None else planned.chassis.openstack_zone,
        ports=tuple(str(port) for port in vm.ports),
        vcpu=vm.vcpu,
        ram_gb=vm.ram_gb,
        disk_gb=vm.disk.size_gb,
        replica=vm.replica,
    )


def _spec_chassis(spec: PlatformSpec, hosts: Sequence[Host]) -> tuple[RackChassis, ...]:
    """The spec's chassis and blades (empty ones too, with their capacity), each blade with its hosts."""
    from kiban_platform.placement.demand import blade_capacity

    overcommit = spec.failure_domains.vcpu_overcommit
    return tuple(
        RackChassis(
            c.id,
            c.openstack_zone,
            tuple(
                RackBlade(b.id, tuple(h for h in hosts if h.blade == b.id), blade_capacity(b, overcommit))
                for b in c.blades
            ),
        )
        for c in spec.failure_domains.chassis
    )


def _plan_racks(spec: PlatformSpec, site: str | None, hosts: Sequence[Host], plan: PlacementPlan) -> Racks:
    chassis = _spec_chassis(spec, hosts)
    survival = tuple(
        ChassisLossView(loss.chassis, loss.vms_lost, loss.tiers_down, loss.redundant_tiers_down)
        for loss in plan.survival
    )
    return Racks(site, "chassis", chassis, survival)


def _zone_racks(site: str | None, hosts: Sequence[Host], zones: Mapping[str, str]) -> Racks:
    chassis = tuple(
        RackChassis(chassis_id, zone, (RackBlade(zone, tuple(h for h in hosts if h.chassis == chassis_id)),))
        for chassis_id, zone in zones.items()
    )
    return Racks(site, "zones", chassis, _losses(hosts, list(zones), None))


def _losses(
    hosts: Sequence[Host], chassis_ids: Sequence[str], vms: Mapping[str, VirtualMachine] | None
) -> tuple[ChassisLossView, ...]:
    """What the loss of each chassis (or zone) takes down; redundancy is the spec's, else any group of 2+."""
    groups: dict[str, list[Host]] = {}
    for host in hosts:
        groups.setdefault(host.group, []).append(host)

    def redundant(group: str) -> bool:
        members = groups[group]
        if vms is not None and members[0].name in vms:
            return any(vms[m.name].redundant for m in members if m.name in vms)
        return len(members) > 1

    losses = []
    for chassis in chassis_ids:
        down = tuple(group for group, members in groups.items() if all(m.chassis == chassis for m in members))
        lost = sum(1 for host in hosts if host.chassis == chassis)
        losses.append(ChassisLossView(chassis, lost, down, tuple(g for g in down if redundant(g))))
    return tuple(losses)


def _plan_capacity(spec: PlatformSpec, site: str | None, plan: PlacementPlan) -> Capacity:
    from kiban_platform.placement.report import summary

    vms = {p.vm.name: p.vm for p in plan.placements}
    blades = [(use.chassis, use.blade, use.vms, use.capacity) for use in plan.blades]
    return Capacity(
        site=site,
        blades_used=plan.blades_used,
        blades_available=plan.blades_available,
        dedicated_baseline=plan.dedicated_baseline,
        first_fit=plan.first_fit,
        first_fit_decreasing=plan.first_fit_decreasing,
        lower_bound=plan.lower_bound,
        licences=tuple(
            LicenceLine(use.product, len(use.blades), use.annual_cost_jpy, use.total_jpy) for use in plan.licences
        ),
        licence_cost_jpy=plan.licence_cost_jpy,
        months=_months(blades, vms),
        summary=summary(plan),
        declared_licences=declared_licences(vms.values()),
    )


def _months(
    blades: Iterable[tuple[str, str, Sequence[str], tuple[int, int, int]]], vms: Mapping[str, VirtualMachine]
) -> tuple[BladeMonths, ...]:
    """Per blade and month: the higher share of vCPU or RAM its VMs use, and whose peak month it is."""
    from kiban_platform.placement.demand import monthly_demand

    found = []
    for chassis, blade, names, capacity in blades:
        totals = [[0, 0, 0] for _ in MONTHS]
        peaking: list[set[str]] = [set() for _ in MONTHS]
        for name in names:
            vm = vms.get(name)
            if vm is None:
                continue
            for month, demand in enumerate(monthly_demand(vm)):
                for k in range(3):
                    totals[month][k] += demand[k]
                if vm.business is not None and (month + 1) in vm.peak_months:
                    peaking[month].add(vm.business)
        # vCPU and RAM follow the peak months; disk is held all year, so it cannot show why peaks share a blade.
        shares = tuple(
            round(max((used / cap for used, cap in zip(month[:2], capacity[:2], strict=True) if cap), default=0.0), 4)
            for month in totals
        )
        found.append(BladeMonths(blade, chassis, shares, tuple(tuple(sorted(p)) for p in peaking)))
    return tuple(found)


# -- from states ------------------------------------------------------------------------------------


def report_from_states(paths: Sequence[Path], spec_path: Path | None = None) -> Report:
    """The report of one stack's state, or of a hybrid city's site states; ``spec_path`` adds what states lack.

    SpecError (exit 2) naming the file: a file that is not a state with a kiban ``inventory`` output,
    several states that are not the site stacks of one city, or a bad spec.
    """
    from kiban.report.schema import report_inventory_problems
    from kiban.verify.inventory import located_inventory, merge_problems
    from kiban_platform.spec.problems import SpecError

    located = [(path, *located_inventory(path)) for path in paths]
    for path, document, where in located:
        problems = report_inventory_problems(document, where)
        if problems:
            raise SpecError(path, problems)
    if len(located) > 1:
        mixed = merge_problems(located)
        if mixed:
            first = mixed[0][0]
            raise SpecError(first, [problem for file, problem in mixed if file == first])
    inventories = [document for _, document, _ in located]
    spec = None
    if spec_path is not None:
        from kiban_platform.spec.load import load_spec

        spec = load_spec(spec_path)
    notes: list[str] = []
    if spec is None:
        notes.append(
            "状態ファイルのみ / state only: business names, vendors, VM sizes, licences and peak months are not in a "
            "state; give the spec with --spec to show them"
        )
    vms = _spec_vms(spec, inventories)
    hosts = [_state_host(host, inventory, vms) for inventory in inventories for host in inventory["hosts"]]
    racks, capacity = _state_hardware(spec, inventories, hosts, vms)
    picture = picture_from_inventories(inventories, spec)
    inputs = tuple(str(path) for path in paths) + ((str(spec_path),) if spec_path else ())
    return _assemble(spec, picture, hosts, racks, capacity, "state", inputs, notes, inventories)


def _spec_vms(spec: PlatformSpec | None, inventories: Sequence[Mapping[str, Any]]) -> dict[tuple[str | None, str], Any]:
    """(site, VM name) -> the spec's VM, for the sites the states are of."""
    if spec is None:
        return {}
    from kiban_platform.network.sites import site_view
    from kiban_platform.spec.instances import expand_vms

    found: dict[tuple[str | None, str], Any] = {}
    for inventory in inventories:
        site = inventory.get("site")
        known = {s.id for s in spec.sites}
        if site is not None and site not in known:
            continue
        view = site_view(spec, site) if site is not None else spec
        for vm in expand_vms(view):
            found[(site, vm.name)] = vm
    return found


def _state_host(host: Mapping[str, Any], inventory: Mapping[str, Any], vms: Mapping[Any, Any]) -> Host:
    site = host.get("site", inventory.get("site"))
    vm = vms.get((site, host["name"]))
    return Host(
        name=str(host["name"]),
        site=site,
        area=str(host["area"]),
        business=host.get("business"),
        tier=host.get("tier"),
        role=str(host.get("role", "")),
        group=str(host.get("group", "")),
        address=host.get("address"),
        chassis=host.get("failure_domain"),
        blade=host.get("blade"),
        zone=None,
        ports=tuple(str(port) for port in host.get("ports") or ()),
        vcpu=vm.vcpu if vm is not None else None,
        ram_gb=vm.ram_gb if vm is not None else None,
        disk_gb=vm.disk.size_gb if vm is not None else None,
        replica=vm.replica if vm is not None else 0,
    )


def _state_hardware(
    spec: PlatformSpec | None,
    inventories: Sequence[Mapping[str, Any]],
    hosts: Sequence[Host],
    vms: Mapping[tuple[str | None, str], Any],
) -> tuple[list[Racks], list[Capacity]]:
    """Racks and capacity from where a state's hosts are; the spec's blades, sizes and baselines when given."""
    racks: list[Racks] = []
    capacity: list[Capacity] = []
    sites: list[str | None] = [inventory.get("site") for inventory in inventories]
    kinds = {}
    for inventory in inventories:
        for site in inventory.get("sites") or []:
            kinds[site["id"]] = site.get("kind")
    for site in sites:
        here = [host for host in hosts if host.site == site]
        by_name = {name: vm for (where, name), vm in vms.items() if where == site}
        on_blades = any(host.blade for host in here)
        if not on_blades:
            chassis_ids = list(dict.fromkeys(host.chassis or "" for host in here))
            kind_note = "" if kinds.get(site or "") != "on_prem" else " (no placement plan: no blades)"
            zones = _zone_names(spec, site)
            racks.append(
                Racks(
                    site,
                    "zones",
                    tuple(
                        RackChassis(c, zones.get(c), (RackBlade(c, tuple(h for h in here if h.chassis == c)),))
                        for c in chassis_ids
                    ),
                    _losses(here, chassis_ids, by_name or None),
                    note=f"failure domains as the state has them{kind_note}; zone names need the spec"
                    if spec is None
                    else None,
                )
            )
            continue
        racks.append(_state_racks(spec, site, here, by_name))
        capacity.append(_state_capacity(spec, site, here, by_name))
    return racks, capacity


def _zone_names(spec: PlatformSpec | None, site_id: str | None) -> dict[str, str]:
    """Chassis id -> the zone a cloud site's stack runs its replicas in, as `kiban plan` shows it (needs the spec)."""
    if spec is None or site_id is None or site_id not in {site.id for site in spec.sites}:
        return {}
    from kiban.planning import cloud_zones
    from kiban_platform.backends import TargetError
    from kiban_platform.network.sites import site_view

    try:
        return dict(cloud_zones(spec.site(site_id), site_view(spec, site_id)))
    except TargetError:
        return {}  # the spec's own checks report a zone outside the region; the rack view keeps the chassis ids


def _state_racks(
    spec: PlatformSpec | None, site: str | None, hosts: Sequence[Host], vms: Mapping[str, VirtualMachine]
) -> Racks:
    if spec is not None:
        from kiban_platform.network.sites import site_view

        # A site's own chassis only: two data centres never share one (each chassis names its site).
        view = site_view(spec, site) if site is not None and spec.sites else spec
        chassis = _spec_chassis(view, hosts)
        ids = [c.id for c in view.failure_domains.chassis]
    else:
        ids = list(dict.fromkeys(host.chassis or "" for host in hosts))
        chassis = tuple(
            RackChassis(
                c,
                None,
                tuple(
                    RackBlade(b, tuple(h for h in hosts if h.blade == b))
                    for b in dict.fromkeys(h.blade or "" for h in hosts if h.chassis == c)
                ),
            )
            for c in ids
        )
    note = None if spec is not None else "blades without VMs and blade sizes need the spec"
    return Racks(site, "chassis", chassis, _losses(hosts, ids, vms or None), note)


def _state_capacity(
    spec: PlatformSpec | None, site: str | None, hosts: Sequence[Host], vms: Mapping[str, VirtualMachine]
) -> Capacity:
    used = len({host.blade for host in hosts if host.blade})
    if spec is None or not vms:
        return Capacity(
            site=site,
            blades_used=used,
            blades_available=None,
            dedicated_baseline=None,
            first_fit=None,
            first_fit_decreasing=None,
            lower_bound=None,
            licences=(),
            licence_cost_jpy=None,
            months=(),
            note="the dedicated status quo, first fit, the lower bound, licences and monthly use need the spec "
            "(--spec): a state has no VM sizes",
        )
    from kiban_platform.network.sites import site_view
    from kiban_platform.placement.baseline import baseline_units, dedicated_blades, nova_first_fit_blades
    from kiban_platform.placement.bounds import lower_bounds
    from kiban_platform.placement.demand import blade_capacity, licence_key, problem_from_spec
    from kiban_platform.placement.solver import SolverOptions

    view = site_view(spec, site) if site is not None else spec
    ordered = [vms[host.name] for host in hosts if host.name in vms]
    problem = problem_from_spec(view, ordered)
    units = dedicated_blades(problem, baseline_units(ordered), SolverOptions(seed=0))
    capacities = {
        b.id: blade_capacity(b, view.failure_domains.vcpu_overcommit) for _, b in view.failure_domains.blades()
    }
    chassis_of = {b.id: c.id for c, b in view.failure_domains.blades()}
    on_blade: dict[str, list[str]] = {}
    for host in hosts:
        if host.blade:
            on_blade.setdefault(host.blade, []).append(host.name)
    blades = [(chassis_of.get(b, ""), b, names, capacities.get(b, (0, 0, 0))) for b, names in on_blade.items()]
    licences: dict[str, set[str]] = {}
    costs: dict[str, int] = {}
    for host in hosts:
        vm = vms.get(host.name)
        key = licence_key(vm) if vm is not None else None
        if vm is not None and key is not None and host.blade:
            licences.setdefault(key, set()).add(host.blade)
            costs[key] = max(costs.get(key, 0), vm.licence.annual_cost_jpy)
    lines = tuple(
        LicenceLine(product, len(blades_of), costs[product], costs[product] * len(blades_of))
        for product, blades_of in sorted(licences.items())
    )
    return Capacity(
        site=site,
        blades_used=used,
        blades_available=sum(len(c.blades) for c in view.failure_domains.chassis),
        dedicated_baseline=sum(units.values()),
        first_fit=nova_first_fit_blades(problem),
        first_fit_decreasing=None,
        lower_bound=lower_bounds(problem).best,
        licences=lines,
        licence_cost_jpy=sum(line.annual_cost_jpy for line in lines),
        months=_months(blades, vms),
        declared_licences=declared_licences(vms[host.name] for host in hosts if host.name in vms),
    )


# -- shared -----------------------------------------------------------------------------------------


def _assemble(
    spec: PlatformSpec | None,
    picture: NetworkPicture,
    hosts: Sequence[Host],
    racks: Sequence[Racks],
    capacity: Sequence[Capacity],
    source: str,
    inputs: tuple[str, ...],
    notes: Sequence[str],
    inventories: Sequence[Mapping[str, Any]] = (),
) -> Report:
    sites = tuple(site.id for site in picture.sites)
    businesses = _business_sheets(spec, picture, hosts)
    areas = _areas(picture, hosts, businesses)
    known_sizes = all(host.vcpu is not None for host in hosts) and bool(hosts)
    blades = [c.blades_used for c in capacity]
    available = [c.blades_available for c in capacity if c.blades_available is not None]
    figures = Figures(
        sites=len(sites),
        areas=len({area.id for area in picture.areas}),
        businesses=len(businesses),
        vms=len(hosts),
        vcpu=sum(host.vcpu or 0 for host in hosts) if known_sizes else None,
        ram_gb=sum(host.ram_gb or 0 for host in hosts) if known_sizes else None,
        disk_gb=sum(host.disk_gb or 0 for host in hosts) if known_sizes else None,
        blades_used=sum(blades) if blades else None,
        blades_available=sum(available) if available and len(available) == len(capacity) else None,
    )
    rows, columns, area_cells = _area_matrix(picture)
    title_en: str | None = None
    code: str | None = None
    if spec is not None:
        title, title_en, code = spec.municipality.name, spec.municipality.name_en, spec.municipality.code
    else:
        code = str(inventories[0].get("municipality")) if inventories else None
        title = f"市区町村コード {code}"
    return Report(
        title=title,
        title_en=title_en,
        municipality=code,
        source=source,
        inputs=inputs,
        sites=sites,
        areas=areas,
        middleware=_middleware(spec, hosts),
        figures=figures,
        picture=picture,
        area_matrix=area_cells,
        matrix_rows=rows,
        matrix_columns=columns,
        site_matrix=_site_matrix(picture),
        racks=tuple(racks),
        capacity=tuple(capacity),
        businesses=businesses,
        notes=tuple(notes),
    )


def _areas(
    picture: NetworkPicture, hosts: Sequence[Host], businesses: Sequence[BusinessSheet]
) -> tuple[AreaSummary, ...]:
    """Each area once (a hybrid city's area may be at several sites), its businesses in the spec's order."""
    found: dict[str, AreaSummary] = {}
    for area in picture.areas:
        known = found.get(area.id)
        sites = ((*known.sites,) if known else ()) + ((area.site,) if area.site else ())
        found[area.id] = AreaSummary(
            id=area.id,
            name=area.name,
            name_en=area.name_en,
            level=area.level,
            sites=sites,
            businesses=tuple(sheet.id for sheet in businesses if sheet.area == area.id),
            middleware=tuple(
                dict.fromkeys(host.role for host in hosts if host.business is None and host.area == area.id)
            )
            or tuple(
                dict.fromkeys(
                    node.id.rsplit("middleware:", 1)[1].split("@")[0]
                    for node in picture.nodes
                    if node.kind == "middleware" and node.area == area.id
                )
            ),
        )
    return tuple(found.values())


def _middleware(spec: PlatformSpec | None, hosts: Sequence[Host]) -> tuple[MiddlewareSummary, ...]:
    if spec is not None:
        found = []
        for role, service in spec.platform_services():
            licence = None
            if service.licence.product or service.licence.model.value != "none":
                cost = service.licence.annual_cost_jpy
                licence = f"{service.licence.model.value} {service.licence.product or ''} ¥{cost:,}"
            found.append(
                MiddlewareSummary(
                    role=role.value,
                    label=f"{ROLE_NAMES.get(role.value, role.value)} {role.value}",
                    product=service.product,
                    nodes_per_area=service.replicas,
                    areas=tuple(service.areas),
                    ports=tuple(str(port) for port in service.ports),
                    licence=licence.strip() if licence else None,
                )
            )
        return tuple(found)
    roles: dict[str, list[Host]] = {}
    for host in hosts:
        if host.business is None:
            roles.setdefault(host.role, []).append(host)
    return tuple(
        MiddlewareSummary(
            role=role,
            label=f"{ROLE_NAMES.get(role, role)} {role}",
            product=None,
            nodes_per_area=None,
            areas=tuple(dict.fromkeys(host.area for host in members)),
            ports=tuple(dict.fromkeys(port for host in members for port in host.ports)),
            licence=None,
        )
        for role, members in roles.items()
    )


def _node_business(node_id: str) -> str | None:
    return node_id.rsplit("business:", 1)[1] if "business:" in node_id else None


def _flow_line(edge: PictureEdge, other: str, picture: NetworkPicture) -> FlowLine:
    label = picture.node(other).label if any(node.id == other for node in picture.nodes) else other
    return FlowLine(label, edge.ports, edge.flow, edge.kind, edge.data)


def _business_sheets(
    spec: PlatformSpec | None, picture: NetworkPicture, hosts: Sequence[Host]
) -> tuple[BusinessSheet, ...]:
    sheets = []
    nodes = [node for node in picture.nodes if node.kind == "business"]
    order = {business.id: index for index, business in enumerate(spec.businesses)} if spec is not None else {}
    nodes.sort(key=lambda node: (order.get(_node_business(node.id) or "", len(order)), node.id))
    for node in nodes:
        business_id = _node_business(node.id) or node.id
        declared = spec.business(business_id) if spec is not None and business_id in order else None
        mine = tuple(
            sorted(
                (h for h in hosts if h.business == business_id),
                key=lambda h: (TIER_ORDER.get(h.tier or "", 9), h.name),
            )
        )
        tiers: list[TierLine] = []
        if declared is not None:
            from kiban_platform.spec.model import tier_ports

            for name, tier in declared.tiers.items():
                tiers.append(
                    TierLine(
                        name.value,
                        tier.replicas,
                        tier.vcpu,
                        tier.ram_gb,
                        tier.disk.size_gb,
                        tuple(str(p) for p in tier_ports(name, tier)),
                    )
                )
        else:
            by_tier: dict[str, list[Host]] = {}
            for host in mine:
                by_tier.setdefault(host.tier or "", []).append(host)
            tiers = [
                TierLine(tier, len(members), None, None, None, members[0].ports) for tier, members in by_tier.items()
            ]
        licence = None
        if declared is not None and declared.licence.model.value != "none":
            product = declared.licence.product or business_id
            licence = f"{declared.licence.model.value}: {product}, ¥{declared.licence.annual_cost_jpy:,} / 年 year"
        sheets.append(
            BusinessSheet(
                id=business_id,
                name=declared.name if declared is not None else None,
                name_en=declared.name_en if declared is not None else None,
                vendor=declared.vendor if declared is not None else None,
                area=node.area or "",
                site=node.site,
                tiers=tuple(tiers),
                hosts=mine,
                flows_in=tuple(_flow_line(e, e.source, picture) for e in picture.edges if e.target == node.id),
                flows_out=tuple(_flow_line(e, e.target, picture) for e in picture.edges if e.source == node.id),
                licence=licence,
                peak_months=tuple(declared.peak_months) if declared is not None else None,
            )
        )
    return tuple(sheets)


HOSTED = ("middleware", "business", "public_service")


def _area_matrix(picture: NetworkPicture) -> tuple[tuple[str, ...], tuple[str, ...], tuple[MatrixCell, ...]]:
    """Rows open connections to columns: areas (city-wide) and, as a last row, the outside networks."""
    nodes = {node.id: node for node in picture.nodes}
    columns = tuple(dict.fromkeys(area.id for area in picture.areas))
    cells: dict[tuple[str, str], tuple[set[str], set[str], int]] = {}
    for edge in picture.edges:
        source, target = nodes[edge.source], nodes[edge.target]
        if target.kind not in HOSTED or target.area is None:
            continue
        row = source.area if source.kind in HOSTED and source.area else OUTSIDE
        ports, flows, count = cells.get((row, target.area), (set(), set(), 0))
        ports |= set(edge.ports)
        if edge.flow:
            flows.add(edge.flow)
        cells[(row, target.area)] = (ports, flows, count + 1)
    rows = columns + ((OUTSIDE,) if any(row == OUTSIDE for row, _ in cells) else ())
    return (
        rows,
        columns,
        tuple(
            MatrixCell(row, column, tuple(sorted(ports)), tuple(sorted(flows)), count)
            for (row, column), (ports, flows, count) in sorted(cells.items())
        ),
    )


def _site_matrix(picture: NetworkPicture) -> tuple[MatrixCell, ...]:
    nodes = {node.id: node for node in picture.nodes}
    cells: dict[tuple[str, str], tuple[set[str], set[str], int]] = {}
    for edge in picture.edges:
        if not edge.crosses_site:
            continue
        key = (nodes[edge.source].site or "", nodes[edge.target].site or "")
        ports, flows, count = cells.get(key, (set(), set(), 0))
        cells[key] = (ports | set(edge.ports), flows | ({edge.flow} if edge.flow else set()), count + 1)
    return tuple(
        MatrixCell(a, b, tuple(sorted(ports)), tuple(sorted(flows)), count)
        for (a, b), (ports, flows, count) in sorted(cells.items())
    )
