"""`kiban render` of a hybrid city: one site stack at a time, reading its peers' renders (--reference)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from kiban.render import PROJECT_DIR, RenderError, load_stack_config, read_reference, render
from tests.conftest import hybrid_render_files
from tests.peer_states import good_gc, good_portal, state_document

runner = CliRunner()


def _stack_outputs(state: dict[str, Any]) -> dict[str, Any]:
    (root,) = [r for r in state["deployment"]["resources"] if r["type"] == "pulumi:pulumi:Stack"]
    outputs: dict[str, Any] = root["outputs"]
    return outputs


def test_a_malformed_reference_is_refused_before_anything_runs(tmp_path: Path) -> None:
    out = tmp_path / "dc1.json"
    for value, message in (("gc.json", "expected STACK=STATE_FILE"), ("=gc.json", "expected STACK=STATE_FILE")):
        result = runner.invoke(app, ["render", "--stack", "sample-hybrid-dc1", "--out", str(out), "--reference", value])
        assert result.exit_code == 2 and message in result.output, result.output
    twice = ["--reference", "a=x.json", "--reference", "a=y.json"]
    result = runner.invoke(app, ["render", "--stack", "sample-hybrid-dc1", "--out", str(out), *twice])
    assert result.exit_code == 2 and "--reference a: given twice" in result.output
    assert not out.exists()


def test_a_stack_that_reads_its_peers_names_each_missing_reference(tmp_path: Path) -> None:
    out = tmp_path / "dc1.json"
    result = runner.invoke(app, ["render", "--stack", "sample-hybrid-dc1", "--out", str(out), "--quiet"])
    assert result.exit_code == 2, result.output
    for peer in ("sample-hybrid-gc", "sample-hybrid-portal"):
        assert f"this stack reads the outputs of stack {peer} by StackReference" in result.output
        assert f"--reference {peer}=STATE_FILE" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_reference_the_stack_does_not_read_is_refused(tmp_path: Path) -> None:
    stranger = tmp_path / "other.json"
    stranger.write_text("{}", encoding="utf-8")
    with pytest.raises(RenderError, match=r"--reference sample-hybrid-dc1: this stack reads no other stack"):
        render(load_stack_config(PROJECT_DIR, "sample-hybrid-gc"), references={"sample-hybrid-dc1": stranger})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a readable state file"),
        ('{"deployment": {}}', "not a Pulumi state"),
        ('{"deployment": {"resources": []}}', "the state has no stack resource"),
    ],
)
def test_an_unreadable_reference_is_named(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "gc.json"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(RenderError, match=rf"--reference sample-hybrid-gc={file}: {message}"):
        read_reference("sample-hybrid-gc", file)


@pytest.mark.slow  # the three site renders
def test_each_site_renders_and_the_peer_outputs_arrive_as_secrets() -> None:
    files = hybrid_render_files()
    gc = read_reference("sample-hybrid-gc", files["sample-hybrid-gc"])
    assert "links" in gc.secret_names  # the tunnels' pre-shared keys
    dc1_text = files["sample-hybrid-dc1"].read_text(encoding="utf-8")
    # Every key read from gc is sealed again in dc1's state: none appears in the clear.
    for tunnel in gc.outputs["links"]["dc1-gc"]["tunnels"]:
        assert tunnel["preshared_key"] not in dc1_text
    outputs = _stack_outputs(json.loads(dc1_text))
    assert outputs["inventory"]["site"] == "dc1" and set(outputs["links"]) == {"dc1-gc", "portal-dc1"}


@pytest.mark.slow  # renders the portal twice, and the gc site
def test_a_site_render_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        result = runner.invoke(app, ["render", "--stack", "sample-hybrid-portal", "--out", str(out), "--quiet"])
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.slow  # renders dc1 once more, reading its peers' session renders
def test_a_site_that_reads_its_peers_renders_byte_identical_again(tmp_path: Path) -> None:
    files = hybrid_render_files()
    again = tmp_path / "dc1.json"
    references = [f"--reference={name}={files[name]}" for name in ("sample-hybrid-gc", "sample-hybrid-portal")]
    result = runner.invoke(app, ["render", "--stack", "sample-hybrid-dc1", "--out", str(again), "--quiet", *references])
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == files["sample-hybrid-dc1"].read_bytes()


@pytest.mark.slow  # the three site renders
def test_every_site_state_is_whole_and_keeps_what_it_read() -> None:
    """Every parent, provider and dependency a resource names is in the state (as `pulumi stack import`
    requires); a StackReference is kept as the engine keeps a read resource: external, with what it read."""
    for stack, file in hybrid_render_files().items():
        resources = json.loads(file.read_text(encoding="utf-8"))["deployment"]["resources"]
        urns = {resource["urn"] for resource in resources}
        for resource in resources:
            named = [
                *resource.get("dependencies", []),
                resource.get("parent"),
                resource.get("provider", "").rsplit("::", 1)[0],
            ]
            assert all(urn in urns for urn in named if urn), (stack, resource["urn"])
        references = [r for r in resources if r["type"] == "pulumi:pulumi:StackReference"]
        expected = {"sample-hybrid-gc", "sample-hybrid-portal"} if stack.endswith("dc1") else set()
        assert {r["inputs"]["name"] for r in references} == expected
        assert all(r["external"] is True for r in references)


def _peer_files(folder: Path, gc: dict[str, Any]) -> list[str]:
    """--reference options for dc1: gc's state as given, portal's a good one."""
    files = {"gc": (folder / "gc.json", gc), "portal": (folder / "portal.json", good_portal())}
    for file, root in files.values():
        file.write_text(json.dumps(state_document(root)), encoding="utf-8")
    return [f"--reference=sample-hybrid-{site}={file}" for site, (file, _) in files.items()]


def _links(root: dict[str, Any]) -> Any:
    return root["outputs"]["links"]


PEER_CASES: list[tuple[str, Any, str]] = [
    ("links missing", lambda root: root["outputs"].pop("links"), "outputs.links: missing"),
    ("links as text", lambda root: root["outputs"].update(links="dc1-gc"), "outputs.links: Input should be"),
    ("links empty", lambda root: root["outputs"].update(links={}), "outputs.links: no link dc1-gc"),
    (
        "one tunnel",
        lambda root: _links(root)["dc1-gc"].update(tunnels=_links(root)["dc1-gc"]["tunnels"][:1]),
        "outputs.links.dc1-gc.tunnels: 1 tunnel(s)",
    ),
    (
        "an address with a command",
        lambda root: _links(root)["dc1-gc"]["tunnels"][1].update(outside_address="not-an-address; reboot"),
        "outputs.links.dc1-gc.tunnels[1].outside_address: 'not-an-address; reboot' is not an IPv4 address",
    ),
    (
        "0.0.0.0",
        lambda root: _links(root)["dc1-gc"]["tunnels"][1].update(outside_address="0.0.0.0"),
        "outputs.links.dc1-gc.tunnels[1].outside_address: 0.0.0.0 is not in the link's dx.outside_cidr",
    ),
    (
        "a numeric key",
        lambda root: _links(root)["dc1-gc"]["tunnels"][0].update(preshared_key=12345678),
        "outputs.links.dc1-gc.tunnels[0].preshared_key: Input should be a valid string",
    ),
    (
        "another stack's state",
        lambda root: root.update(good_portal()),
        "urn: the state of stack sample-hybrid-portal (project kiban), not of stack sample-hybrid-gc",
    ),
    (
        "another city",
        lambda root: root["outputs"]["municipality"].update(code="131016"),
        "outputs.municipality.code: 131016: a state of another municipality",
    ),
]


@pytest.mark.parametrize(("plant", "message"), [case[1:] for case in PEER_CASES], ids=[case[0] for case in PEER_CASES])
def test_a_bad_peer_state_is_refused_naming_the_file_and_the_field(tmp_path: Path, plant: Any, message: str) -> None:
    """Each tester's case: exit 2 with a located line, no traceback, nothing written; the program never runs."""
    gc = good_gc()
    plant(gc)
    references = _peer_files(tmp_path, gc)
    out = tmp_path / "dc1.json"
    result = runner.invoke(app, ["render", "--stack", "sample-hybrid-dc1", "--out", str(out), "--quiet", *references])
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'gc.json'}: deployment.resources[0].{message}" in result.output, result.output
    assert "Traceback" not in result.output and not out.exists()


