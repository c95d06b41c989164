"""Work that plans one place refuses a spec with sites (exit 2, at `sites`), never plans it as one place or crashes.

`kiban plan-network`, `kiban plan` and `kiban inventory` plan per site (tests/kiban/cli/); what is left here
still plans one place.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from tests.conftest import REPO

HYBRID = REPO / "specs" / "sample-hybrid.yaml"
runner = CliRunner()


@pytest.mark.parametrize(
    ("arguments", "work"),
    [
        (["render", "--spec", str(HYBRID), "--target", "aws", "--out", "{out}"], "the Pulumi program"),
        (["diff", "--old-spec", str(HYBRID), "--new-spec", str(HYBRID), "--target", "openstack"], "the Pulumi program"),
    ],
    ids=["render", "diff"],
)
def test_a_spec_with_sites_is_refused_where_work_plans_one_place(
    tmp_path: Path, arguments: list[str], work: str
) -> None:
    out = tmp_path / "state.json"
    result = runner.invoke(app, [argument.format(out=out) for argument in arguments])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"sample-hybrid.yaml: sites: {work}" in result.output
    assert "this spec has sites (dc1, gc, portal)" in result.output
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
