"""Load a platform spec: YAML, catalogue entries, shape, then whole-spec rules.

Every stage collects all its problems before giving up, so one run of
``kiban validate`` lists everything a person has to fix in that stage.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kiban_platform.spec.catalogue import Catalogue, load_catalogue
from kiban_platform.spec.checks import check_spec
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.operations_plan import with_operations_flows
from kiban_platform.spec.problems import Problem, SpecError, capped, known_ids, with_lines
from kiban_platform.spec.source import read_yaml
from kiban_platform.spec.validation_errors import problems_from_validation_error


def merge_overrides(base: Any, overrides: Any) -> Any:
    """Overlay ``overrides`` on ``base``: mappings merge key by key, a null removes the key, the rest replaces."""
    if not (isinstance(base, dict) and isinstance(overrides, dict)):
        return copy.deepcopy(overrides)
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_overrides(merged.get(key), value)
    return merged


def _areas_of_level(data: dict[str, Any], level: str) -> list[str]:
    areas = data.get("areas")
    if not isinstance(areas, list):
        return []
    return [str(area.get("id")) for area in areas if isinstance(area, dict) and area.get("level") == level]


def expand_catalogue_entries(data: dict[str, Any], catalogue: Catalogue) -> tuple[dict[str, Any], list[Problem]]:
    """Replace each ``- catalog: <id>`` business by the catalogue entry with the spec's overrides on top."""
    businesses = data.get("businesses")
    if not isinstance(businesses, list):
        return data, []
    problems: list[Problem] = []
    expanded: list[Any] = []
    known = ", ".join(entry.id for entry in catalogue.businesses)
    for index, business in enumerate(businesses):
        if not isinstance(business, dict) or "catalog" not in business:
            expanded.append(business)
            continue
        entry_id = business["catalog"]
        entry = catalogue.entry(entry_id) if isinstance(entry_id, str) else None
        if entry is None:
            problems.append(
                Problem(
                    ("businesses", index, "catalog"),
                    f"unknown catalogue entry {entry_id!r} in catalogue version {catalogue.version}; known: {known}",
                )
            )
            expanded.append(business)
            continue
        base = catalogue.raw_entry(entry.id)
        base.pop("default_area_level")
        base["network_slot"] = base.pop("number")
        merged = merge_overrides(base, business)
        if "area" not in business:
            candidates = _areas_of_level(data, entry.default_area_level)
            if len(candidates) == 1:
                merged["area"] = candidates[0]
            else:
                found = f"several ({known_ids(candidates)})" if candidates else "none"
                problems.append(
                    Problem(
                        ("businesses", index, "area"),
                        f"catalogue entry '{entry.id}' belongs in a '{entry.default_area_level}' area and the spec "
                        f"has {found}: set area",
                    )
                )
        expanded.append(merged)
    return {**data, "businesses": expanded}, problems


SpecCheck = Callable[[PlatformSpec], Sequence[Problem]]


def load_spec(file: Path | str, *more_checks: SpecCheck, one_place_for: str | None = None) -> PlatformSpec:
    """Return the checked spec in ``file`` or raise SpecError listing every problem found.

    ``more_checks`` (a target's own rules, e.g. ``backends.target_problems``) run on a spec that
    passed every stage, and their problems are located in the file like the others. A spec with
    ``sites`` names a target per site, so it refuses them with a problem at ``sites``.

    ``one_place_for`` names work that plans a single place (the network and placement plans, the
    program, the lab): a spec with ``sites`` is refused for it at ``sites`` until that work is
    done per site, rather than planned as if its sites were one.
    """
    file = Path(file)
    source = read_yaml(file)
    data = source.data
    if data is None:
        raise SpecError(file, [Problem((), "the file is empty; expected a platform spec (a YAML mapping)")])
    if not isinstance(data, dict):
        raise SpecError(file, [Problem((), f"expected a YAML mapping at the top, found a {type(data).__name__}")])

    version = data.get("catalog_version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise SpecError(file, with_lines([Problem(("catalog_version",), "must be a whole number")], source.lines))
    try:
        catalogue = load_catalogue(version)
    except SpecError as error:
        message = error.problems[0].message
        raise SpecError(file, with_lines([Problem(("catalog_version",), message)], source.lines)) from None

    data, problems = expand_catalogue_entries(data, catalogue)
    try:
        # Strict, through JSON: a number must be written as a number ("2", or the text YAML 1.1 would have
        # read as one, is refused, not converted), while enums, CIDRs and ports still come from text.
        spec = PlatformSpec.model_validate_json(json.dumps(data, ensure_ascii=False), strict=True)
    except ValidationError as error:
        problems += problems_from_validation_error(error, source.lines, PlatformSpec)
        raise SpecError(file, capped(with_lines(problems, source.lines))) from None
    problems += check_spec(spec)
    if problems:
        raise SpecError(file, capped(with_lines(problems, source.lines)))
    # From here on the operations planes' flows are flows of the spec like the declared ones, so every
    # planner (site views, links, inventories, the audit) sees them without a special case.
    spec = with_operations_flows(spec)
    problems += _sites_refusals(spec, one_place_for, bool(more_checks))
    if problems:
        raise SpecError(file, capped(with_lines(problems, source.lines)))
    for check in more_checks:
        problems += check(spec)
    if problems:
        raise SpecError(file, capped(with_lines(problems, source.lines)))
    return spec


def _sites_refusals(spec: PlatformSpec, one_place_for: str | None, target_checks: bool) -> list[Problem]:
    """A spec with sites, refused where it is read as one place: by work that plans one place, or by
    one target's checks (each site names its own target)."""
    if not spec.sites:
        return []
    if one_place_for is not None:
        sites = ", ".join(site.id for site in spec.sites)
        return [
            Problem(
                ("sites",),
                f"{one_place_for} plans one place, and this spec has sites ({sites}); planning per site is not "
                "built yet: `kiban validate` checks the spec",
            )
        ]
    if target_checks:
        targets = ", ".join(f"{site.id}: {site.target.value}" for site in spec.sites)
        return [
            Problem(
                ("sites",),
                f"this spec names the target of each of its sites ({targets}); a single target's checks do not "
                "apply to it: validate it without a target",
            )
        ]
    return []
