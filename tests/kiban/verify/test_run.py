"""`kiban verify`: the pytest command it builds passes the operator's testinfra options through untouched."""

from __future__ import annotations

import json
import socket
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
    assert command[:5] == [sys.executable, "-P", "-m", "pytest", str(run.SUITE)]
    assert command[command.index("--kiban-inventory") + 1] == str(inventory.absolute())
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


def _pytest_sees(monkeypatch: pytest.MonkeyPatch, *arguments: str) -> tuple[list[str], dict[str, Any]]:
    """The command `kiban verify ARGUMENTS` runs pytest with (nothing runs), and how."""
    seen: list[tuple[list[str], dict[str, Any]]] = []

    def fake_run(command: list[str], **settings: Any) -> subprocess.CompletedProcess[str]:
        seen.append((command, settings))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    result = runner.invoke(app, ["verify", *arguments])
    assert result.exit_code == 0, result.output
    [found] = seen
    return found


def test_an_option_value_with_an_i_inside_is_not_kiban_s_own_i(
    written_inventory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # click would read "-o ConnectTimeout=5" as short options -o -C -o -n ... -i "meout=5".
    command, _ = _pytest_sees(
        monkeypatch, "--inventory", str(written_inventory), "--ssh-extra-args", "-o ConnectTimeout=5", "-x"
    )
    assert command[command.index("--kiban-inventory") + 1] == str(written_inventory)
    assert command[-2:] == ["--ssh-extra-args=-o ConnectTimeout=5", "-x"]
    command, _ = _pytest_sees(monkeypatch, "--ssh-extra-args", "-i ~/.ssh/ops", "-i", str(written_inventory))
    assert command[command.index("--kiban-inventory") + 1] == str(written_inventory)
    assert command[-1:] == ["--ssh-extra-args=-i ~/.ssh/ops"]
    command, _ = _pytest_sees(monkeypatch, f"--inventory={written_inventory}", "--", "--area", "lgwan")
    assert "--kiban-area" not in command and command[-2:] == ["--area", "lgwan"], "after --, nothing is kiban's"


def test_testinfra_reads_the_joined_value_whole(tmp_path: Path) -> None:
    # pytest's own parser refuses "--ssh-extra-args" "-o ConnectTimeout=5" as two words; joined, testinfra has it.
    probe = tmp_path / "test_option.py"
    probe.write_text(
        "def test_value(request):\n    assert request.config.option.ssh_extra_args == '-o ConnectTimeout=5'\n",
        encoding="utf-8",
    )
    pair = ["--ssh-extra-args", "-o ConnectTimeout=5"]
    base = [sys.executable, "-m", "pytest", str(probe), "-p", "no:cacheprovider", "-q", "-n", "0"]
    apart = subprocess.run([*base, *pair], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert apart.returncode == 4 and "expected one argument" in apart.stderr
    joined = subprocess.run(
        [*base, *run.with_values_attached(pair)], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert joined.returncode == 0, joined.stdout + joined.stderr


def test_pytest_runs_in_the_caller_s_folder_with_kiban_s_tools_first(
    written_inventory: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    _, settings = _pytest_sees(monkeypatch, "--inventory", str(written_inventory))
    assert settings["cwd"] == tmp_path
    assert settings["env"]["PATH"] == f"{Path(sys.executable).parent}:/usr/bin:/bin"


def _one_local_host(folder: Path, port: int) -> tuple[Path, Path]:
    """A kiban inventory of one host (this machine, declaring ``port``), and an Ansible one reaching it locally."""
    host = {
        "ansible_host": "127.0.0.1",
        "kiban_area": "mynumber",
        "kiban_group": "probe/app",
        "kiban_role": "app",
        "kiban_ports": [f"{port}/tcp"],
    }
    kiban = {"all": {"hosts": {"probe-1": host}, "vars": {"kiban_areas": [], "kiban_flows": []}}}
    ansible = {"all": {"hosts": {"probe-1": {"ansible_connection": "local"}}}}
    (folder / "hosts.yml").write_text(json.dumps(kiban), encoding="utf-8")
    (folder / "ansible.yml").write_text(json.dumps(ansible), encoding="utf-8")
    return folder / "hosts.yml", folder / "ansible.yml"


def test_the_documented_command_runs_from_another_folder_without_the_venv_on_path(tmp_path: Path) -> None:
    """Relative --inventory and --ansible-inventory, kiban by its full path, a PATH without the virtualenv,
    and an option value with an ``i`` in it."""
    with socket.socket() as listener:
        listener.bind(("0.0.0.0", 0))
        listener.listen()
        _one_local_host(tmp_path, listener.getsockname()[1])
        environment = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "PYTHONPATH": str(run.SUITE.parents[2]),
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible"),
        }
        finished = subprocess.run(
            [str(Path(sys.executable).parent / "kiban"), "verify", "--inventory", "hosts.yml",
             "--ansible-inventory", "ansible.yml", "--ssh-extra-args", "-o ConnectTimeout=5",
             "-k", "test_declared_ports_listen"],
            capture_output=True, text=True, check=False, cwd=tmp_path, env=environment, timeout=300,
        )  # fmt: skip
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "1 passed" in finished.stdout


def test_suite_with_an_area_collects_only_what_its_terminal_reaches(written_inventory: Path) -> None:
    collected = subprocess.run(
        run.suite_command(written_inventory, ["--collect-only"], area="lgwan"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    items = [line for line in collected.stdout.splitlines() if "::" in line]
    document = ansible_inventory(platform_inventory(SAMPLE_SPEC))
    area_of = {name: facts.get("kiban_area") for name, facts in document["all"]["hosts"].items()}
    hosts = {line.split("[", 1)[1].rstrip("]") for line in items if "test_declared_ports_listen[" in line}
    assert hosts == {name for name, area in area_of.items() if area == "lgwan"}
    sources = {line.split("[", 1)[1].split("->", 1)[0] for line in items if "test_connection[" in line}
    assert sources and {area_of[source] for source in sources} == {"lgwan"}, "probes start on the area's hosts only"


def test_suite_with_an_area_refuses_a_host_of_another(written_inventory: Path) -> None:
    collected = subprocess.run(
        run.suite_command(written_inventory, ["--collect-only", "--hosts", "juki-app-2"], area="lgwan"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert collected.returncode == 4, collected.stdout + collected.stderr
    assert "juki-app-2 is in area mynumber: not reachable from area lgwan's terminal (--area lgwan)" in collected.stderr


def test_kiban_verify_refuses_an_area_the_inventory_lacks(
    written_inventory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subprocess, "run", lambda *_, **__: pytest.fail("pytest must not run for an unknown area"))
    result = runner.invoke(app, ["verify", "--inventory", str(written_inventory), "--area", "mynumbre"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"--area: 'mynumbre' is not an area of {written_inventory} (its areas: mynumber, lgwan, internet)\n"
    )
