"""Each site's target checks on a hybrid spec: what `kiban validate` refuses is what a site's stack refuses.

Planted failures (issue 21, item 3: each validated, the AWS site rendered, the OpenStack site's render
refused), each now refused by the checks at the link, and the property that joins validate to render:
generated small cities (``hybrid_cities``) are refused by ``site_problems`` for a site exactly when that
site's stack cannot be prepared, and whatever passes renders on every site.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings

from kiban.render import PROJECT_DIR, RenderError, dumps_state, prepare_stack, render, spec_stack_config
from kiban_platform.backends.site_checks import site_problems, spec_path
from kiban_platform.network.sites import site_view
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.problems import Problem, SpecError
from kiban_platform.spec.sites import Target
from tests.conftest import REPO
from tests.kiban_platform.backends.hybrid_cities import hybrid_cities

HYBRID_SAMPLE = REPO / "specs" / "sample-hybrid.yaml"
OSAKA = Path(__file__).parent / "data" / "osaka-hybrid.yaml"
# Examples per property run: the quick one prepares every site (about a second each); the slow one renders
# every site of each city that validates (a few seconds per site). CI runs the slow test with `-m slow`.
QUICK_EXAMPLES = int(os.environ.get("KIBAN_SITE_EXAMPLES", "25"))
RENDER_EXAMPLES = int(os.environ.get("KIBAN_SITE_RENDER_EXAMPLES", "15"))


def _sample() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(HYBRID_SAMPLE.read_text(encoding="utf-8"))
    return data


def _load(tmp_path: Path, data: dict[str, Any]) -> PlatformSpec:
    file = tmp_path / "city.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_spec(file)


def _messages(problems: list[Problem]) -> list[tuple[str, str]]:
    from kiban_platform.spec.problems import format_path

    return [(format_path(problem.path), problem.message) for problem in problems]


@pytest.mark.parametrize("spec_file", [HYBRID_SAMPLE, OSAKA], ids=["sample-hybrid", "osaka"])
def test_the_hybrid_specs_fit_every_sites_target(spec_file: Path) -> None:
    assert site_problems(load_spec(spec_file)) == []


def test_a_spec_without_sites_has_no_site_problems() -> None:
    assert site_problems(load_spec(REPO / "specs" / "sample-city.yaml")) == []


def _macsec(data: dict[str, Any]) -> None:
    link = data["links"][0]
    link["encryption"] = "macsec"
    del link["tunnels"], link["dx"]["outside_cidr"]


def _two_openstack_sites(data: dict[str, Any]) -> None:
    gc = data["sites"][1]
    gc.update(kind="on_prem", target="openstack")
    del gc["region"]
    link = data["links"][0]
    link.update(transport="ipsec_vpn", carrier="closed_line")
    del link["dx"]
    link["addresses"]["gc"] = "172.16.10.2"
    # Two data centres: each holds chassis of its own (three, for the replicas its tiers spread).
    chassis = data["failure_domains"]["chassis"]
    copies = [
        {
            **entry,
            "id": f"gc-{entry['id']}",
            "availability_zone": f"gc-{entry['id']}",
            "site": "gc",
            "blades": [{**blade, "id": f"gc-{blade['id']}"} for blade in entry["blades"]],
        }
        for entry in chassis
    ]
    for entry in chassis:
        entry["site"] = "dc1"
    chassis.extend(copies)


def _flow_into_a_business_tier(data: dict[str, Any]) -> None:
    data["flows"].append(
        {
            "id": "gc-to-seikatsu",
            "from": {"middleware": "integration_hub", "area": "mynumber", "site": "gc"},
            "to": {"business": "seikatsu-hogo", "tier": "app"},
            "ports": ["8443/tcp"],
            "one_way": True,
            "purpose": "a record straight into a business at dc1",
            "data": "my_number",
        }
    )


TESTERS_CASES = {
    "macsec to openstack": (
        _macsec,
        [
            (
                "links[0]",
                "site dc1 (openstack): link 'dc1-gc': encryption macsec: the openstack end of a link is an IPsec VPN; "
                "Direct Connect without IPsec ends on the city's own router, which kiban does not build",
            )
        ],
    ),
    "two openstack sites": (
        _two_openstack_sites,
        [
            (
                "links[0]",
                f"site {site} (openstack): link 'dc1-gc': joins two openstack sites; kiban builds a link from an "
                "openstack site to an aws site only",
            )
            for site in ("dc1", "gc")
        ],
    ),
    "a flow into a business tier": (
        _flow_into_a_business_tier,
        [
            (
                "links[0]",
                "site dc1 (openstack): link 'dc1-gc': flow 'gc-to-seikatsu' ends at seikatsu-hogo/app here; the VPN's "
                "local endpoint group holds platform subnets only: route it through the integration hub",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", list(TESTERS_CASES), ids=list(TESTERS_CASES))
def test_the_testers_cases_are_refused_at_the_link(tmp_path: Path, case: str) -> None:
    change, expected = TESTERS_CASES[case]
    data = _sample()
    change(data)
    spec = _load(tmp_path, data)  # the spec's own checks pass: only a site's target refuses it
    assert _messages(site_problems(spec)) == expected


def test_a_sites_problem_is_located_at_the_field_of_the_spec(tmp_path: Path) -> None:
    """A site's area block is its view's supernet: refused by AWS (a VPC is /16 at most), located under the site."""
    data = _sample()
    data["areas"][0]["supernet"] = "10.8.0.0/13"
    data["sites"][1]["areas"]["mynumber"] = "10.8.0.0/15"
    assert _messages(site_problems(_load(tmp_path, data))) == [
        ("sites[1].areas.mynumber", "site gc (aws): a VPC CIDR is /16 to /28, not 10.8.0.0/15 (area mynumber)")
    ]


def test_a_views_paths_are_carried_back_to_the_spec() -> None:
    """A view holds a subset of the businesses, areas and flows: each is found in the spec by its id."""
    city = load_spec(HYBRID_SAMPLE)
    dc1, portal = site_view(city, "dc1"), site_view(city, "portal")
    first_at_dc1 = next(index for index, business in enumerate(city.businesses) if business.site is None)
    assert first_at_dc1 > 0 and dc1.businesses[0].id == city.businesses[first_at_dc1].id
    tier: tuple[str, ...] = ("tiers", "app", "vcpu")
    assert spec_path(city, dc1, 0, ("businesses", 0, *tier)) == ("businesses", first_at_dc1, *tier)
    public = next(index for index, area in enumerate(city.areas) if area.id == "public")
    assert public > 0 and portal.areas[0].id == "public"
    assert spec_path(city, portal, 2, ("areas", 0, "tier_prefix")) == ("areas", public, "tier_prefix")
    assert spec_path(city, portal, 2, ("areas", 0, "supernet")) == ("sites", 2, "areas", "public")
    renkei = next(index for index, flow in enumerate(city.flows) if flow.id == "gc-to-dc1-renkei")
    gc = site_view(city, "gc")
    in_view = next(index for index, flow in enumerate(gc.flows) if flow.id == "gc-to-dc1-renkei")
    assert in_view != renkei
    assert spec_path(city, gc, 1, ("flows", in_view, "ports")) == ("flows", renkei, "ports")
    assert spec_path(city, dc1, 0, ("failure_domains", "chassis", 2)) == ("failure_domains", "chassis", 2)
    assert spec_path(city, dc1, 0, ()) == ("sites", 0)


def test_a_high_area_without_middleware_at_an_aws_site_is_refused_at_its_link(tmp_path: Path) -> None:
    """The Transit Gateway attachment's subnet (a render-time refusal once) is a check of the link."""
    data = yaml.safe_load(OSAKA.read_text(encoding="utf-8"))
    for service in data["middleware"].values():
        service["sites"] = ["dc1"]
    data["flows"][0]["from"] = {"business": "juki", "tier": "app"}
    spec = _load(tmp_path, data)
    assert _messages(site_problems(spec)) == [
        (
            "links[0]",
            "site gc (aws): link 'dc1-gc': area mynumber at site 'gc' has no middleware: its spare slot holds its VPC "
            "endpoints (kiban:aws.highAreaEndpoints), so there is no subnet for its Transit Gateway attachment; run "
            "a middleware role of the area at the site",
        )
    ]


