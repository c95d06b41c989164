"""`kiban init DIR`: a city's own Pulumi project that calls kiban's program."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from kiban.cli import app
from kiban.render import find_project, load_stack_config
from kiban_platform.program import stack_settings
from kiban_platform.spec.load import load_spec
from tests.conftest import REPO

runner = CliRunner()
FILES = {
    "Pulumi.yaml",
    "__main__.py",
    "requirements.txt",
    "stacks/Pulumi.city-openstack.yaml",
    "specs/city.yaml",
    "plans/.gitkeep",
}


def _files(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def test_init_writes_a_project_like_the_repository(tmp_path: Path) -> None:
    project = tmp_path / "minatogawa"
    result = runner.invoke(app, ["init", str(project)])
    assert result.exit_code == 0, result.output
    assert _files(project) == FILES
    for same in ("Pulumi.yaml", "__main__.py"):
        assert (project / same).read_text(encoding="utf-8") == (REPO / same).read_text(encoding="utf-8"), same
    assert "kiban" in (project / "requirements.txt").read_text(encoding="utf-8").split("\n")[-2]
    assert "kiban render --stack city-openstack" in result.stdout
    assert load_spec(project / "specs" / "city.yaml").municipality.name_en == "Test City"


def test_the_starting_stack_is_a_valid_stack_of_the_project(tmp_path: Path) -> None:
    project = tmp_path / "city"
    assert runner.invoke(app, ["init", str(project), "--stack", "dev"]).exit_code == 0
    stack = load_stack_config(project, "dev")
    settings = stack_settings(stack.config, str(stack.stack_file))
    assert (settings.spec, settings.target) == ("specs/city.yaml", "openstack")
    assert (project / settings.spec).is_file()
    assert find_project(project / "specs") == project.resolve()


def test_a_non_empty_folder_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"init: {tmp_path}: not empty; give an empty or new folder (or --force to write into it)"
    )
    assert _files(tmp_path) == {"notes.txt"}


def test_force_writes_into_a_non_empty_folder_keeping_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "Pulumi.yaml").write_text("name: old\n", encoding="utf-8")
    assert runner.invoke(app, ["init", str(tmp_path), "--force"]).exit_code == 0
    assert _files(tmp_path) == FILES | {"notes.txt"}
    assert yaml.safe_load((tmp_path / "Pulumi.yaml").read_text(encoding="utf-8"))["name"] == "kiban"


def test_an_empty_existing_folder_is_fine(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    assert _files(tmp_path) == FILES


def test_bad_places_and_names_are_refused_with_nothing_written(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("", encoding="utf-8")
    cases = [
        ([str(file)], f"init: {file}: exists and is not a folder"),
        ([str(tmp_path / "a" / "b")], f"init: {tmp_path / 'a' / 'b'}: the folder {tmp_path / 'a'} does not exist"),
        ([str(tmp_path / "p"), "--stack", "a b"], "init: --stack 'a b': a stack name has only letters"),
    ]
    for arguments, message in cases:
        result = runner.invoke(app, ["init", *arguments])
        assert result.exit_code == 2, arguments
        assert result.stderr.startswith(message), result.stderr
    assert _files(tmp_path) == {"file"}
    assert [path.name for path in tmp_path.iterdir()] == ["file"]  # no scratch folder left behind