@pytest.mark.parametrize("ciphertext", [5, None, [1], {"a": 1}])
def test_a_peer_secret_without_its_ciphertext_is_named(tmp_path: Path, ciphertext: Any) -> None:
    file = tmp_path / "gc.json"
    root = good_gc()
    root["outputs"]["links"]["dc1-gc"]["tunnels"][0]["preshared_key"] = {
        SECRET_SIG: SECRET_VALUE,
        "ciphertext": ciphertext,
    }
    document = state_document(root)
    document["deployment"]["secrets_providers"] = {"type": "passphrase", "state": {"salt": SALT}}
    file.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(RenderError, match=r"outputs\.links\.dc1-gc\.tunnels\[0\]\.preshared_key: a secret without its"):
        read_reference("sample-hybrid-gc", file)


SECRET_SIG, SECRET_VALUE = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
SALT = "v1:RqsSB5B864A=:v1:c+BNwr9Wz2Ye7LFH:aAJRf2XPlcpWpfHH9MBTgzScpQoKew=="  # stacks/Pulumi.sample-hybrid-dc1.yaml's


# -- each site's region: a Government Cloud in Osaka beside a public cloud in Tokyo (issue 21, item 4) ----------

OSAKA = Path(__file__).parent.parent / "kiban_platform" / "backends" / "data" / "osaka-hybrid.yaml"


