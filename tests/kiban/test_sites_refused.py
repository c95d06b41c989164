"""A spec with sites is never planned as one place: the program builds one site per stack and refuses a stack
that names none (exit 2), while `kiban plan-network`, `kiban plan` and `kiban inventory` work per site
(tests/kiban/cli/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from tests.conftest import REPO

HYBRID = REPO / "specs" / "sample-hybrid.yaml"
runner = CliRunner()


@pytest.mark.parametrize(
    "arguments",
    [
        ["render", "--spec", str(HYBRID), "--target", "aws", "--out", "{out}"],
        ["diff", "--old-spec", str(HYBRID), "--new-spec", str(HYBRID), "--target", "openstack"],
    ],
    ids=["render", "diff"],
)
def test_a_stack_of_a_spec_with_sites_that_names_no_site_is_refused(tmp_path: Path, arguments: list[str]) -> None:
    out = tmp_path / "state.json"
    result = runner.invoke(app, [argument.format(out=out) for argument in arguments])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "kiban:site: missing" in result.output
    assert "sample-hybrid.yaml has sites (dc1, gc, portal): each stack builds one of them" in result.output
    assert not out.exists()


def test_validate_still_reads_a_spec_with_sites() -> None:
    result = runner.invoke(app, ["validate", str(HYBRID)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "arguments",
    [["plan-network", str(HYBRID), "--format", "json"], ["plan", str(HYBRID), "--site", "gc", "--format", "json"]],
    ids=["plan-network", "plan"],
)
def test_the_network_and_placement_plans_plan_each_site(arguments: list[str]) -> None:
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "planning per site is not built yet" not in result.output
