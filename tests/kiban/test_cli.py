"""The last-resort guard: input that exhausts the interpreter ends in exit 2 with the file named, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import kiban_platform.spec.load
from kiban.cli import EXIT_BAD_INPUT, app
from kiban_platform.spec.model import PlatformSpec

runner = CliRunner()


@pytest.mark.parametrize("surprise", [RecursionError, MemoryError])
def test_exhausting_input_is_bad_input_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, surprise: type[Exception]
) -> None:
    spec = tmp_path / "city.yaml"
    spec.write_text("x: 1\n", encoding="utf-8")

    def exhausted(_: Path, **__: object) -> PlatformSpec:
        raise surprise()

    monkeypatch.setattr(kiban_platform.spec.load, "load_spec", exhausted)
    result = runner.invoke(app, ["validate", str(spec)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert (
        result.stderr == f"{spec}: (top level): too large or too deeply nested to read ({surprise.__name__}): refused\n"
    )
    assert "Traceback" not in result.output


def test_other_exceptions_stay_visible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug is not bad input: the guard lets it through, where tests and users see it."""

    def broken(_: Path, **__: object) -> PlatformSpec:
        raise KeyError("bug")

    monkeypatch.setattr(kiban_platform.spec.load, "load_spec", broken)
    result = runner.invoke(app, ["validate", str(tmp_path / "city.yaml")])
    assert isinstance(result.exception, KeyError)
