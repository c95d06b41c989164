"""The keys of a stack's ``inventory`` the report reads beyond those verification checks (kiban/verify/schema.py).

A site stack's inventory adds where everything is (HYBRID.md §6.4): its site, the city's sites,
links and cross-site flows, each host's and rule end's site, each declared flow's data class; every
inventory has its areas' names and its segments' businesses. A state is a file from outside, so these
are checked like the rest before the report reads them: a wrong shape is ``FILE: json.path: message``
and exit 2, never a traceback.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from kiban_platform.spec.problems import FieldPath, Problem
from kiban_platform.spec.stack_outputs import CrossSiteFlow, HybridLink, HybridSite

Name = Annotated[StrictStr, Field(min_length=1)]
MAX_PROBLEMS = 20


class _Read(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class SegmentNames(_Read):
    business: StrictStr | None = None


class AreaNames(_Read):
    name: StrictStr | None = None
    level: StrictStr | None = None
    segments: list[SegmentNames] = []


class HostSite(_Read):
    site: StrictStr | None = None
    blade: StrictStr | StrictInt | None = None


class RuleEnd(_Read):
    site: StrictStr | None = None


class RuleData(_Read):
    source: RuleEnd = Field(alias="from")
    destination: RuleEnd = Field(alias="to")
    data: StrictStr | None = None


class ReportInventory(_Read):
    municipality: StrictStr | None = None
    site: Name | None = None
    # The hybrid keys: the one schema of kiban_platform/spec/stack_outputs.py (checked there for consistency too).
    sites: list[HybridSite] | None = None
    links: list[HybridLink] | None = None
    cross_site_flows: list[CrossSiteFlow] | None = None
    areas: list[AreaNames]
    hosts: list[HostSite]
    flows: list[RuleData]


def report_inventory_problems(document: Any, where: FieldPath) -> list[Problem]:
    """What the report cannot read in an inventory (found at ``where`` in its file); empty when it can."""
    try:
        ReportInventory.model_validate(document)
    except ValidationError as error:
        return [
            Problem((*where, *item["loc"]), str(item["msg"]).removeprefix("Value error, "))
            for item in error.errors()[:MAX_PROBLEMS]
        ]
    return []
