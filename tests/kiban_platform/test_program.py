"""kiban's Pulumi program: one model of the kiban:* stack config, and prepare()."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kiban_platform.backends import known_targets
from kiban_platform.backends.aws.plan import zones_of
from kiban_platform.program import StackConfigError, StackSettings, prepare, stack_settings
from kiban_platform.spec.problems import SpecError
from tests.conftest import REPO
from tests.rendering import write_tiny_city

SOURCE = "stacks/Pulumi.city.yaml"


def _config(spec: Path, **extra: str) -> dict[str, str]:
    return {"kiban:spec": str(spec), "kiban:target": "openstack", **{f"kiban:{k}": v for k, v in extra.items()}}


def test_an_unknown_key_is_refused_naming_the_stack_file_and_the_key() -> None:
    with pytest.raises(StackConfigError) as caught:
        stack_settings({"kiban:spec": "a.yaml", "kiban:target": "openstack", "kiban:palcement": "{}"}, SOURCE)
    (line,) = caught.value.lines
    assert line.startswith(f"{SOURCE}: kiban:palcement: unknown key; known keys: kiban:spec, kiban:target")
    assert "kiban:databaseAdminPassword" in line


def test_keys_of_other_namespaces_are_left_to_their_owners() -> None:
    settings = stack_settings({"kiban:spec": "a.yaml", "kiban:target": "aws", "aws:region": "ap-northeast-1"}, SOURCE)
    assert settings.target == "aws" and settings.target_settings("aws") == {}


def test_missing_keys_and_bad_values_are_each_located() -> None:
    with pytest.raises(StackConfigError) as caught:
        stack_settings({"kiban:placement": '{"timeLimit": -1}'}, SOURCE)
    text = str(caught.value)
    assert f"{SOURCE}: kiban:spec: missing; set kiban:spec in the stack file" in text
    assert f"{SOURCE}: kiban:placement.timeLimit: Input should be greater than 0" in text


def test_an_unknown_target_is_refused_with_the_known_ones() -> None:
    with pytest.raises(StackConfigError, match=r"unknown target 'vsphere'.*known targets: aws, openstack"):
        stack_settings({"kiban:spec": "a.yaml", "kiban:target": "vsphere"}, SOURCE)


def test_target_settings_are_objects() -> None:
    with pytest.raises(StackConfigError, match=r"kiban:openstack: Input should be a valid dictionary"):
        stack_settings({"kiban:spec": "a.yaml", "kiban:target": "openstack", "kiban:openstack": "[1]"}, SOURCE)


def test_every_target_has_its_settings_key() -> None:
    assert set(known_targets()) <= set(StackSettings.model_fields)


def test_the_project_file_declares_keys_of_the_model_with_its_descriptions() -> None:
    declared = yaml.safe_load((REPO / "Pulumi.yaml").read_text(encoding="utf-8"))["config"]
    for key, declaration in declared.items():
        field = StackSettings.model_fields[key]
        assert declaration["description"] == field.description, key


def test_prepare_plans_once_and_checks_the_target(tmp_path: Path) -> None:
    spec = write_tiny_city(tmp_path)
    prepared = prepare(_config(spec, databaseAdminPassword="x", placement='{"enabled": false}'), tmp_path, SOURCE)
    assert prepared.spec.municipality.name_en == "Test City"
    assert prepared.placement is None and prepared.backend.target == "openstack"
    assert prepared.network.segments and prepared.flows.rules


def test_prepare_asks_for_the_database_password(tmp_path: Path) -> None:
    with pytest.raises(StackConfigError, match=rf"^{SOURCE}: kiban:databaseAdminPassword: the database nodes need"):
        prepare(_config(write_tiny_city(tmp_path), placement='{"enabled": false}'), tmp_path, SOURCE)


def test_prepare_reports_a_bad_spec_with_located_lines(tmp_path: Path) -> None:
    spec = tmp_path / "city.yaml"
    spec.write_text("municipality: {}\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        prepare(_config(spec), tmp_path, SOURCE)
    assert all(line.startswith(str(spec)) for line in caught.value.lines())


def _project_config(**extra: str) -> dict[str, str]:
    config = {"kiban:spec": "specs/city.yaml", "kiban:target": "openstack", "kiban:placement": '{"enabled": false}'}
    return config | {f"kiban:{key}": value for key, value in extra.items()}


def test_main_runs_a_projects_main_as_pulumi_would(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiban.cli.init import init_project
    from kiban.mock_runtime import RecordingMonitor, run_program

    project = tmp_path / "city"
    init_project(project)
    monkeypatch.chdir(project)  # pulumi runs the program in its project folder
    monitor = run_program(project / "__main__.py", "kiban", "city-openstack", _project_config(), [])
    assert isinstance(monitor, RecordingMonitor)
    types = {registration.type for registration in monitor.registrations.values()}
    assert {"kiban:platform:SharedPlatform", "openstack:compute/instance:Instance"} <= types


def test_main_ends_a_bad_stack_with_its_located_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pulumi

    from kiban.cli.init import init_project
    from kiban.mock_runtime import run_program

    project = tmp_path / "city"
    init_project(project)
    monkeypatch.chdir(project)
    with pytest.raises(pulumi.RunError, match=r"^stacks/Pulumi.city-openstack.yaml: kiban:flavour: unknown key"):
        run_program(project / "__main__.py", "kiban", "city-openstack", _project_config(flavour="x"), [])


# -- site stacks of a hybrid city ------------------------------------------------------------------

HYBRID_SPEC = REPO / "specs" / "sample-hybrid.yaml"


def _site_config(site: str | None, **extra: str) -> dict[str, str]:
    config = {
        "kiban:spec": str(HYBRID_SPEC),
        "kiban:placement": '{"enabled": false}',
        "kiban:databaseAdminPassword": "x",
    }
    if site is not None:
        config["kiban:site"] = site
    return config | {f"kiban:{key}": value for key, value in extra.items()}


def test_a_spec_without_sites_needs_its_target(tmp_path: Path) -> None:
    spec = write_tiny_city(tmp_path)
    with pytest.raises(StackConfigError, match=rf"^{SOURCE}: kiban:target: missing; set kiban:target"):
        prepare({"kiban:spec": str(spec), "kiban:databaseAdminPassword": "x"}, tmp_path, SOURCE)
    with pytest.raises(StackConfigError, match=r"kiban:site: .* has no sites; remove kiban:site"):
        prepare(_config(spec, site="dc1", databaseAdminPassword="x"), tmp_path, SOURCE)


def test_a_site_stack_takes_its_target_from_the_spec() -> None:
    prepared = prepare(_site_config("gc"), REPO, SOURCE)
    assert prepared.target == "aws" and prepared.site is not None and prepared.site.id == "gc"
    assert [planned.link.id for planned in prepared.links] == ["dc1-gc"]
    assert {business.id for business in prepared.spec.businesses} <= {b.id for b in prepared.city.businesses}
    assert prepared.references == []


def test_a_site_stack_names_its_site_and_agrees_on_the_target() -> None:
    with pytest.raises(StackConfigError, match=r"kiban:site: missing; .* has sites \(dc1, gc, portal\)"):
        prepare(_site_config(None), REPO, SOURCE)
    with pytest.raises(StackConfigError, match=r"kiban:site: unknown site 'nowhere'"):
        prepare(_site_config("nowhere"), REPO, SOURCE)
    with pytest.raises(StackConfigError, match=r"kiban:target: openstack disagrees with site gc's target aws"):
        prepare(_site_config("gc", target="openstack"), REPO, SOURCE)


def test_a_site_that_reads_its_peers_names_their_stacks() -> None:
    with pytest.raises(StackConfigError, match=r"kiban:siteStacks: missing the stack of site gc"):
        prepare(_site_config("dc1"), REPO, SOURCE)
    stacks = '{"gc": "city-gc", "portal": "city-portal"}'
    prepared = prepare(_site_config("dc1", siteStacks=stacks), REPO, SOURCE)
    assert prepared.references == ["city-gc", "city-portal"]


def test_a_peers_garbage_links_stop_the_program_with_located_lines(tmp_path: Path) -> None:
    """Under ``pulumi up`` the StackReference is where a peer's outputs arrive: the program checks them there
    (render checks the whole state before; this is the program's own guard), never a KeyError in a backend."""
    from kiban.mock_runtime import KibanMocks, ReferencedStack, run_program
    from kiban.render import prepare_stack, spec_stack_config
    from kiban_platform.program import run
    from tests.fuzz.harness import MINI_HYBRID

    spec = tmp_path / "mini-hybrid.yaml"
    spec.write_text(MINI_HYBRID, encoding="utf-8")
    stack = spec_stack_config(REPO, spec, None, "dc1")
    prepared = prepare_stack(REPO, stack)
    tunnel = {"inside_cidr": "169.254.10.0/30", "outside_address": "172.16.200.9", "preshared_key": "Abcdefgh_1"}
    garbage = {"dc1-gc": {"peer": "dc1", "tunnels": [tunnel, tunnel | {"outside_address": "0.0.0.0"}]}}
    mocks = KibanMocks({"mini-hybrid-gc": ReferencedStack({"links": garbage}, ("links",))})
    with pytest.raises(
        Exception, match=r"stack mini-hybrid-gc: outputs\.links\.dc1-gc\.tunnels\[1\]\.outside_address: "
    ):
        run_program(lambda: run(prepared), stack.project, stack.stack, stack.config, stack.secret_keys, mocks=mocks)


# -- each site's region, and settings that contradict the stack ------------------------------------------------

OSAKA_SPEC = REPO / "tests" / "kiban_platform" / "backends" / "data" / "osaka-hybrid.yaml"


def test_an_aws_site_takes_its_region_and_that_regions_zones_from_the_spec() -> None:
    """Osaka's Government Cloud in Osaka's zones; the portal in Tokyo, its chassis given Tokyo's zones in order."""
    for site, region, zones in (
        ("gc", "ap-northeast-3", ["ap-northeast-3a", "ap-northeast-3b", "ap-northeast-3c"]),
        ("portal", "ap-northeast-1", ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]),
    ):
        config = _site_config(site) | {"kiban:spec": str(OSAKA_SPEC)}
        prepared = prepare(config, REPO, SOURCE)
        settings = prepared.backend.settings  # type: ignore[attr-defined]
        assert settings.region == region
        # gc keeps the chassis that name Osaka's zones; the portal, in a region no chassis names, spreads over
        # Tokyo's zones, each its own failure domain named by the zone.
        names = ["c1", "c2", "c3"] if site == "gc" else zones
        assert zones_of(prepared.spec.failure_domains, settings) == dict(zip(names, zones, strict=True))
        # The provider a site stack file sets, which a render without one sets the same way.
        assert prepared.provider_config == (("aws:region", region),)
    assert prepare(_site_config("dc1", siteStacks='{"gc": "a", "portal": "b"}'), REPO, SOURCE).provider_config == ()


