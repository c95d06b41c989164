"""`kiban inventory`: from a state file to an Ansible inventory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kiban.cli import app
from lab.session import platform_inventory
from spec.problems import SpecError
from tests.conftest import SAMPLE_SPEC
from verify.inventory import SECRET_SIGNATURE, ansible_inventory, inventory_from_state

runner = CliRunner()
DOCUMENT = platform_inventory(SAMPLE_SPEC)


def _export(outputs: dict[str, Any]) -> dict[str, Any]:
    """A minimal real-format `pulumi stack export` whose stack resource carries the outputs."""
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-11-26T00:00:00Z", "magic": "", "version": "v3.272.0"},
            "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:x"}},
            "resources": [
                {
                    "urn": "urn:pulumi:prod::kiban::pulumi:pulumi:Stack::kiban-prod",
                    "custom": False,
                    "type": "pulumi:pulumi:Stack",
                    "outputs": outputs,
                },
            ],
        },
    }


@pytest.mark.parametrize(
    "state",
    [
        _export({"inventory": DOCUMENT}),
        {"inventory": DOCUMENT},  # pulumi stack output --json
        _export(
            {"inventory": {SECRET_SIGNATURE: "1b47061264138c4ac30d75fd1eb44270", "plaintext": json.dumps(DOCUMENT)}}
        ),
    ],
    ids=["stack export", "stack output", "export --show-secrets"],
)
def test_inventory_is_found_in_every_state_form(tmp_path: Path, state: dict[str, Any]) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state), encoding="utf-8")
    assert inventory_from_state(path) == DOCUMENT


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ("[]", "expected a JSON object"),
        (json.dumps({"version": 3, "deployment": {"resources": []}}), "not a stack export"),
        (json.dumps(_export({"other": 1})), "no 'inventory' output"),
        (
            json.dumps(
                _export({"inventory": {SECRET_SIGNATURE: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"}})
            ),
            "encrypted secret",
        ),
        (json.dumps({"inventory": {"hosts": []}}), "needs 'hosts', 'areas' and 'flows'"),
    ],
)
def test_bad_state_is_a_located_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SpecError, match=message):
        inventory_from_state(path)


def test_ansible_inventory_groups_by_area_role_and_business() -> None:
    document = ansible_inventory(DOCUMENT)["all"]
    facts = document["hosts"]["juki-app-2"]
    assert facts["ansible_host"] == "10.10.5.5"
    assert (facts["kiban_area"], facts["kiban_role"], facts["kiban_business"]) == ("mynumber", "app", "juki")
    assert facts["kiban_failure_domain"] == "ch2"
    assert "juki-app-2" in document["children"]["area_mynumber"]["hosts"]
    assert "juki-app-2" in document["children"]["business_juki"]["hosts"]
    assert "integration-hub-lgwan-1" in document["children"]["role_integration_hub"]["hosts"]
    assert all(name.replace("_", "").isalnum() for name in document["children"]), "Ansible group names"
    assert document["vars"]["kiban_flows"] == DOCUMENT["flows"]


def test_inventory_command_writes_yaml(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps(_export({"inventory": DOCUMENT})), encoding="utf-8")
    out = tmp_path / "hosts.yaml"
    result = runner.invoke(app, ["inventory", str(state), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["all"]["hosts"]["juki-web-1"]["ansible_host"] == "10.10.4.4"


def test_inventory_command_on_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["inventory", str(tmp_path / "none.json"), "--out", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2
    assert "file not found" in result.stderr
    assert not (tmp_path / "x.yaml").exists(), "nothing half-written"


def test_verify_command_on_a_missing_inventory_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["verify", "--inventory", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2
