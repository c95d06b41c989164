"""A plan file as data: the fleet it places and its summary, read without the planner.

Below both the planner (``plan``: a previous plan for ``--previous``) and the program's placement
(``fleet``), so neither imports the other to read a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiban_platform.spec.jsonsource import read_json
from kiban_platform.spec.problems import Problem, SpecError


@dataclass(frozen=True)
class PlacedFleet:
    where: Mapping[str, tuple[str, str]]  # VM name -> (chassis id, blade id)
    sizing: Mapping[str, Any]  # SIZING_KEYS, plus "blades": blade -> its VMs
    source: str  # "planned now" or the plan file's path


def read_plan_document(file: Path) -> tuple[dict[str, tuple[str | None, str]], dict[str, Any]]:
    """The placements (VM -> chassis as written or None, blade) and summary of a plan file; SpecError if it is not one.

    Only ``placements[].vm``, ``placements[].blade`` (and ``chassis`` when present) and a
    ``summary`` object are required, so plan files of every kiban version stay readable.
    """
    if not file.exists():
        raise SpecError(file, [Problem((), "plan file not found")])
    document = read_json(file, "plan file", "not a kiban plan (the JSON of `kiban plan --format json`)")
    placements = document.get("placements") if isinstance(document, dict) else None
    summary = document.get("summary") if isinstance(document, dict) else None
    if not isinstance(placements, list) or not isinstance(summary, dict):
        raise SpecError(file, [Problem((), "not a kiban plan: expected 'placements' and 'summary'")])
    where: dict[str, tuple[str | None, str]] = {}
    first_seen: dict[str, int] = {}
    problems: list[Problem] = []
    for index, entry in enumerate(placements):
        if not isinstance(entry, dict):
            problems.append(Problem(("placements", index), "expected an object with 'vm' and 'blade'"))
            continue
        for key in ("vm", "blade"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                problems.append(Problem(("placements", index, key), f"needs '{key}' (a name)"))
        chassis = entry.get("chassis")
        if chassis is not None and not isinstance(chassis, str):
            problems.append(Problem(("placements", index, "chassis"), "must be a chassis id"))
        vm, blade = entry.get("vm"), entry.get("blade")
        if not (isinstance(vm, str) and vm and isinstance(blade, str) and blade):
            continue
        if vm in first_seen:
            problems.append(
                Problem(("placements", index, "vm"), f"{vm} is placed twice (also placements[{first_seen[vm]}])")
            )
            continue
        first_seen[vm] = index
        where[vm] = (chassis if isinstance(chassis, str) else None, blade)
    if problems:
        raise SpecError(file, problems)
    return where, summary
