"""`kiban verify`: the pytest command it builds passes the operator's testinfra options through untouched."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from kiban.lab.session import platform_inventory
from kiban.verify import run
from kiban.verify.hostvars import expanded
from kiban.verify.inventory import ansible_inventory, write_ansible_inventory
from tests.conftest import SAMPLE_SPEC

runner = CliRunner()
# A "billion laughs": ten aliases of ten aliases, nine levels deep.
ALIAS_BOMB = b"l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n".encode() for i in range(1, 10)
)
OPERATOR_OPTIONS = [
    "--hosts=role_bastion,juki-app-2",
    "--ansible-inventory=/home/ops/site.yaml",
    "--sudo",
    "--ssh-config=/home/ops/.ssh/config",
    "--connection=ansible",
    "-x",
]


def test_kiban_verify_passes_testinfra_options_to_pytest(
    written_inventory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = written_inventory
    seen: list[list[str]] = []

    def fake_run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        seen.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    result = runner.invoke(app, ["verify", "--inventory", str(inventory), *OPERATOR_OPTIONS])
    assert result.exit_code == 0, result.stderr
    [command] = seen
    assert command[:4] == [sys.executable, "-m", "pytest", str(run.SUITE)]
    assert command[command.index("--kiban-inventory") + 1] == str(inventory)
    assert command[-len(OPERATOR_OPTIONS) :] == OPERATOR_OPTIONS, "the operator's options come last, as written"


@pytest.fixture(scope="module")
def written_inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inventory") / "hosts.yaml"
    write_ansible_inventory(ansible_inventory(platform_inventory(SAMPLE_SPEC)), path)
    return path


def _collect(inventory: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        run.suite_command(inventory, ["--collect-only", *extra]),
        capture_output=True,
        text=True,
        check=False,
        cwd=run.SUITE.parents[2],
    )


def test_suite_collects_against_an_inventory_with_proxyjump_hosts(written_inventory: Path) -> None:
    hosts = json.dumps(expanded(ansible_inventory(platform_inventory(SAMPLE_SPEC)))["all"]["hosts"]["juki-app-2"])
    assert "ProxyJump" in hosts
    collected = _collect(written_inventory)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    items = [line for line in collected.stdout.splitlines() if "::" in line]
    assert any("test_declared_ports_listen[bastion-mynumber-1]" in item for item in items)
    assert any("test_host_firewall_is_default_deny_with_the_planned_sources[juki-app-2]" in item for item in items)


def test_suite_honours_hosts_when_collecting(written_inventory: Path) -> None:
    collected = _collect(written_inventory, "--hosts=role_bastion", "-k", "test_declared_ports_listen")
    assert collected.returncode == 0, collected.stdout + collected.stderr
    items = [line for line in collected.stdout.splitlines() if "test_declared_ports_listen[" in line]
    assert len(items) == 6 and all("[bastion-" in item for item in items)


def test_suite_refuses_hosts_naming_nothing(written_inventory: Path) -> None:
    collected = _collect(written_inventory, "--hosts=nowhere")
    assert collected.returncode == 4, collected.stdout + collected.stderr
    assert "'nowhere' is neither a host nor a group" in collected.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "(top level): not an Ansible inventory: expected a mapping with 'all' (write it with `kiban inventory`)"),
        (b"garbage\n", "(top level): not an Ansible inventory"),
        (b"all: {hosts: {}}\n", "all.hosts: Dictionary should have at least 1 item after validation, not 0 (line 1)"),
        (b"\xff\xfe", "(top level): not UTF-8 text"),
        (b"all: [", "(top level): YAML syntax error"),
        (ALIAS_BOMB, "(top level): more than 100,000 values once its aliases are expanded"),
    ],
)
def test_kiban_verify_refuses_a_broken_inventory_before_pytest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, expected: str
) -> None:
    inventory = tmp_path / "hosts.yaml"
    inventory.write_bytes(content)
    monkeypatch.setattr(subprocess, "run", lambda *_, **__: pytest.fail("pytest must not run on a broken inventory"))
    result = runner.invoke(app, ["verify", "--inventory", str(inventory)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"{inventory}: {expected}")
    assert "Traceback" not in result.output


def test_kiban_verify_names_a_host_without_an_address(written_inventory: Path, tmp_path: Path) -> None:
    import yaml

    document = yaml.safe_load(written_inventory.read_text(encoding="utf-8"))
    first = next(iter(document["all"]["hosts"]))
    document["all"]["hosts"][first]["ansible_host"] = None
    inventory = tmp_path / "hosts.yaml"
    inventory.write_text(yaml.safe_dump(document), encoding="utf-8")
    result = runner.invoke(app, ["verify", "--inventory", str(inventory)])
    assert result.exit_code == 2
    assert f"{inventory}: all.hosts.{first}.ansible_host: Input should be a valid string" in result.stderr


def test_suite_reads_its_own_settings_not_the_checkout_s(written_inventory: Path) -> None:
    # From the repository root, whose pyproject asks its own tests for xdist and a marker filter.
    collected = _collect(written_inventory, "-v", "-v")
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert f"configfile: {(run.SUITE / 'pytest.ini').relative_to(run.SUITE)}" in collected.stdout
    assert "bringing up nodes" not in collected.stdout
    assert "deselected" not in collected.stdout