def test_a_region_other_than_the_sites_is_refused_naming_the_key() -> None:
    with pytest.raises(StackConfigError) as caught:
        prepare(_site_config("gc", aws='{"region": "ap-northeast-3"}'), REPO, SOURCE)
    assert caught.value.lines == [
        f"{SOURCE}: kiban:aws.region: 'ap-northeast-3' disagrees with site gc's region ap-northeast-1 in the spec; "
        "remove kiban:aws.region (a site stack takes its region from the spec) or correct sites[].region"
    ]
    with pytest.raises(StackConfigError) as caught:
        prepare(_site_config("gc") | {"aws:region": "ap-northeast-3"}, REPO, SOURCE)
    assert caught.value.lines == [
        f"{SOURCE}: aws:region: the provider's region ap-northeast-3 is not the platform's ap-northeast-1 "
        "(kiban:aws.region, or the site's region in the spec): the default provider would make the network in "
        "another region than every resource kiban places; set aws:region: ap-northeast-1"
    ]
    # Agreeing keys are accepted.
    agreeing = _site_config("gc", aws='{"region": "ap-northeast-1"}') | {"aws:region": "ap-northeast-1"}
    assert prepare(agreeing, REPO, SOURCE).target == "aws"


def test_a_provider_region_other_than_kiban_aws_region_is_refused_in_a_single_site_stack(tmp_path: Path) -> None:
    spec = write_tiny_city(tmp_path)
    config = _config(spec, target="aws", databaseAdminPassword="x", placement='{"enabled": false}')
    config |= {"kiban:aws": '{"region": "ap-northeast-3"}', "aws:region": "ap-northeast-1"}
    with pytest.raises(StackConfigError, match=rf"^{SOURCE}: aws:region: the provider's region ap-northeast-1 is not"):
        prepare(config, tmp_path, SOURCE)


