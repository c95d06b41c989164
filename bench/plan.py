"""bench/plan: how many blades `kiban plan` buys, against the baselines and bounds measured in the same run.

(a) the sample city: the planner's blades against three baselines, each run alone in the same
    run: the dedicated status quo (one set of blades per business), Nova-style first fit (spec
    order, every VM at its peak all year) and peak-aware first-fit-decreasing, and against the
    lower bound (placement.bounds);
(b) a synthetic 2,000-VM city (catalogue businesses with their real peak months, random
    sizes of replica sets and off-peak loads, 6 chassis): seconds end to end (target: 60 s or
    less on 2 cores), blades vs the lower bound and the baselines;
(c) classic one-dimensional bin packing through the same solver (placement.binpack):
    Falkenauer-style triplets t60 and t120 (three items fill a bin of 1000 exactly, so the
    optimum is n/3; target: optimum on at least 90% and never more than optimum + 1), and
    uniform u120 (items uniform in [20, 100], bins of 150) scored against Martello-Toth L2;
(d) placement that stays put: on the sample and on a scaled city, one business is added and
    the city re-planned with `--previous` (the plan before the edit) and from scratch: VMs
    moved (target with --previous: 0 when capacity allows) and blades used by each.
Gains are reported apart, each a figure that can come out at zero or short of its target:
- consolidation: the planner against the dedicated status quo (target: at least 30% fewer blades);
- the solver's own: the planner against first fit and against first-fit-decreasing, both run
  alone here. The solver starts from them, so it never uses more; what is measured is how many
  blades its search saves beyond them (against first fit this includes peak awareness, against
  first-fit-decreasing, which is peak-aware, it is the search alone);
- distance to the lower bound: blades above the best bound, i.e. the most the plan can be off.
Every instance is generated from a fixed seed; every placement is checked by the verifier.
Work limits are deterministic (reference seconds); the figures do not depend on the machine's load.

Run: .venv/bin/python bench/plan.py [--instances 10] [--city-work-limit 30] [--binpack-work-limit 5]
     [--skip-binpack] [--scaled-vms 600]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiban_platform.placement.baseline import baseline_units, dedicated_blades, nova_first_fit_blades  # noqa: E402
from kiban_platform.placement.binpack import one_dimensional  # noqa: E402
from kiban_platform.placement.bounds import lower_bounds  # noqa: E402
from kiban_platform.placement.demand import problem_from_spec  # noqa: E402
from kiban_platform.placement.first_fit import first_fit, first_fit_decreasing  # noqa: E402
from kiban_platform.placement.options import PlanOptions  # noqa: E402
from kiban_platform.placement.plan import PlacementPlan, plan_placement  # noqa: E402
from kiban_platform.placement.problem import bins_used  # noqa: E402
from kiban_platform.placement.solver import SolverOptions, solve_packing  # noqa: E402
from kiban_platform.placement.verify import verify_assignment  # noqa: E402
from kiban_platform.spec.catalogue import load_catalogue  # noqa: E402
from kiban_platform.spec.checks import check_spec  # noqa: E402
from kiban_platform.spec.instances import expand_vms  # noqa: E402
from kiban_platform.spec.load import load_spec  # noqa: E402
from kiban_platform.spec.model import MiddlewareRole, PlatformSpec  # noqa: E402

SAMPLE = REPO / "specs" / "sample-city.yaml"
CONSOLIDATION_TARGET = 0.30  # at least this share fewer blades than the dedicated status quo
CITY_SECONDS_TARGET = 60.0  # the 2,000-VM city, end to end on 2 cores
T = TypeVar("T")
AREAS = (
    ("mynumber", "high", 100, "10.64.0.0/14"),
    ("lgwan", "middle", 1200, "10.68.0.0/14"),
    ("internet", "internet", 2300, "10.72.0.0/14"),
)
MIDDLEWARE: dict[str, tuple[int, int, int, dict[str, Any] | None, str]] = {
    "job_management": (
        8,
        32,
        200,
        {"model": "per_host", "product": "job scheduler", "annual_cost_jpy": 1_800_000},
        "20240/tcp",
    ),
    "integration_hub": (
        8,
        32,
        300,
        {"model": "per_host", "product": "integration hub", "annual_cost_jpy": 2_400_000},
        "443/tcp",
    ),
    "load_balancer": (2, 4, 20, None, "443/tcp"),
    "database": (16, 128, 2000, None, "5432/tcp"),
    "monitoring": (4, 16, 1000, None, "10051/tcp"),
    "time_name": (2, 4, 20, None, "123/udp"),
}


def synthetic_city(vm_count: int, seed: int, chassis: int = 6, blades_per_chassis: int = 20) -> PlatformSpec:
    """A valid spec with exactly ``vm_count`` VMs: catalogue businesses drawn at random over three areas.

    Blades have more disk than the sample's (15.36 TB) so that RAM in peak months, not
    disk, decides the count and peak awareness matters; one business in ten licenses a
    commercial RDBMS per host.
    """
    rng = random.Random(seed)
    catalogue = load_catalogue(1)
    middleware: dict[str, Any] = {}
    for role, (vcpu, ram, disk, licence, port) in MIDDLEWARE.items():
        service: dict[str, Any] = {
            "product": role,
            "replicas": 3,
            "areas": [area[0] for area in AREAS],
            "ports": [port],
            "vcpu": vcpu,
            "ram_gb": ram,
            "disk": {"tier": "fast", "size_gb": disk},
        }
        if licence is not None:
            service["licence"] = licence
        middleware[role] = service
    vms = 3 * len(AREAS) * len(MIDDLEWARE)
    businesses: list[dict[str, Any]] = []
    while vms < vm_count:
        entry = rng.choice(catalogue.businesses)
        tiers: dict[str, Any] = entry.model_dump(mode="json", exclude_unset=True)["tiers"]
        for tier in tiers.values():
            if tier.get("anti_affinity", True) and rng.random() < 0.3:
                tier["replicas"] = min(chassis, tier["replicas"] + 1)
        count = sum(tier["replicas"] for tier in tiers.values())
        if vms + count > vm_count:
            # The last business makes the total exact: a small web farm without anti-affinity.
            count = vm_count - vms
            web = {"replicas": count, "vcpu": 2, "ram_gb": 4, "disk": {"tier": "fast", "size_gb": 40}}
            tiers = {"web": {**web, "redundant": False, "anti_affinity": False}}
        index = len(businesses) + 1
        business: dict[str, Any] = {
            "id": f"b{index:04d}",
            "name": f"業務{index}",
            "name_en": f"{entry.name_en} {index}",
            "vendor": f"vendor {rng.randrange(40)}",
            "area": rng.choice(AREAS)[0],
            "network_slot": index,
            "tiers": tiers,
            "peak_months": entry.peak_months,
            "off_peak_load": rng.choice((0.3, 0.4, 0.5, 0.6)),
        }
        if rng.random() < 0.1:
            business["licence"] = {"model": "per_host", "product": "commercial RDBMS", "annual_cost_jpy": 3_000_000}
        businesses.append(business)
        vms += count
    blade = {"vcpu": 64, "ram_gb": 512, "disk_gb": 15360}
    data = {
        "municipality": {"name": "合成市", "name_en": "Synthetic City", "code": "149993", "class": "政令市"},
        "failure_domains": {
            "vcpu_overcommit": 4.0,
            "chassis": [
                {
                    "id": f"ch{c}",
                    "blades": [{"id": f"ch{c}-b{b:02d}", **blade} for b in range(1, blades_per_chassis + 1)],
                }
                for c in range(1, chassis + 1)
            ],
        },
        "areas": [
            {
                "id": a,
                "name": a,
                "name_en": a,
                "level": level,
                "vlans": {"first": first, "last": first + 1000},
                "supernet": net,
            }
            for a, level, first, net in AREAS
        ],
        "middleware": middleware,
        "businesses": businesses,
    }
    spec = PlatformSpec.model_validate(data)
    problems = check_spec(spec)
    if problems:
        raise ValueError(f"the synthetic city is not a valid spec: {problems[:3]}")
    return spec


def _timed(work: Callable[[], T]) -> tuple[T, float]:
    started = time.monotonic()
    result = work()
    return result, time.monotonic() - started


def city_row(name: str, spec: PlatformSpec, options: PlanOptions) -> dict[str, Any]:
    """The planner and each baseline, run alone on ``spec``: blades used and seconds taken by each."""
    vms = expand_vms(spec)
    problem = problem_from_spec(spec, vms)
    bound = lower_bounds(problem)
    # Nova's first fit may need more blades than the spec has: counted on as many copies as it needs.
    nova, nova_seconds = _timed(lambda: nova_first_fit_blades(problem))
    ffd, ffd_seconds = _timed(lambda: first_fit_decreasing(problem))
    dedicated, dedicated_seconds = _timed(
        lambda: dedicated_blades(problem, baseline_units(vms), SolverOptions(seed=options.seed))
    )
    plan, seconds = _timed(lambda: plan_placement(spec, options))
    return {
        "case": name,
        "vms": len(vms),
        "blades": plan.blades_used,
        "bound": bound.best,
        "best_bound": plan.best_bound,
        "first_fit": nova,
        "ffd": bins_used(ffd) if ffd is not None else None,
        "dedicated": sum(dedicated.values()),
        "optimal": plan.optimal,
        "method": plan.solve.method,
        "seconds": seconds,
        "first_fit_seconds": nova_seconds,
        "ffd_seconds": ffd_seconds,
        "dedicated_seconds": dedicated_seconds,
    }


def _saved(baseline: int | None, blades: int) -> str:
    """Blades saved against ``baseline`` and the share of it, e.g. '-6 (12.5%)'."""
    if baseline is None:
        return "no fit"
    return f"{blades - baseline:+d} ({100 * (baseline - blades) / baseline:.1f}%)"


def with_one_more_business(spec: PlatformSpec, slot: int) -> PlatformSpec:
    """``spec`` and one more small business (two web and two app VMs) in its first area with a load balancer."""
    data = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    area = next(area.id for area in spec.areas if spec.middleware.in_area(MiddlewareRole.LOAD_BALANCER, area.id))
    data["businesses"].append(
        {
            "id": "added-business",
            "name": "追加業務",
            "name_en": "Added business",
            "vendor": "bench",
            "area": area,
            "network_slot": slot,
            "tiers": {
                "web": {"replicas": 2, "vcpu": 2, "ram_gb": 4, "disk": {"tier": "fast", "size_gb": 40}},
                "app": {"replicas": 2, "vcpu": 2, "ram_gb": 8, "disk": {"tier": "fast", "size_gb": 60}},
            },
        }
    )
    grown = PlatformSpec.model_validate(data)
    problems = check_spec(grown)
    if problems:
        raise ValueError(f"the grown city is not a valid spec: {problems[:3]}")
    return grown


def _moved(before: PlacementPlan, after: PlacementPlan) -> int:
    where = {p.vm.name: p.blade for p in before.placements}
    return sum(1 for p in after.placements if p.vm.name in where and where[p.vm.name] != p.blade)


def stays_put_row(name: str, spec: PlatformSpec, options: PlanOptions) -> dict[str, Any]:
    """Add one business to ``spec``: VMs moved and blades used, re-planned with --previous and from scratch."""
    before = plan_placement(spec, options)
    slot = max(business.network_slot for business in spec.businesses) + 1
    grown = with_one_more_business(spec, slot)
    started = time.monotonic()
    kept = plan_placement(grown, options, previous={p.vm.name: (p.chassis, p.blade) for p in before.placements})
    kept_seconds = time.monotonic() - started
    scratch = plan_placement(grown, options)
    assert kept.continuity is not None
    assert len(kept.continuity.moves) == _moved(before, kept)
    return {
        "case": name,
        "vms": len(expand_vms(grown)),
        "before_blades": before.blades_used,
        "moved_previous": _moved(before, kept),
        "moved_scratch": _moved(before, scratch),
        "blades_previous": kept.blades_used,
        "blades_scratch": scratch.blades_used,
        "proven": kept.continuity.fewest_moves_proven,
        "seconds": kept_seconds,
    }


def triplets(bins: int, rng: random.Random) -> list[int]:
    """Falkenauer's 't' construction: a first item in [380, 490], a second in [250, rest/2], the third fills 1000."""
    sizes = []
    for _ in range(bins):
        first = rng.randint(380, 490)
        second = rng.randint(250, (1000 - first) // 2)
        sizes += [first, second, 1000 - first - second]
    rng.shuffle(sizes)
    return sizes


def _binpack(sizes: list[int], capacity: int, options: SolverOptions) -> dict[str, Any]:
    problem = one_dimensional(sizes, capacity)  # as many bins as first-fit-decreasing uses
    # First fit (items in the order given) may need more bins than that: count it with one bin per item.
    nova = first_fit(one_dimensional(sizes, capacity, bins=len(sizes)))
    assert nova is not None
    ffd = first_fit_decreasing(problem)
    bound = lower_bounds(problem)
    started = time.monotonic()
    # First fit opens bins in order, so when it needs no more bins than the problem has, it is a valid start.
    starts = [ffd, nova if bins_used(nova) <= len(problem.bins) else None]
    result = solve_packing(problem, options, starts, bound.best)
    seconds = time.monotonic() - started
    assert result.assignment is not None
    violations = verify_assignment(problem, result.assignment)
    if violations:
        raise AssertionError(f"invalid packing: {violations[:3]}")
    return {
        "bins": bins_used(result.assignment),
        "l2": bound.martello_toth,
        "first_fit": bins_used(nova),
        "ffd": bins_used(ffd) if ffd else len(sizes),
        "seconds": seconds,
    }


def _binpack_cells(result: dict[str, Any]) -> str:
    return f"{result['bins']:>6}{result['first_fit']:>5}{result['ffd']:>5}{result['seconds']:>7.1f}"


def _cities(args: argparse.Namespace) -> list[dict[str, Any]]:
    print("(a, b) cities: blades of the planner and of each baseline run alone, and the seconds each took")
    print(
        f"{'case':<16}{'VMs':>6}{'dedicated':>11}{'FF':>6}{'FFD':>6}{'planner':>9}{'bound':>7}"
        f"{'s dedic.':>10}{'s FF':>7}{'s FFD':>7}{'s plan':>8}  method"
    )
    rows = [city_row("sample city", load_spec(SAMPLE), PlanOptions(work_limit=10.0, seed=0))]
    if not args.skip_large:
        city = synthetic_city(2000, args.seed)
        rows.append(city_row("synthetic 2000", city, PlanOptions(work_limit=args.city_work_limit, seed=0)))
    for row in rows:
        ffd = "-" if row["ffd"] is None else str(row["ffd"])
        print(
            f"{row['case']:<16}{row['vms']:>6}{row['dedicated']:>11}{row['first_fit']:>6}{ffd:>6}{row['blades']:>9}"
            f"{row['bound']:>7}{row['dedicated_seconds']:>10.1f}{row['first_fit_seconds']:>7.2f}"
            f"{row['ffd_seconds']:>7.2f}{row['seconds']:>8.1f}  {row['method']}"
        )
    print("\nthe planner's blades against each: consolidation (vs dedicated), the solver's own (vs FF, FFD), the bound")
    print(f"{'case':<16}{'vs dedicated':>16}{'vs FF':>14}{'vs FFD':>14}{'above bound':>14}{'proven':>8}")
    for row in rows:
        blades = row["blades"]
        above = blades - row["best_bound"]
        distance = f"+{above} ({100 * above / blades:.1f}%)"
        print(
            f"{row['case']:<16}{_saved(row['dedicated'], blades):>16}{_saved(row['first_fit'], blades):>14}"
            f"{_saved(row['ffd'], blades):>14}{distance:>14}"
            f"{'yes' if row['optimal'] else 'no':>8}"
        )
    return rows


def _binpacking(args: argparse.Namespace) -> str:
    print("\n(c) one-dimensional bin packing (same solver; placement.binpack)")
    print(f"{'class':<7}{'n':>4}{'optimum/L2':>12}{'bins':>6}{'FF':>5}{'FFD':>5}{'s':>7}")
    rng = random.Random(args.seed)
    options = SolverOptions(time_limit=args.binpack_work_limit, seed=0)
    triplet_rows: list[tuple[int, int, dict[str, Any]]] = []
    for bins in (20, 40):
        for _ in range(args.instances):
            result = _binpack(triplets(bins, rng), 1000, options)
            triplet_rows.append((bins * 3, bins, result))
            print(f"t{bins * 3:<6}{bins * 3:>4}{bins:>12}" + _binpack_cells(result))
    uniform_rows = []
    for _ in range(args.instances):
        result = _binpack([rng.randint(20, 100) for _ in range(120)], 150, options)
        uniform_rows.append(result)
        print(f"{'u120':<7}{120:>4}{result['l2']:>12}" + _binpack_cells(result))
    optimal = sum(1 for _, opt, r in triplet_rows if r["bins"] == opt)
    worst = max(r["bins"] - opt for _, opt, r in triplet_rows)
    at_l2 = sum(1 for r in uniform_rows if r["bins"] == r["l2"])
    u_ratio = sum(r["bins"] for r in uniform_rows) / sum(r["l2"] for r in uniform_rows)
    every = [r for _, _, r in triplet_rows] + uniform_rows
    below_ff = sum(1 for r in every if r["bins"] < r["first_fit"])
    below_ffd = sum(1 for r in every if r["bins"] < r["ffd"])
    return (
        f"triplets optimal {optimal}/{len(triplet_rows)} ({100 * optimal / len(triplet_rows):.0f}%), worst +{worst}; "
        f"u120 {at_l2}/{len(uniform_rows)} at L2, {u_ratio:.3f} x L2; "
        f"solver below first fit on {below_ff}/{len(every)}, below FFD on {below_ffd}/{len(every)}"
    )


def _stays_put(args: argparse.Namespace) -> list[dict[str, Any]]:
    print("\n(d) one business added: VMs moved and blades, re-planned with --previous and from scratch")
    print(
        f"{'case':<16}{'VMs':>6}{'blades before':>15}{'moved prev.':>13}{'moved scratch':>15}"
        f"{'blades prev.':>14}{'blades scratch':>16}{'proven':>8}{'s':>7}"
    )
    options = PlanOptions(work_limit=args.stays_work_limit, seed=0)
    rows = [stays_put_row("sample city", load_spec(SAMPLE), options)]
    scaled = synthetic_city(args.scaled_vms, args.seed, chassis=6, blades_per_chassis=max(4, args.scaled_vms // 30))
    rows.append(stays_put_row(f"synthetic {args.scaled_vms}", scaled, options))
    for row in rows:
        print(
            f"{row['case']:<16}{row['vms']:>6}{row['before_blades']:>15}{row['moved_previous']:>13}"
            f"{row['moved_scratch']:>15}{row['blades_previous']:>14}{row['blades_scratch']:>16}"
            f"{'yes' if row['proven'] else 'no':>8}{row['seconds']:>7.1f}"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10, help="instances per bin-packing class")
    parser.add_argument(
        "--city-work-limit", "--city-time-limit", type=float, default=30.0, help="--work-limit for the 2,000-VM city"
    )
    parser.add_argument(
        "--binpack-work-limit", "--binpack-time-limit", type=float, default=5.0, help="work limit per instance"
    )
    parser.add_argument("--stays-work-limit", type=float, default=5.0, help="--work-limit of each plan in (d)")
    parser.add_argument("--scaled-vms", type=int, default=600, help="VMs of the scaled city in (d)")
    parser.add_argument("--skip-large", action="store_true", help="leave out the 2,000-VM city")
    parser.add_argument("--skip-binpack", action="store_true", help="leave out (c)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    rows = _cities(args)
    binpack = "" if args.skip_binpack else _binpacking(args)
    stays = _stays_put(args)
    parts = []
    for row in rows:
        consolidation = 1 - row["blades"] / row["dedicated"]
        parts.append(
            f"{row['case']} {row['blades']} blades: consolidation {100 * consolidation:.0f}% fewer than dedicated "
            f"({row['dedicated']}; target >= {100 * CONSOLIDATION_TARGET:.0f}%: "
            f"{'met' if consolidation >= CONSOLIDATION_TARGET else 'MISSED'}); solver's own "
            f"{_saved(row['first_fit'], row['blades'])} vs first fit, {_saved(row['ffd'], row['blades'])} vs FFD; "
            f"{row['blades'] - row['best_bound']} above the lower bound {row['best_bound']}; {row['seconds']:.1f} s"
        )
        if row["case"] != "sample city":
            met = "met" if row["seconds"] <= CITY_SECONDS_TARGET else "MISSED"
            parts[-1] += f" (target <= {CITY_SECONDS_TARGET:.0f} s: {met})"
    if binpack:
        parts.append(binpack)
    for row in stays:
        parts.append(
            f"{row['case']} + 1 business: moved {row['moved_previous']} with --previous "
            f"({row['blades_previous']} blades) vs {row['moved_scratch']} from scratch ({row['blades_scratch']} blades)"
        )
    print("\nsummary: " + "; ".join(parts))


if __name__ == "__main__":
    main()
