"""Load a catalogue version from ``catalog/data/standard-v<N>.yaml``."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from kiban_platform.spec.model import AreaLevel, Identifier, Integrations, Licence, Month, StrictModel, Tiers
from kiban_platform.spec.problems import Problem, SpecError
from kiban_platform.spec.source import read_yaml
from kiban_platform.spec.validation_errors import problems_from_validation_error

DATA_DIR = Path(__file__).parent / "data"


class CatalogueEntry(StrictModel):
    """A standardised business as the catalogue proposes it; a spec entry overrides any field."""

    id: Identifier
    number: int = Field(ge=1, le=1023, description="fixed network slot of this business")
    name: str
    name_en: str
    default_area_level: AreaLevel
    tiers: Tiers
    peak_months: list[Month] = Field(default_factory=list)
    off_peak_load: float = Field(default=0.5, gt=0.0, le=1.0)
    licence: Licence = Field(default_factory=Licence)
    integrations: Integrations = Field(default_factory=Integrations)


class Catalogue(StrictModel):
    version: int
    title: str
    sizes: dict[str, Any] = Field(default_factory=dict, description="YAML anchors shared by entries")
    businesses: list[CatalogueEntry]

    def entry(self, entry_id: str) -> CatalogueEntry | None:
        return next((entry for entry in self.businesses if entry.id == entry_id), None)

    def raw_entry(self, entry_id: str) -> dict[str, Any]:
        """The entry as plain data, ready to be merged under a spec's overrides."""
        entry = self.entry(entry_id)
        if entry is None:
            raise KeyError(entry_id)
        return entry.model_dump(mode="json", exclude_unset=True)


def catalogue_file(version: int) -> Path:
    return DATA_DIR / f"standard-v{version}.yaml"


def available_versions() -> list[int]:
    return sorted(int(path.stem.removeprefix("standard-v")) for path in DATA_DIR.glob("standard-v*.yaml"))


@functools.cache
def load_catalogue(version: int) -> Catalogue:
    """Read and check one catalogue version; an unknown version is a SpecError naming the known ones."""
    file = catalogue_file(version)
    if not file.exists():
        known = ", ".join(map(str, available_versions()))
        raise SpecError(file, [Problem(("version",), f"no catalogue version {version}; available: {known}")])
    source = read_yaml(file)
    try:
        catalogue = Catalogue.model_validate(source.data)
    except ValidationError as error:
        raise SpecError(file, problems_from_validation_error(error, source.lines, Catalogue)) from None
    if catalogue.version != version:
        raise SpecError(file, [Problem(("version",), f"file says version {catalogue.version}, expected {version}")])
    return catalogue