def test_settings_of_the_other_target_are_refused() -> None:
    with pytest.raises(StackConfigError) as caught:
        prepare(_site_config("gc", openstack='{"image": "x"}'), REPO, SOURCE)
    assert caught.value.lines == [
        f"{SOURCE}: kiban:openstack: settings of target openstack, but this stack builds on aws (site gc's target "
        f"in {HYBRID_SPEC}); remove them"
    ]


def test_settings_of_the_other_target_are_refused_in_a_single_site_stack(tmp_path: Path) -> None:
    spec = write_tiny_city(tmp_path)
    with pytest.raises(StackConfigError) as caught:
        prepare(_config(spec, databaseAdminPassword="x", aws='{"region": "ap-northeast-1"}'), tmp_path, SOURCE)
    assert caught.value.lines == [
        f"{SOURCE}: kiban:aws: settings of target aws, but this stack builds on openstack (kiban:target); remove them"
    ]


def test_site_stacks_naming_unknown_sites_or_its_own_are_refused(tmp_path: Path) -> None:
    stacks = '{"gc": "city-gc", "portal": "city-portal", "dc1": "city-dc1", "dc9": "city-dc9"}'
    with pytest.raises(StackConfigError) as caught:
        prepare(_site_config("dc1", siteStacks=stacks), REPO, SOURCE)
    assert caught.value.lines == [
        f"{SOURCE}: kiban:siteStacks.dc1: this stack builds site dc1 itself; name only its peers' stacks",
        f"{SOURCE}: kiban:siteStacks.dc9: {HYBRID_SPEC} has no site 'dc9'; the peer sites: gc, portal",
    ]
    spec = write_tiny_city(tmp_path)
    with pytest.raises(StackConfigError, match=r"kiban:siteStacks: .* has no sites, so no peer stack is read"):
        prepare(_config(spec, databaseAdminPassword="x", siteStacks='{"gc": "x"}'), tmp_path, SOURCE)
