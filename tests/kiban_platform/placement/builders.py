"""Small specs and packing problems for the placement tests, built in code so each test shows its numbers."""

from __future__ import annotations

import random
from typing import Any

from kiban_platform.placement.problem import Assignment, Bin, Item, PackingProblem
from kiban_platform.spec.model import PlatformSpec


def blade(blade_id: str, vcpu: int = 16, ram_gb: int = 64, disk_gb: int = 1000) -> dict[str, Any]:
    return {"id": blade_id, "vcpu": vcpu, "ram_gb": ram_gb, "disk_gb": disk_gb}


def chassis(count: int, blades: int, **size: int) -> list[dict[str, Any]]:
    """``count`` chassis c1.. with ``blades`` equal blades each (c1-b1, c1-b2, ...)."""
    return [
        {"id": f"c{c}", "blades": [blade(f"c{c}-b{b}", **size) for b in range(1, blades + 1)]}
        for c in range(1, count + 1)
    ]


def tier(replicas: int, vcpu: int = 2, ram_gb: int = 8, disk_gb: int = 50, **flags: Any) -> dict[str, Any]:
    return {"replicas": replicas, "vcpu": vcpu, "ram_gb": ram_gb, "disk": {"tier": "fast", "size_gb": disk_gb}, **flags}


def business(business_id: str, slot: int, tiers: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "id": business_id,
        "name": business_id,
        "name_en": business_id,
        "vendor": "V",
        "area": "office",
        "network_slot": slot,
        "tiers": tiers,
        **fields,
    }


def spec_data(
    chassis_list: list[dict[str, Any]],
    businesses: list[dict[str, Any]],
    middleware: dict[str, Any] | None = None,
    overcommit: float = 1.0,
) -> dict[str, Any]:
    return {
        "municipality": {"name": "試験市", "name_en": "Test City", "code": "149993", "class": "other"},
        "failure_domains": {"vcpu_overcommit": overcommit, "chassis": chassis_list},
        "areas": [
            {
                "id": "office",
                "name": "LGWAN接続系",
                "name_en": "LGWAN",
                "level": "middle",
                "vlans": {"first": 200, "last": 299},
                "supernet": "10.20.0.0/16",
            }
        ],
        "middleware": middleware or {},
        "businesses": businesses,
    }


def make_spec(*args: Any, **kwargs: Any) -> PlatformSpec:
    return PlatformSpec.model_validate(spec_data(*args, **kwargs))


def one_d(sizes: list[int], capacity: int, bins: int, groups: list[str | None] | None = None) -> PackingProblem:
    """A one-period, one-resource problem with ``bins`` bins spread over two domains (even, odd)."""
    groups = groups or [None] * len(sizes)
    return PackingProblem(
        resources=("size",),
        periods=("-",),
        domains=("d0", "d1"),
        bins=tuple(Bin(f"b{b}", b % 2, (capacity,), (capacity,)) for b in range(bins)),
        items=tuple(
            Item(f"i{i}", ((size,),), (size,), group) for i, (size, group) in enumerate(zip(sizes, groups, strict=True))
        ),
    )


def placed(assignment: Assignment | None) -> Assignment:
    """The assignment a solve found (failing the test when it found none)."""
    assert assignment is not None
    return assignment


def crowded_city(businesses: int = 30, seed: int = 7) -> PlatformSpec:
    """Businesses of mixed sizes and peak months on 3 x 10 small blades: first fit leaves blades to save."""
    return PlatformSpec.model_validate(crowded_city_data(businesses, seed))


def crowded_city_data(businesses: int = 30, seed: int = 7) -> dict[str, Any]:
    """The spec of ``crowded_city`` as data, to write to a file."""
    rng = random.Random(seed)
    entries = []
    for index in range(businesses):
        app = tier(
            rng.choice((2, 3)),
            vcpu=rng.choice((2, 4, 8)),
            ram_gb=rng.choice((12, 20, 28, 44)),
            disk_gb=rng.choice((50, 100, 200)),
        )
        db = tier(2, vcpu=2, ram_gb=rng.choice((4, 8)), disk_gb=40)
        peak = {"peak_months": [rng.randint(1, 12)], "off_peak_load": rng.choice((0.3, 0.5))}
        entries.append(business(f"b{index:02d}", index + 1, {"app": app, "db": db}, **peak))
    return spec_data(chassis(3, 10, vcpu=32, ram_gb=128, disk_gb=2000), entries, overcommit=2.0)
