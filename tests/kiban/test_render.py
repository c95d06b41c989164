"""`kiban render`: the stack's resource graph in `pulumi stack export` format, offline and deterministic."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from typer.testing import CliRunner

from kiban import render as rendering
from kiban.cli import app
from kiban_platform.spec.instances import expand_vms
from kiban_platform.spec.load import load_spec
from tests.conftest import REPO, SAMPLE_SPEC, sample_renders_cached
from tests.rendering import by_name, render_tiny, resources, tiny_render, tiny_stack, write_tiny_city

runner = CliRunner()
SAMPLE_STACK = "sample-city-openstack"
SAMPLE_PASSPHRASE = "kiban-sample"  # the sample stacks' comments say so
URN = re.compile(r"^urn:pulumi:(?P<stack>[^:]+)::kiban::(?P<chain>[^:]+(?::[^:$]+)*(?:\$[^$]+)*)::(?P<name>.+)$")
SECRET_KEY, SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


@pytest.fixture(scope="module")
def sample_render(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    """The sample stack rendered through the command line: (the CLI result, the file's text).

    The render itself is the session's (tests/conftest.py), shared with every module that reads the sample.
    """
    out = tmp_path_factory.mktemp("render") / "sample.json"
    with sample_renders_cached():
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
    # The program sees the password itself, opened with the stack's passphrase: neither form may show.
    assert _independent_decrypt(SAMPLE_PASSPHRASE, stack_file["encryptionsalt"], ciphertext) not in text
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


@pytest.mark.slow  # two renders through the command line
def test_two_renders_are_byte_identical(tmp_path: Path) -> None:
    spec = write_tiny_city(tmp_path)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        result = runner.invoke(app, ["render", "--spec", str(spec), "--target", "openstack", "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()
    # Including its secrets, sealed with derived nonces, and its times.
    assert b'"ciphertext": "v1:' in first.read_bytes() and b'"created": ' in first.read_bytes()


@pytest.mark.slow  # two renders
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


# -- a state `pulumi stack import` accepts ---------------------------------------------------------


def _independent_key(passphrase: str, salt_state: str) -> bytes:
    """Pulumi's key: PBKDF2-HMAC-SHA256, 1,000,000 rounds, 32 bytes, over the salt in ``v1:<salt>:...``."""
    salt = base64.b64decode(salt_state.split(":")[1])
    return hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, 1_000_000, 32)


def _independent_decrypt(passphrase: str, salt_state: str, ciphertext: str) -> str:
    """Pulumi's passphrase crypter, written again from its Go source with the cryptography library."""
    version, nonce, sealed = ciphertext.split(":")
    assert version == "v1"
    key = _independent_key(passphrase, salt_state)
    return AESGCM(key).decrypt(base64.b64decode(nonce), base64.b64decode(sealed), None).decode()


def _salt_check(passphrase: str, salt_state: str) -> str:
    return _independent_decrypt(passphrase, salt_state, salt_state.split(":", 2)[2])


def _secrets(value: Any) -> list[str]:
    if isinstance(value, dict):
        if value.get(SECRET_KEY) == SECRET_SIG:
            return [value["ciphertext"]]
        return [found for item in value.values() for found in _secrets(item)]
    if isinstance(value, list):
        return [found for item in value for found in _secrets(item)]
    return []


def resources_with_secrets(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in state["deployment"]["resources"] if _secrets(r.get("inputs"))]


def test_the_stack_resource_comes_first(sample_state: dict[str, Any]) -> None:
    first = sample_state["deployment"]["resources"][0]
    assert first["type"] == "pulumi:pulumi:Stack" and "parent" not in first


def test_every_input_key_has_its_property_dependencies(sample_state: dict[str, Any]) -> None:
    with_inputs = [r for r in sample_state["deployment"]["resources"] if r.get("inputs")]
    assert len(with_inputs) > 1000
    for resource in with_inputs:
        assert set(resource["inputs"]) <= set(resource["propertyDependencies"]), resource["urn"]
    rule = next(r for r in resources(sample_state, "openstack:networking/secGroupRule:SecGroupRule"))
    assert rule["propertyDependencies"]["direction"] == []


def test_created_and_modified_on_every_resource(sample_state: dict[str, Any]) -> None:
    deployment = sample_state["deployment"]
    assert deployment["manifest"]["time"] == rendering.MANIFEST_TIME == "1970-01-01T00:00:00Z"
    for resource in deployment["resources"]:
        assert resource["created"] == resource["modified"] == rendering.MANIFEST_TIME, resource["urn"]


def test_source_date_epoch_sets_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    state = render_tiny(tmp_path)
    deployment = state["deployment"]
    assert deployment["manifest"]["time"] == "2026-01-01T00:00:00Z"
    assert {r["created"] for r in deployment["resources"]} == {"2026-01-01T00:00:00Z"}
    assert {r["modified"] for r in deployment["resources"]} == {"2026-01-01T00:00:00Z"}


