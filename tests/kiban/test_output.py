"""--out files: written whole or not at all, an existing file kept on failure, no directory invented."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from kiban.cli.common import write_output
from kiban_platform.spec.problems import SpecError
from tests.conftest import SAMPLE_SPEC
from tests.rendering import write_tiny_city


def test_writes_the_whole_text_and_leaves_no_partial_file(tmp_path: Path) -> None:
    out = tmp_path / "state.json"
    write_output(out, "{}\n")
    assert out.read_text(encoding="utf-8") == "{}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_replacing_keeps_the_existing_files_permissions(tmp_path: Path) -> None:
    out = tmp_path / "inventory.yml"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    write_output(out, "new")
    assert out.read_text(encoding="utf-8") == "new" and out.stat().st_mode & 0o777 == 0o640


def test_a_missing_folder_is_an_error_not_created(tmp_path: Path) -> None:
    out = tmp_path / "typo" / "state.json"
    with pytest.raises(SpecError, match="does not exist"):
        write_output(out, "x")
    assert not (tmp_path / "typo").exists()


def test_a_directory_is_not_a_file_name(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="is a directory"):
        write_output(tmp_path, "x")


def test_a_failed_write_leaves_the_existing_file_byte_for_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "plan.json"
    out.write_bytes(b"reviewed plan\n")

    def broken(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", broken)
    with pytest.raises(SpecError, match="No space left on device"):
        write_output(out, "half")
    assert out.read_bytes() == b"reviewed plan\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_commands_answer_a_missing_folder_with_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["schema", "--out", str(tmp_path / "nope" / "schema.json")])
    assert result.exit_code == 2
    assert "does not exist (kiban does not create it)" in result.output
    assert not (tmp_path / "nope").exists()


def test_a_failing_command_leaves_the_existing_out_file(tmp_path: Path) -> None:
    existing = tmp_path / "inventory.yml"
    existing.write_bytes(b"previous inventory\n")
    result = CliRunner().invoke(app, ["inventory", str(SAMPLE_SPEC), "--out", str(existing)])
    assert result.exit_code == 2  # a spec is not a state
    assert existing.read_bytes() == b"previous inventory\n"


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@pytest.mark.parametrize("output_format", ["table", "json", "csv"])
def test_kiban_plan_never_creates_a_folder(tmp_path: Path, output_format: str) -> None:
    spec = write_tiny_city(tmp_path)
    result = CliRunner().invoke(
        app, ["plan", str(spec), "--format", output_format, "--out", str(tmp_path / "typo" / "plan.out")]
    )
    assert result.exit_code == 2 and "does not exist (kiban does not create it)" in result.output
    assert not (tmp_path / "typo").exists()


def test_kiban_plan_table_goes_to_the_file_whole(tmp_path: Path) -> None:
    out = tmp_path / "plan.txt"
    result = CliRunner().invoke(app, ["plan", str(write_tiny_city(tmp_path)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "blades used" in text and "\x1b[" not in text
