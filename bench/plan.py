"""bench/plan: how many blades `kiban plan` buys, against the baselines and bounds measured in the same run.

(a) the sample city: blades used vs the dedicated baseline (one set of blades per business,
    target: at least 30% fewer) and vs Nova-style first fit (never more);
(b) a synthetic 2,000-VM city (catalogue businesses with their real peak months, random
    sizes of replica sets and off-peak loads, 6 chassis): seconds end to end (target: 60 s or
    less on 2 cores), blades vs the lower bound and the baselines;
(c) classic one-dimensional bin packing through the same solver (placement.binpack):
    Falkenauer-style triplets t60 and t120 (three items fill a bin of 1000 exactly, so the
    optimum is n/3; target: optimum on at least 90% and never more than optimum + 1), and
    uniform u120 (items uniform in [20, 100], bins of 150) scored against Martello-Toth L2.
Every instance is generated from a fixed seed; every placement is checked by the verifier.

Run: .venv/bin/python bench/plan.py [--instances 10] [--city-time-limit 30] [--binpack-time-limit 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from catalog import load_catalogue  # noqa: E402
from placement.binpack import one_dimensional  # noqa: E402
from placement.bounds import lower_bounds  # noqa: E402
from placement.first_fit import first_fit, first_fit_decreasing  # noqa: E402
from placement.options import PlanOptions  # noqa: E402
from placement.plan import PlacementPlan, plan_placement  # noqa: E402
from placement.problem import bins_used  # noqa: E402
from placement.solver import SolverOptions, solve_packing  # noqa: E402
from placement.verify import verify_assignment  # noqa: E402
from spec.checks import check_spec  # noqa: E402
from spec.load import load_spec  # noqa: E402
from spec.model import PlatformSpec  # noqa: E402

SAMPLE = REPO / "specs" / "sample-city.yaml"
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


def _timed_plan(spec: PlatformSpec, options: PlanOptions) -> tuple[PlacementPlan, float]:
    started = time.monotonic()
    plan = plan_placement(spec, options)
    return plan, time.monotonic() - started


def _city_row(name: str, plan: PlacementPlan, seconds: float) -> dict[str, Any]:
    return {
        "case": name,
        "vms": len(plan.placements),
        "blades": plan.blades_used,
        "lower_bound": plan.lower_bound,
        "first_fit": plan.first_fit,
        "dedicated": plan.dedicated_baseline,
        "vs_dedicated": plan.blades_used / plan.dedicated_baseline,
        "vs_first_fit": plan.blades_used / plan.first_fit,
        "vs_bound": plan.blades_used / plan.lower_bound,
        "optimal": plan.optimal,
        "licences_jpy": plan.licence_cost_jpy,
        "method": plan.solve.method,
        "seconds": seconds,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10, help="instances per bin-packing class")
    parser.add_argument("--city-time-limit", type=float, default=30.0, help="--time-limit for the 2,000-VM city")
    parser.add_argument("--binpack-time-limit", type=float, default=5.0, help="time limit per bin-packing instance")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    print("(a, b) cities: blades used against the baselines measured in the same run")
    print(
        f"{'case':<16}{'VMs':>6}{'blades':>8}{'bound':>7}{'FF':>5}{'dedic.':>8}"
        f"{'/dedic.':>9}{'/FF':>7}{'/bound':>8}{'opt':>5}{'s':>7}  method"
    )
    rows = []
    sample, seconds = _timed_plan(load_spec(SAMPLE), PlanOptions(time_limit=10.0, seed=0))
    rows.append(_city_row("sample city", sample, seconds))
    city = synthetic_city(2000, args.seed)
    big, seconds = _timed_plan(city, PlanOptions(time_limit=args.city_time_limit, seed=0))
    rows.append(_city_row("synthetic 2000", big, seconds))
    for row in rows:
        print(
            f"{row['case']:<16}{row['vms']:>6}{row['blades']:>8}{row['lower_bound']:>7}{row['first_fit']:>5}"
            f"{row['dedicated']:>8}{row['vs_dedicated']:>9.3f}{row['vs_first_fit']:>7.3f}{row['vs_bound']:>8.3f}"
            f"{'yes' if row['optimal'] else 'no':>5}{row['seconds']:>7.1f}  {row['method']}"
        )

    print("\n(c) one-dimensional bin packing (same solver; placement.binpack)")
    print(f"{'class':<7}{'n':>4}{'optimum/L2':>12}{'bins':>6}{'FF':>5}{'FFD':>5}{'s':>7}")
    rng = random.Random(args.seed)
    options = SolverOptions(time_limit=args.binpack_time_limit, seed=0)
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
    sample_row, big_row = rows
    never_above_ff = (
        all(r["bins"] <= r["first_fit"] for _, _, r in triplet_rows)
        and all(r["bins"] <= r["first_fit"] for r in uniform_rows)
        and sample_row["vs_first_fit"] <= 1
        and big_row["vs_first_fit"] <= 1
    )
    print(
        "\nsummary: "
        f"sample {sample_row['blades']} blades = {sample_row['vs_dedicated']:.3f} x dedicated "
        f"({100 * (1 - sample_row['vs_dedicated']):.0f}% fewer), {sample_row['vs_first_fit']:.3f} x first fit; "
        f"2000 VMs in {big_row['seconds']:.1f} s, {big_row['vs_bound']:.3f} x lower bound, "
        f"{big_row['vs_first_fit']:.3f} x first fit, {big_row['vs_dedicated']:.3f} x dedicated; "
        f"triplets optimal {optimal}/{len(triplet_rows)} ({100 * optimal / len(triplet_rows):.0f}%), worst +{worst}; "
        f"u120 {at_l2}/{len(uniform_rows)} at L2, {u_ratio:.3f} x L2; "
        f"never above first fit: {'yes' if never_above_ff else 'NO'}"
    )


if __name__ == "__main__":
    main()