def test_a_bad_source_date_epoch_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    spec = write_tiny_city(tmp_path)
    out = tmp_path / "x.json"
    result = runner.invoke(app, ["render", "--spec", str(spec), "--target", "openstack", "--out", str(out)])
    assert result.exit_code == 2
    assert "SOURCE_DATE_EPOCH='yesterday'" in result.stderr and not out.exists()


def test_secrets_provider_is_passphrase_with_the_stack_salt(sample_state: dict[str, Any]) -> None:
    stack_file = yaml.safe_load((REPO / "stacks" / f"Pulumi.{SAMPLE_STACK}.yaml").read_text(encoding="utf-8"))
    provider = sample_state["deployment"]["secrets_providers"]
    assert provider == {"type": "passphrase", "state": {"salt": stack_file["encryptionsalt"]}}
    # The stack file's own check message opens with the documented passphrase, as Pulumi tests it.
    assert _salt_check(SAMPLE_PASSPHRASE, stack_file["encryptionsalt"]) == "pulumi"


def test_a_rendered_secret_decrypts_with_pulumis_scheme(sample_state: dict[str, Any]) -> None:
    stack_file = yaml.safe_load((REPO / "stacks" / f"Pulumi.{SAMPLE_STACK}.yaml").read_text(encoding="utf-8"))
    salt = sample_state["deployment"]["secrets_providers"]["state"]["salt"]
    password = _independent_decrypt(
        SAMPLE_PASSPHRASE, salt, stack_file["config"]["kiban:databaseAdminPassword"]["secure"]
    )
    database = by_name(sample_state, "openstack:compute/instance:Instance")["database-mynumber-1"]
    # The engine seals a secret's JSON: here a string, the node's cloud-init with the admin password in it.
    user_data = json.loads(_independent_decrypt(SAMPLE_PASSPHRASE, salt, database["inputs"]["userData"]["ciphertext"]))
    assert user_data.startswith("#cloud-config") and password in user_data
    every = _secrets(sample_state["deployment"]["resources"])
    assert len(every) == 2 * len(resources_with_secrets(sample_state))  # inputs and outputs
    for ciphertext in every:
        json.loads(_independent_decrypt(SAMPLE_PASSPHRASE, salt, ciphertext))


def test_a_wrong_passphrase_is_refused_before_anything_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "not-the-sample")
    out = tmp_path / "x.json"
    result = runner.invoke(app, ["render", "--stack", SAMPLE_STACK, "--out", str(out)])
    assert result.exit_code == 2
    assert "set PULUMI_CONFIG_PASSPHRASE" in result.stderr and not out.exists()


def test_a_stack_less_render_derives_its_salt_from_its_stack_name(tmp_path: Path) -> None:
    first = tiny_render()
    salt = first["deployment"]["secrets_providers"]["state"]["salt"]
    assert _salt_check(SAMPLE_PASSPHRASE, salt) == "pulumi"
    (sealed,) = {
        r["inputs"]["userData"]["ciphertext"]
        for r in resources(first, "openstack:compute/instance:Instance")
        if r["urn"].endswith("::database-office-1")
    }
    assert rendering.PLACEHOLDER_SECRET in json.loads(_independent_decrypt(SAMPLE_PASSPHRASE, salt, sealed))
    # An edit of the spec keeps the salt (so unchanged secrets keep their ciphertext); another name or target not.
    spec = write_tiny_city(tmp_path)
    spec.write_text(spec.read_text(encoding="utf-8") + "# an edit\n", encoding="utf-8")
    edited = rendering.spec_stack_config(rendering.PROJECT_DIR, spec, "openstack")
    assert rendering.secrets_crypter(edited).state == salt
    on_aws = rendering.spec_stack_config(rendering.PROJECT_DIR, spec, "aws")
    assert rendering.secrets_crypter(on_aws).state != salt


def test_the_state_passes_pulumis_import_checks(sample_state: dict[str, Any]) -> None:
    """What `pulumi stack import` checks (stack_import.go, Snapshot.VerifyIntegrity), written again here."""
    deployment = sample_state["deployment"]
    manifest = deployment["manifest"]
    assert manifest["magic"] == hashlib.sha256(manifest["version"].encode()).hexdigest()
    assert deployment["secrets_providers"]["type"] in {"passphrase", "service", "cloud"}
    seen: set[str] = set()
    providers: set[str] = set()
    for resource in deployment["resources"]:
        urn = resource["urn"]
        assert URN.match(urn)["stack"] == SAMPLE_STACK  # type: ignore[index]
        assert urn not in seen, f"duplicate {urn}"
        assert resource["custom"] or "id" not in resource
        if resource["type"].startswith("pulumi:providers:"):
            providers.add(f"{urn}::{resource['id']}")
        if "provider" in resource:
            assert resource["provider"] in providers, urn
        needs = {resource.get("parent")} - {None}
        needs |= set(resource.get("dependencies", []))
        needs |= {dep for deps in resource.get("propertyDependencies", {}).values() for dep in deps}
        assert needs <= seen, urn
        seen.add(urn)


