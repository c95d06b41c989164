"""`kiban render`: the stack's resource graph in `pulumi stack export` format, offline and deterministic."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kiban import render as rendering
from kiban.cli import app
from spec.instances import expand_vms
from spec.load import load_spec
from tests.conftest import REPO, SAMPLE_SPEC
from tests.rendering import by_name, render_tiny, resources, tiny_stack, write_tiny_city

runner = CliRunner()
SAMPLE_STACK = "sample-city-openstack"
URN = re.compile(r"^urn:pulumi:(?P<stack>[^:]+)::kiban::(?P<chain>[^:]+(?::[^:$]+)*(?:\$[^$]+)*)::(?P<name>.+)$")
SECRET_KEY, SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


@pytest.fixture(scope="module")
def sample_render(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    """The sample stack rendered once through the command line: (the CLI result, the file's text)."""
    out = tmp_path_factory.mktemp("render") / "sample.json"
    result = runner.invoke(app, ["render", "--stack", SAMPLE_STACK, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result, out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sample_state(sample_render: tuple[Any, str]) -> dict[str, Any]:
    state: dict[str, Any] = json.loads(sample_render[1])
    return state


def test_export_format(sample_state: dict[str, Any]) -> None:
    assert sample_state["version"] == 3
    deployment = sample_state["deployment"]
    assert set(deployment) == {"manifest", "secrets_providers", "resources"}
    assert deployment["manifest"]["time"] == rendering.MANIFEST_TIME
    assert deployment["manifest"]["version"] == "v3.272.0"
    for resource in deployment["resources"]:
        assert {"urn", "type", "custom"} <= set(resource)
        if resource["custom"]:
            assert re.fullmatch(r"[0-9a-f-]{36}", resource["id"])
            assert "inputs" in resource and "outputs" in resource
        if resource["custom"] and not resource["type"].startswith("pulumi:providers:"):
            assert "provider" in resource and "parent" in resource, resource["urn"]


def test_every_vm_of_the_spec_is_an_instance(sample_state: dict[str, Any]) -> None:
    instances = by_name(sample_state, "openstack:compute/instance:Instance")
    assert sorted(instances) == sorted(vm.name for vm in expand_vms(load_spec(SAMPLE_SPEC)))


def test_urns_are_formed_as_the_engine_forms_them(sample_state: dict[str, Any]) -> None:
    urns = {r["urn"]: r for r in sample_state["deployment"]["resources"]}
    (stack,) = resources(sample_state, "pulumi:pulumi:Stack")
    assert stack["urn"] == f"urn:pulumi:{SAMPLE_STACK}::kiban::pulumi:pulumi:Stack::kiban-{SAMPLE_STACK}"
    for urn, resource in urns.items():
        match = URN.match(urn)
        assert match and match["stack"] == SAMPLE_STACK, urn
        assert "pulumi:pulumi:Stack$" not in urn
        parent = resource.get("parent")
        chain = match["chain"]
        if parent is None or parent == stack["urn"]:
            assert chain == resource["type"], urn
        else:
            assert chain == f"{URN.match(parent)['chain']}${resource['type']}", urn  # type: ignore[index]
    platform = by_name(sample_state, "kiban:platform:SharedPlatform")["platform"]
    assert platform["urn"] == f"urn:pulumi:{SAMPLE_STACK}::kiban::kiban:platform:SharedPlatform::platform"


def test_providers_are_referenced_by_urn_and_id(sample_state: dict[str, Any]) -> None:
    by_urn = {r["urn"]: r for r in sample_state["deployment"]["resources"]}
    default = f"urn:pulumi:{SAMPLE_STACK}::kiban::pulumi:providers:openstack::default_5_5_3"
    assert by_urn[default]["inputs"]["version"] == "5.5.3"
    assert by_urn[default]["inputs"]["authUrl"].startswith("https://")
    for resource in sample_state["deployment"]["resources"]:
        if "provider" in resource:
            provider_urn, provider_id = resource["provider"].rsplit("::", 1)
            assert by_urn[provider_urn]["type"] == "pulumi:providers:openstack"
            assert by_urn[provider_urn]["id"] == provider_id


def test_resources_come_after_what_they_need(sample_state: dict[str, Any]) -> None:
    seen: set[str] = set()
    for resource in sample_state["deployment"]["resources"]:
        needs = set(resource.get("dependencies", [])) | {resource.get("parent")} - {None}
        if "provider" in resource:
            needs.add(resource["provider"].rsplit("::", 1)[0])
        assert needs <= seen, resource["urn"]
        seen.add(resource["urn"])


def test_dependencies_are_recorded(sample_state: dict[str, Any]) -> None:
    rule = next(
        r
        for r in resources(sample_state, "openstack:networking/secGroupRule:SecGroupRule")
        if "juki-app-in" in r["urn"]
    )
    group_urn = next(
        r["urn"]
        for r in resources(sample_state, "openstack:networking/secGroup:SecGroup")
        if r["id"] == rule["inputs"]["securityGroupId"]
    )
    assert group_urn in rule["dependencies"]
    assert rule["propertyDependencies"]["securityGroupId"] == [group_urn]


def test_secrets_are_never_in_plaintext(sample_render: tuple[Any, str], sample_state: dict[str, Any]) -> None:
    stack_file = yaml.safe_load((REPO / "stacks" / f"Pulumi.{SAMPLE_STACK}.yaml").read_text(encoding="utf-8"))
    ciphertext = stack_file["config"]["kiban:databaseAdminPassword"]["secure"]
    text = sample_render[1]
    # Under mocks the program sees the ciphertext as the secret's value: it must not leak either.
    assert ciphertext not in text
    database = by_name(sample_state, "openstack:compute/instance:Instance")["database-mynumber-1"]
    sealed = database["inputs"]["userData"]
    assert set(sealed) == {SECRET_KEY, "ciphertext"} and sealed[SECRET_KEY] == SECRET_SIG
    assert "plaintext" not in text
    web = by_name(sample_state, "openstack:compute/instance:Instance")["juki-web-1"]
    assert web["inputs"]["userData"].startswith("#cloud-config")


def test_summary_by_type_area_and_business(sample_render: tuple[Any, str], sample_state: dict[str, Any]) -> None:
    output = sample_render[0].stdout
    total = len(sample_state["deployment"]["resources"])
    assert output.startswith(f"{SAMPLE_STACK}: {total} resources\n")
    instances = len(resources(sample_state, "openstack:compute/instance:Instance"))
    assert f"  {instances:6d}  openstack:compute/instance:Instance" in output
    assert re.search(r"by area:\n(\s+\d+  \w+\n){3}by business:", output)
    assert re.search(r"^\s+\d+  juki$", output, re.MULTILINE)


def test_two_renders_are_byte_identical(tmp_path: Path) -> None:
    spec = write_tiny_city(tmp_path)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        result = runner.invoke(app, ["render", "--spec", str(spec), "--target", "openstack", "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()


def test_renders_in_one_process_do_not_share_config(tmp_path: Path) -> None:
    """The mock runtime keeps config and the root stack in globals; each render starts clean."""
    first = render_tiny(tmp_path, {"physicalNetwork": "physnet-a"})
    second = render_tiny(tmp_path, {"physicalNetwork": "physnet-b"})
    networks = [by_name(state, "openstack:networking/network:Network")["juki"] for state in (first, second)]
    assert [n["inputs"]["segments"][0]["physicalNetwork"] for n in networks] == ["physnet-a", "physnet-b"]
    assert len(resources(second, "pulumi:pulumi:Stack")) == 1


def test_stack_less_render_takes_its_stack_name_from_the_spec(tmp_path: Path) -> None:
    stack = tiny_stack(write_tiny_city(tmp_path))
    assert stack.stack == "tiny-city-openstack"
    assert stack.config["kiban:target"] == "openstack"


# -- bad input: exit 2 with a message, never a traceback ------------------------------------------


def _project(tmp_path: Path, stack_config: dict[str, Any]) -> Path:
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    text = yaml.safe_dump({"config": stack_config}, allow_unicode=True)
    (project / "stacks" / "Pulumi.city.yaml").write_text(text, encoding="utf-8")
    return project


def test_unknown_stack(tmp_path: Path) -> None:
    result = runner.invoke(app, ["render", "--stack", "nowhere", "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert "stack 'nowhere' not found" in result.stderr
    assert f"known stacks: sample-city-aws, sample-city-aws-moto, {SAMPLE_STACK}" in result.stderr
    assert not (tmp_path / "x.json").exists()


def test_stack_whose_spec_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path, {"kiban:spec": "specs/gone.yaml", "kiban:target": "openstack"})
    monkeypatch.setattr(rendering, "PROJECT_DIR", project)
    result = runner.invoke(app, ["render", "--stack", "city", "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{project / 'specs' / 'gone.yaml'}: (top level): file not found"


def test_stack_with_an_unknown_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path, {"kiban:spec": str(SAMPLE_SPEC), "kiban:target": "vsphere"})
    monkeypatch.setattr(rendering, "PROJECT_DIR", project)
    result = runner.invoke(app, ["render", "--stack", "city", "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert "unknown target 'vsphere'" in result.stderr and "known targets: aws, openstack" in result.stderr


def test_stack_without_a_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path, {"kiban:spec": str(SAMPLE_SPEC)})
    monkeypatch.setattr(rendering, "PROJECT_DIR", project)
    result = runner.invoke(app, ["render", "--stack", "city", "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert "set kiban:target" in result.stderr


def test_missing_spec_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = runner.invoke(
        app, ["render", "--spec", str(missing), "--target", "openstack", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{missing}: (top level): file not found"


def test_invalid_spec_gets_located_problems(tmp_path: Path, sample_data: dict[str, Any], write_spec: Any) -> None:
    sample_data["areas"][0]["vlans"] = {"first": 100, "last": 5000}
    spec = write_spec(sample_data)
    result = runner.invoke(app, ["render", "--spec", str(spec), "--target", "openstack", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert re.search(rf"^{re.escape(str(spec))}: areas\[0\]\.vlans\.last: .*\(line \d+\)$", result.stderr, re.MULTILINE)


def test_unknown_target_for_a_spec(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["render", "--spec", str(SAMPLE_SPEC), "--target", "aws-gov", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "known targets: aws, openstack" in result.stderr


@pytest.mark.parametrize(
    "arguments",
    [[], ["--spec", "specs/sample-city.yaml"], ["--stack", SAMPLE_STACK, "--spec", "specs/sample-city.yaml"]],
)
def test_needs_a_stack_or_a_spec_and_target(arguments: list[str], tmp_path: Path) -> None:
    result = runner.invoke(app, ["render", *arguments, "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "give --stack NAME, or --spec FILE --target TARGET" in result.stderr
