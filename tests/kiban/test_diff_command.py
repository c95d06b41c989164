"""`kiban diff`: sides from files, stacks or specs; every format; exit 0/1/2/3 like diff(1) plus one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kiban.cli import app
from tests.conftest import SMALL_CITY
from tests.kiban.audit.builders import Export, ciphertext, ingress, kiban_city, security_group

runner = CliRunner()


def state(tmp_path: Path, name: str, prefix: str = "10.10.5.0/24", password: str = "pw-1", port: int = 8443) -> Path:
    """A city with one rule into the high area; the rule's source range and a secret vary."""
    export = Export()
    areas = kiban_city(export)
    _, (rule,) = security_group(export, areas["secure"], "juki-app", [ingress("juki-app-in", prefix, port)])
    export.by_urn[rule]["inputs"]["description"] = "from juki web"
    export.add(
        "openstack:compute/instance:Instance", "juki-app-1", {"adminPass": ciphertext(password)}, parent=areas["secure"]
    )
    return export.write(tmp_path / name)


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["diff", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_no_change_exits_0(tmp_path: Path) -> None:
    code, out, _ = invoke(state(tmp_path, "a.json"), state(tmp_path, "b.json"))
    assert code == 0
    assert "0 added · 0 removed · 0 updated" in out and "No findings." in out and "No changes." in out


def test_changes_without_a_high_finding_exit_1(tmp_path: Path) -> None:
    # Only a secret changed: a change, and nothing it means for security.
    code, out, _ = invoke(state(tmp_path, "a.json"), state(tmp_path, "b.json", password="pw-2"))
    assert code == 1
    assert "adminPass: [secret] changed" in out and "pw-2" not in out


def test_a_finding_at_or_above_fail_on_exits_3(tmp_path: Path) -> None:
    old, new = state(tmp_path, "a.json"), state(tmp_path, "b.json", prefix="10.20.0.0/16")
    code, out, _ = invoke(old, new)
    assert code == 3
    assert (
        "new path office → secure: juki-app (juki-app-in) ingress 8443/tcp from 10.20.0.0/16 (no declared flow allows it)"
        in out
    )
    assert invoke(old, new, "--fail-on", "none")[0] == 1
    widened = state(tmp_path, "c.json", prefix="10.10.0.0/16")
    assert invoke(old, widened)[0] == 1  # medium: ingress widened inside the area
    assert invoke(old, widened, "--fail-on", "medium")[0] == 3


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p / "missing.json", "{p}/missing.json: (top level): file not found"),
        (
            lambda p: _write(p / "bad.json", "{"),
            "{p}/bad.json: (top level): not JSON (Expecting property name enclosed in double quotes): expected the output of `pulumi stack export` (line 1)",
        ),
        (
            lambda p: _write(p / "v2.json", '{"version": 2, "deployment": {}}'),
            "{p}/v2.json: version: unsupported version 2: kiban reads version 3",
        ),
        (
            lambda p: _write(p / "spec.json", '{"municipality": {}}'),
            "{p}/spec.json: (top level): not a stack export: no version (expected the output of `pulumi stack export`)",
        ),
    ],
)
def test_bad_input_exits_2_with_a_located_message(tmp_path: Path, make: object, expected: str) -> None:
    code, out, err = invoke(make(tmp_path), state(tmp_path, "ok.json"))  # type: ignore[operator]
    assert code == 2 and out == ""
    assert err.splitlines() == [expected.format(p=tmp_path)]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["a.json"], "diff: new: give one of a state file, --new-stack or --new-spec (got nothing)"),
        (["a.json", "b.json", "c.json"], "Usage: kiban diff [OPTIONS] [old] [new]"),
        (
            ["--old-stack", "x", "a.json", "b.json"],
            "diff: b.json: one state file too many (each side is a file, a stack or a spec)",
        ),
        (
            ["--old-stack", "no-such-stack", "a.json"],
            "diff: stack 'no-such-stack' not found: no {repo}/stacks/Pulumi.no-such-stack.yaml; known stacks: ",
        ),
        (["--old-spec", "city.yaml", "a.json"], "diff: a spec needs --target (e.g. --target openstack)"),
    ],
)
def test_bad_options_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: str) -> None:
    from kiban.render import PROJECT_DIR

    monkeypatch.chdir(tmp_path)
    state(tmp_path, "a.json")
    state(tmp_path, "b.json")
    result = runner.invoke(app, ["diff", *args])
    assert result.exit_code == 2
    assert expected.format(repo=PROJECT_DIR) in result.stderr


def test_every_format(tmp_path: Path) -> None:
    old, new = state(tmp_path, "a.json"), state(tmp_path, "b.json", prefix="0.0.0.0/0", password="pw-2")
    markdown = invoke(old, new, "--format", "markdown")
    assert markdown[0] == 3 and markdown[1].startswith(f"## kiban diff: `{old}` → `{new}`\n")
    data = json.loads(invoke(old, new, "-f", "json")[1])
    assert data["report"] == "kiban diff" and data["summary"]["findings"]["critical"] == 2  # anywhere, and its path
    sarif = json.loads(invoke(old, new, "-f", "sarif")[1])
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"][0]["ruleId"] == "KB-DIFF-ANYWHERE"
    # Relative to the working directory even though the state was named by its absolute path.
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": Path(os.path.relpath(new)).as_posix(),
        "uriBaseId": "%SRCROOT%",
    }
    assert sarif["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}}
    for form in ("text", "markdown", "json", "sarif"):
        out = tmp_path / f"report.{form}"
        code, printed, err = invoke(old, new, "-f", form, "--out", out)
        assert (code, printed, err) == (3, "", f"wrote {out}\n")
        assert "pw-2" not in out.read_text(encoding="utf-8")
    assert "│ critical │ KB-DIFF-ANYWHERE" in (tmp_path / "report.text").read_text(encoding="utf-8")


@pytest.mark.slow  # four renders: each side, for two formats
def test_specs_rendered_on_the_fly(tmp_path: Path) -> None:
    data = yaml.safe_load(SMALL_CITY)
    before = tmp_path / "before.yaml"
    before.write_text(SMALL_CITY, encoding="utf-8")
    data["areas"][0]["vlans"] = {"first": 250, "last": 299}  # renumbering moves no VM: the plan is the same
    after = tmp_path / "after.yaml"
    after.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, out, _ = invoke("--old-spec", before, "--new-spec", after, "--target", "openstack", "-f", "json")
    assert code == 1
    report = json.loads(out)
    assert report["old"]["source"] == f"spec {before} (openstack)"
    assert [(f["rule"], f["message"]) for f in report["findings"]] == [
        ("KB-DIFF-VLAN", "full: VLAN 201 → 251"),
        ("KB-DIFF-VLAN", "lean: VLAN 202 → 252"),
        ("KB-DIFF-VLAN", "office-platform: VLAN 200 → 250"),
    ]
    assert report["summary"]["updated"] == 3 and report["summary"]["added"] == 0
    sarif = json.loads(invoke("--old-spec", before, "--new-spec", after, "--target", "openstack", "-f", "sarif")[1])
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": Path(os.path.relpath(after)).as_posix(), "uriBaseId": "%SRCROOT%"}