def test_a_render_loads_the_spec_and_the_plan_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kiban_platform.placement.fleet as fleet
    import kiban_platform.program as program

    spec = write_tiny_city(tmp_path)
    plan = tmp_path / "plan.json"
    made = runner.invoke(app, ["plan", str(spec), "--format", "json", "--out", str(plan), "--work-limit", "2"])
    assert made.exit_code == 0, made.output
    calls: list[str] = []

    def counted(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(program, "load_spec", counted("spec", load_spec))
    monkeypatch.setattr(fleet, "load_plan_file", counted("plan", fleet.load_plan_file))
    stack = tiny_stack(spec)
    stack.config["kiban:placement"] = json.dumps({"planFile": str(plan)})
    document = rendering.render(stack, tmp_path)
    assert sorted(calls) == ["plan", "spec"]
    assert any(r["type"] == "kiban:platform:SharedPlatform" for r in document["deployment"]["resources"])


def test_the_project_is_found_from_the_current_folder_upwards(tmp_path: Path) -> None:
    project = _project(tmp_path, {"kiban:spec": "specs/city.yaml", "kiban:target": "openstack"})
    (project / "specs" / "drafts").mkdir(parents=True)
    assert rendering.find_project(project / "specs" / "drafts") == project.resolve()
    assert rendering.find_project(Path("/")) is None


def test_a_stack_needs_a_project_but_a_spec_does_not(tmp_path: Path) -> None:
    with pytest.raises(rendering.RenderError, match=r"no Pulumi.yaml in .* \(`kiban init DIR` makes one\)"):
        rendering.load_stack_config(tmp_path, "city")
    stack = rendering.spec_stack_config(None, SAMPLE_SPEC, "openstack")
    assert (stack.project, stack.stack) == ("kiban", "sample-city-openstack")
    assert stack.config["kiban:spec"] == str(SAMPLE_SPEC.resolve())


def test_a_stack_file_key_error_names_the_stack_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path, {"kiban:spec": str(SAMPLE_SPEC), "kiban:target": "openstack", "kiban:flavour": "x"})
    monkeypatch.setattr(rendering, "PROJECT_DIR", project)
    result = runner.invoke(app, ["render", "--stack", "city", "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    stack_file = project / "stacks" / "Pulumi.city.yaml"
    assert result.stderr.startswith(f"render: {stack_file}: kiban:flavour: unknown key; known keys: kiban:spec")
    assert "Traceback" not in result.stderr and not (tmp_path / "x.json").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"config:\n  kiban:spec: specs/city.yaml\n  1: openstack\n",
            r"config: key 1 is a int; a key of a stack file is text",
        ),
        (b"1: x\nconfig: {}\n", r"\(top level\): key 1 is a int"),
        (
            "config:\n  kiban:spec: 湊川市.yaml\n".encode("shift_jis"),
            r"\(top level\): not UTF-8 text .*save the stack file",
        ),
        (b"- config\n- kiban:spec\n", r"\(top level\): a stack file is a YAML mapping .*not a list"),
        (b"openstack\n", r"\(top level\): a stack file is a YAML mapping .*not a str"),
        (b"config: [kiban:spec]\n", r"config: must be a mapping of keys to values"),
        (b"config:\n  kiban:spec: a\n  kiban:spec: b\n", r"config.kiban:spec: key written twice"),
    ],
    ids=[
        "integer-config-key",
        "integer-top-key",
        "shift-jis",
        "top-level-list",
        "top-level-scalar",
        "config-list",
        "twice",
    ],
)
def test_a_stack_file_that_is_not_a_mapping_of_text_keys_is_refused_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, expected: str
) -> None:
    project = _project(tmp_path, {"kiban:spec": str(SAMPLE_SPEC), "kiban:target": "openstack"})
    stack_file = project / "stacks" / "Pulumi.city.yaml"
    stack_file.write_bytes(content)
    monkeypatch.setattr(rendering, "PROJECT_DIR", project)
    result = runner.invoke(app, ["render", "--stack", "city", "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"render: {stack_file}: ")
    assert re.search(expected, result.stderr.splitlines()[0]), result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x.json").exists()


def test_a_project_file_not_in_utf8_is_refused_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path, {"kiban:spec": str(SAMPLE_SPEC), "kiban:target": "openstack"})
    (project / "Pulumi.yaml").write_bytes("name: 湊川市\nstackConfigDir: stacks\n".encode("shift_jis"))
    monkeypatch.setattr(rendering, "PROJECT_DIR", project)
    result = runner.invoke(app, ["render", "--stack", "city", "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"render: {project / 'Pulumi.yaml'}: (top level): not UTF-8 text")
    assert "Traceback" not in result.stderr and not (tmp_path / "x.json").exists()
