"""A city's second day: adding, removing or reordering businesses leaves everything else alone.

Asserted from renders of the sample city on both targets, as `pulumi preview` would see them: every
resource that exists before and after the change has the same inputs, parent and provider (so the
providers neither replace nor update it), and nothing disappears but the removed business's own.
Placement comes from the sample's reviewed plan file, brought up to date the way a vendor does
(`kiban plan SPEC --previous PLAN`), so no VM moves either.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kiban.cli import app
from kiban.render import PROJECT_DIR, load_stack_config, render
from kiban_platform.backends.openstack.backend import vendor_resource_name
from tests.conftest import REPO, SAMPLE_SPEC

# Two full renders of the changed sample and a placement plan of it: minutes, so CI's `pytest -m slow` runs it.
pytestmark = pytest.mark.slow

SAMPLE_PLAN = REPO / "plans" / "sample-city.json"
ADDED = "gesuido-ryokin"
REMOVED = "inkan-toroku"

# A business the city adds on its second day: 下水道料金 in the LGWAN area, in a slot nobody uses.
NEW_BUSINESS: dict[str, Any] = {
    "id": ADDED,
    "name": "下水道料金",
    "name_en": "Sewerage charges",
    "vendor": "カッパ料金システム株式会社",
    "area": "lgwan",
    "network_slot": 30,
    "peak_months": [4, 10],
    "tiers": {
        "web": {"replicas": 2, "vcpu": 2, "ram_gb": 4, "disk": {"tier": "fast", "size_gb": 40}},
        "app": {"replicas": 2, "vcpu": 4, "ram_gb": 8, "disk": {"tier": "fast", "size_gb": 60}},
        "batch": {
            "replicas": 1,
            "redundant": False,
            "anti_affinity": False,
            "vcpu": 2,
            "ram_gb": 4,
            "disk": {"tier": "capacity", "size_gb": 100},
        },
    },
    "integrations": {"consumes": ["shinsei-data"]},
}


def _changed_spec() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(yaml.safe_load(SAMPLE_SPEC.read_text(encoding="utf-8")))
    businesses = [b for b in data["businesses"] if b.get("catalog", b.get("id")) != REMOVED]
    data["businesses"] = [*reversed(businesses), NEW_BUSINESS]
    return data


@pytest.fixture(scope="module")
def changed_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The changed spec and its plan, updated from the reviewed one with `kiban plan --previous`."""
    folder = tmp_path_factory.mktemp("day-two")
    spec = folder / "sample-city.yaml"
    spec.write_text(yaml.safe_dump(_changed_spec(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    plan = folder / "sample-city.json"
    result = CliRunner().invoke(
        app, ["plan", str(spec), "--previous", str(SAMPLE_PLAN), "--format", "json", "--out", str(plan)]
    )
    assert result.exit_code == 0, result.output
    return spec, plan


def _render_changed(stack_name: str, spec: Path, plan: Path) -> dict[str, Any]:
    stack = load_stack_config(PROJECT_DIR, stack_name)
    stack.config[f"{stack.project}:spec"] = str(spec)
    placement = json.loads(stack.config.get(f"{stack.project}:placement", "{}"))
    stack.config[f"{stack.project}:placement"] = json.dumps({**placement, "planFile": str(plan)})
    return render(stack)


def _belongs_to(resource: dict[str, Any], business: str) -> bool:
    """A resource of the business itself: under its tenant component, or named for it."""
    urn = resource["urn"]
    return f"kiban:tenancy:BusinessTenant::{business}" in urn or f"::{business}" in urn or f"-{business}-" in urn


def _unchanged_apart_from(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old = {r["urn"]: r for r in before["deployment"]["resources"]}
    new = {r["urn"]: r for r in after["deployment"]["resources"]}
    problems = []
    for urn, resource in old.items():
        if urn not in new:
            if not _belongs_to(resource, REMOVED):
                problems.append(f"deleted: {urn}")
            continue
        if not resource["custom"]:
            continue
        for key in ("inputs", "parent", "provider"):
            if resource.get(key) != new[urn].get(key):
                changed = key
                if key == "inputs":
                    keys = set(resource["inputs"]) | set(new[urn]["inputs"])
                    changed += " " + ", ".join(
                        sorted(k for k in keys if resource["inputs"].get(k) != new[urn]["inputs"].get(k))
                    )
                problems.append(f"changed {changed}: {urn}")
    return problems


@pytest.mark.parametrize("stack_name", ["sample-city-openstack", "sample-city-aws"])
def test_adding_removing_and_reordering_businesses_changes_nothing_else(
    stack_name: str, changed_city: tuple[Path, Path], request: pytest.FixtureRequest
) -> None:
    fixture = "sample_openstack_state" if stack_name.endswith("openstack") else "sample_aws_state"
    before: dict[str, Any] = request.getfixturevalue(fixture)
    after = _render_changed(stack_name, *changed_city)
    assert _unchanged_apart_from(before, after) == []
    old = {r["urn"] for r in before["deployment"]["resources"]}
    created = [r for r in after["deployment"]["resources"] if r["urn"] not in old]
    # The added business's resources, and the platform's new rules and pool members that admit it.
    assert any(_belongs_to(r, ADDED) for r in created)
    # Its vendor is new to the city too: on OpenStack the vendor's identity group is the one other resource.
    new_vendor = vendor_resource_name(NEW_BUSINESS["vendor"])
    strays = [r["urn"] for r in created if r["custom"] and ADDED not in r["urn"] and not r["urn"].endswith(new_vendor)]
    assert strays == []
    removed = [r for r in before["deployment"]["resources"] if _belongs_to(r, REMOVED)]
    assert removed and all(r["urn"] not in {x["urn"] for x in after["deployment"]["resources"]} for r in removed)