def _write(folder: Path, data: dict[str, Any]) -> Path:
    file = folder / "city.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return file


def _checked(file: Path) -> PlatformSpec | None:
    """The spec when its own checks pass (site checks aside); None when they refuse it."""
    try:
        return load_spec(file)
    except SpecError:
        return None


def _prepares(file: Path, site: str) -> bool:
    """Whether the site's stack, built on the fly as `kiban render --spec --site` builds it, is prepared."""
    try:
        prepare_stack(PROJECT_DIR, spec_stack_config(PROJECT_DIR, file, None, site))
    except (RenderError, SpecError):
        return False
    return True


@settings(
    max_examples=QUICK_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=hybrid_cities())
def test_validate_refuses_a_site_exactly_when_its_stack_cannot_be_prepared(
    data: dict[str, Any], tmp_path: Path
) -> None:
    file = _write(tmp_path, data)
    spec = _checked(file)
    if spec is None:
        event("refused by the spec's own checks")
        return
    problems = site_problems(spec)
    event("refused by a site's target" if problems else "valid")
    for site in spec.sites:
        refused = any(problem.message.startswith(f"site {site.id} (") for problem in problems)
        assert _prepares(file, site.id) != refused, (site.id, _messages(problems))


@pytest.mark.slow
@settings(
    max_examples=RENDER_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=hybrid_cities())
def test_whatever_validates_renders_on_every_site(data: dict[str, Any], tmp_path: Path) -> None:
    """The AWS sites first (the documented order), then each OpenStack site reading their renders."""
    file = _write(tmp_path, data)
    spec = _checked(file)
    if spec is None or site_problems(spec):
        event("refused by validate")
        return
    event("rendered every site")
    states: dict[str, Path] = {}
    for site in sorted(spec.sites, key=lambda site: site.target != Target.AWS):
        stack = spec_stack_config(PROJECT_DIR, file, None, site.id)
        needed = prepare_stack(PROJECT_DIR, copy.deepcopy(stack)).references
        document = render(stack, PROJECT_DIR, references={name: states[name] for name in needed})
        state = tmp_path / f"{stack.stack}.json"
        state.write_text(dumps_state(document), encoding="utf-8")
        states[stack.stack] = state
        root = next(r for r in document["deployment"]["resources"] if r["type"] == "pulumi:pulumi:Stack")
        assert root["outputs"]["inventory"]["site"] == site.id
    assert len(states) == len(spec.sites)


def test_the_generated_cities_reach_the_render(tmp_path: Path) -> None:
    """The property tests are not vacuous: cities the generator makes pass every check (the slow test renders
    them), others are refused by a site's target only (the quick test compares them with prepare)."""
    from hypothesis import find

    def written(data: dict[str, Any]) -> PlatformSpec | None:
        return _checked(_write(tmp_path, data))

    quiet = settings(deadline=None, database=None, derandomize=True)
    valid = find(hybrid_cities(), lambda d: (s := written(d)) is not None and not site_problems(s), settings=quiet)
    assert json.dumps(valid)  # a whole city, every site of which validates
    refused = find(hybrid_cities(), lambda d: (s := written(d)) is not None and bool(site_problems(s)), settings=quiet)
    assert refused["sites"]
