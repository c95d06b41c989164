"""The spec's JSON Schema, as editors should see it."""

from __future__ import annotations

import copy
from typing import Any

from kiban_platform.spec.model import Business, Disk, PlatformSpec, Tier, Tiers


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _partial(definition: dict[str, Any]) -> dict[str, Any]:
    partial = copy.deepcopy(definition)
    partial.pop("required", None)
    return partial


def spec_json_schema() -> dict[str, Any]:
    """The schema of a spec file as written, before catalogue entries are expanded.

    A business written as ``- catalog: juki`` needs only ``catalog`` and ``vendor``, and its
    ``tiers`` may override single fields (or remove a tier with null); any other business
    needs every field the model requires.
    """
    schema = PlatformSpec.model_json_schema(by_alias=True)
    defs = schema["$defs"]
    defs["TierOverride"] = _partial(defs[Tier.__name__])
    defs["TierOverride"]["properties"]["disk"] = _ref("DiskOverride")
    defs["DiskOverride"] = _partial(defs[Disk.__name__])
    overrides = _partial(defs[Tiers.__name__])
    overrides["properties"] = {
        name: {"anyOf": [_ref("TierOverride"), {"type": "null"}], "description": "override, or null to remove"}
        for name in overrides["properties"]
    }
    defs["TiersOverride"] = overrides

    business = defs[Business.__name__]
    required = business.pop("required", [])
    full_tiers = business["properties"]["tiers"]
    business["properties"]["tiers"] = {"description": "tiers: web, app, db, batch"}
    business["anyOf"] = [
        {
            "title": "from the catalogue, with overrides",
            "required": ["catalog", "vendor"],
            "properties": {"tiers": _ref("TiersOverride")},
        },
        {
            "title": "written out in full",
            "required": required,
            "properties": {"tiers": full_tiers},
            "not": {"required": ["catalog"]},
        },
    ]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