def _providers_and_zones(state: dict[str, Any]) -> tuple[set[str], set[str]]:
    resources = state["deployment"]["resources"]
    regions = {r["inputs"].get("region") for r in resources if r["type"] == "pulumi:providers:aws"}
    zones = {r["inputs"]["availabilityZone"] for r in resources if "availabilityZone" in r.get("inputs", {})}
    return regions, zones


@pytest.mark.slow
def test_a_site_rendered_on_the_fly_is_built_in_its_region(tmp_path: Path) -> None:
    for site, region in (("gc", "ap-northeast-3"), ("portal", "ap-northeast-1")):
        out = tmp_path / f"{site}.json"
        result = runner.invoke(app, ["render", "--spec", str(OSAKA), "--site", site, "--out", str(out), "--quiet"])
        assert result.exit_code == 0, result.output
        regions, zones = _providers_and_zones(json.loads(out.read_text(encoding="utf-8")))
        # The default provider set as a site stack file sets aws:region, and every zone the region's.
        assert regions == {region}
        assert zones == {f"{region}{letter}" for letter in ("abc" if region.endswith("3") else "acd")}


@pytest.mark.slow
@pytest.mark.parametrize(
    "spec", [OSAKA, Path(__file__).parents[2] / "specs" / "sample-hybrid.yaml"], ids=["osaka", "tokyo"]
)
def test_audit_of_a_site_rendered_on_the_fly_raises_no_false_residency_finding(spec: Path) -> None:
    """KB-HYB-008 ("AWS provider names no region") was raised on a stack-less render; a stack file's render was clean."""
    result = runner.invoke(app, ["audit", "--spec", str(spec), "--site", "gc", "--format", "json", "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (rule,) = [rule for rule in report["rules"] if rule["id"] == "KB-HYB-008"]
    assert rule["failed"] == 0 and rule["passed"] > 0
    assert report["findings"] == []


@pytest.mark.slow
def test_diff_and_report_of_an_osaka_city(tmp_path: Path) -> None:
    after = tmp_path / "after.yaml"
    after.write_text(
        OSAKA.read_text(encoding="utf-8").replace(
            "replicas: 2, vcpu: 4, ram_gb: 8", "replicas: 3, vcpu: 4, ram_gb: 8", 1
        )
    )
    diff = ["diff", "--old-spec", str(OSAKA), "--new-spec", str(after), "--site", "gc", "--format", "json", "--quiet"]
    result = runner.invoke(app, diff)
    assert result.exit_code == 1, result.output  # changes, no finding
    document = json.loads(result.stdout)
    # Exactly the third replica: its instance, data volume and attachment; the provider region unchanged.
    assert document["summary"]["added"] == 3 and document["summary"]["updated"] == 0 and document["findings"] == []
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(OSAKA), "--out", str(report)])
    assert result.exit_code == 0, result.output
    assert "ap-northeast-3a" in report.read_text(encoding="utf-8")
