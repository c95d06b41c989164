"""`kiban inventory`: from a state file to an Ansible inventory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
import yaml
from typer.testing import CliRunner

from kiban.cli import app
from kiban.lab.session import platform_inventory
from kiban.verify.hostvars import expanded
from kiban.verify.inventory import SECRET_SIGNATURE, ansible_inventory, inventory_from_state, write_ansible_inventory
from kiban_platform.spec.problems import SpecError
from tests.conftest import SAMPLE_SPEC, SMALL_CITY, SMALL_MANAGEMENT

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
    assert document["children"]["kiban_plan"] == {
        "hosts": {},
        "vars": {"kiban_areas": DOCUMENT["areas"], "kiban_flows": DOCUMENT["flows"], "kiban_management": ANY},
    }, "the plan once, in a group that gives it to no host"
    assert "kiban_flows" not in document["vars"]


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


def test_hosts_go_through_their_own_areas_bastion_as_the_operations_account() -> None:
    document = expanded(ansible_inventory(DOCUMENT))["all"]
    facts = document["hosts"]["juki-app-2"]
    assert facts["ansible_user"] == "kiban-ops" and facts["ansible_port"] == 22 and facts["ansible_become"] is True
    assert facts["ansible_ssh_common_args"] == "-o ProxyJump=kiban-ops@10.10.3.4:22"
    bastion = document["hosts"]["bastion-mynumber-1"]
    assert bastion["ansible_host"] == "10.10.3.4" and "ansible_ssh_common_args" not in bastion
    assert bastion["ansible_become"] is True
    assert document["children"]["role_bastion"]["hosts"].keys() == {
        f"bastion-{area}-{n}" for area in ("mynumber", "lgwan", "internet") for n in (1, 2)
    }
    bastions = {
        facts["ansible_host"]: facts["kiban_area"]
        for facts in document["hosts"].values()
        if facts["kiban_role"] == "bastion"
    }
    through_bastion = 0
    for name, facts in document["hosts"].items():
        if facts["kiban_role"] == "bastion":
            continue
        jump = facts["ansible_ssh_common_args"].removeprefix("-o ProxyJump=kiban-ops@").removesuffix(":22")
        assert bastions[jump] == facts["kiban_area"], f"{name} jumps through another area's bastion"
        through_bastion += 1
    assert through_bastion == len(DOCUMENT["hosts"]) - 6 == 204


def test_without_management_hosts_still_become_root_and_connect_directly() -> None:
    plain = {**DOCUMENT, "management": None, "hosts": [{**host, "bastion": None} for host in DOCUMENT["hosts"]]}
    written = ansible_inventory(plain)["all"]
    assert not any(name.startswith("via_") for name in written["children"]), "no jumps"
    facts = expanded({"all": written})["all"]["hosts"]["juki-app-2"]
    assert facts["ansible_become"] is True
    assert not {"ansible_user", "ansible_port", "ansible_ssh_common_args"} & facts.keys()


ANSIBLE_INVENTORY = Path(sys.executable).parent / "ansible-inventory"


@pytest.mark.skipif(not ANSIBLE_INVENTORY.exists(), reason="ansible-core is not installed in this environment")
def test_ansible_reads_the_written_inventory(tmp_path: Path) -> None:
    # The small city keeps Ansible's reading short; the sample's inventory has the same shape.
    spec = tmp_path / "small.yaml"
    spec.write_text(SMALL_CITY + SMALL_MANAGEMENT, encoding="utf-8")
    document = platform_inventory(spec)
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"inventory": document}), encoding="utf-8")
    out = tmp_path / "hosts.yaml"
    assert runner.invoke(app, ["inventory", str(state), "--out", str(out)]).exit_code == 0
    listed = subprocess.run(
        [str(ANSIBLE_INVENTORY), "-i", str(out), "--list"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "ANSIBLE_VERBOSITY": "0", "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible")},
    )
    read = json.loads(listed.stdout)
    hostvars = read["_meta"]["hostvars"]
    assert len(hostvars) == len(document["hosts"])
    office_bastion, secure_bastion = document["management"]["bastions"]["office"][0], "10.10.3.4"
    assert hostvars["full-db-2"]["ansible_ssh_common_args"] == f"-o ProxyJump=kiban-ops@{office_bastion}:2222"
    assert hostvars["integration-hub-secure-1"]["ansible_ssh_common_args"] == (
        f"-o ProxyJump=kiban-ops@{secure_bastion}:2222"
    )
    assert (hostvars["full-db-2"]["ansible_user"], hostvars["full-db-2"]["ansible_port"]) == ("kiban-ops", 2222)
    assert hostvars["full-db-2"]["ansible_become"] is True
    assert "ansible_ssh_common_args" not in hostvars["bastion-secure-2"]
    assert set(read["role_bastion"]["hosts"]) == {
        "bastion-office-1",
        "bastion-office-2",
        "bastion-secure-1",
        "bastion-secure-2",
    }


def test_what_hosts_share_is_written_once() -> None:
    written = ansible_inventory(DOCUMENT)["all"]
    assert written["vars"] == {"ansible_become": True, "ansible_user": "kiban-ops", "ansible_port": 22}
    for name, facts in written["hosts"].items():
        assert not {key for key in facts if key.startswith("ansible_")} - {"ansible_host"}, name
    jumps = {name: group for name, group in written["children"].items() if name.startswith("via_")}
    assert set(jumps) == {f"via_bastion_{area}_1" for area in ("mynumber", "lgwan", "internet")}
    assert jumps["via_bastion_mynumber_1"]["vars"] == {"ansible_ssh_common_args": "-o ProxyJump=kiban-ops@10.10.3.4:22"}
    mynumber = set(written["children"]["area_mynumber"]["hosts"]) - set(written["children"]["role_bastion"]["hosts"])
    assert set(jumps["via_bastion_mynumber_1"]["hosts"]) == mynumber


def _listed(inventory: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ANSIBLE_INVENTORY), "-i", str(inventory), "--list"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "ANSIBLE_VERBOSITY": "0", "ANSIBLE_LOCAL_TEMP": str(folder / "ansible")},
    )


@pytest.mark.skipif(not ANSIBLE_INVENTORY.exists(), reason="ansible-core is not installed in this environment")
def test_ansible_lists_the_sample_lightly_and_gives_each_host_what_kiban_reads(tmp_path: Path) -> None:
    # The plan under all.vars made this listing 151 MB (every host a copy); bench/inventory.py times it.
    out = tmp_path / "hosts.yml"
    write_ansible_inventory(ansible_inventory(DOCUMENT), out)
    listed = _listed(out, tmp_path)
    assert len(listed.stdout.encode("utf-8")) < 5_000_000
    hostvars = json.loads(listed.stdout)["_meta"]["hostvars"]
    assert not any("kiban_flows" in facts for facts in hostvars.values()), "the plan reaches no host"
    # What Ansible gives each host is what kiban's own readers (the suite) take it to be.
    ours = expanded(ansible_inventory(DOCUMENT))["all"]["hosts"]
    assert hostvars.keys() == ours.keys()
    for name, facts in ours.items():
        assert hostvars[name] == facts, name
