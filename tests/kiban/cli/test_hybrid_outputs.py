"""The hybrid keys of a state are read by one schema wherever they are read (issue 21, item 6).

A garbage ``sites`` is a located refusal (exit 2) for ``inventory``, ``report``, ``audit`` and ``diff`` alike,
never an "unknown site" finding; and a diff of two different sites' states is refused unless asked for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kiban.cli import app
from tests.kiban.cli.test_inventory_sites import site_inventory
from tests.peer_states import good_gc, good_portal, state_document

runner = CliRunner()


def _state(folder: Path, name: str, inventory: dict[str, Any]) -> Path:
    root = good_gc()
    root["outputs"]["inventory"] = inventory
    path = folder / f"{name}.json"
    path.write_text(json.dumps(state_document(root), ensure_ascii=False), encoding="utf-8")
    return path


GARBAGE = [
    ({"sites": "garbage"}, "sites: Input should be a valid list"),
    ({"sites": [{"id": "dc1", "areas": {"mynumber": "everywhere"}}]}, "sites[0].areas.mynumber: 'everywhere' is not"),
    ({"site": "dc9"}, "site: 'dc9' is not one of the inventory's sites (dc1, gc, portal)"),
]


def _commands(state: Path, scratch: Path) -> dict[str, list[str]]:
    return {
        "inventory": ["inventory", str(state), "--out", str(scratch / "hosts.yaml")],
        "report": ["report", str(state), "--out", str(scratch / "report.html"), "--quiet", "--no-embedded-font"],
        "audit": ["audit", str(state)],
        "diff": ["diff", str(state), str(state)],
    }


@pytest.mark.parametrize("command", ["inventory", "report", "audit", "diff"])
@pytest.mark.parametrize(("change", "message"), GARBAGE)
def test_garbage_hybrid_keys_are_refused_by_every_reader(
    tmp_path: Path, command: str, change: dict[str, Any], message: str
) -> None:
    state = _state(tmp_path, "gc", site_inventory("gc") | change)
    result = runner.invoke(app, _commands(state, tmp_path)[command])
    assert result.exit_code == 2, result.output
    assert f"{state}: deployment.resources[0].outputs.inventory.{message}" in result.output
    assert "Traceback" not in result.output and "unknown" not in result.output
    assert not (tmp_path / "hosts.yaml").exists() and not (tmp_path / "report.html").exists()


def test_a_good_site_state_is_read_by_every_reader(tmp_path: Path) -> None:
    state = _state(tmp_path, "gc", site_inventory("gc"))
    for command, arguments in _commands(state, tmp_path).items():
        result = runner.invoke(app, arguments)
        assert result.exit_code in {0, 3}, (command, result.output)


def _site_state(folder: Path, root: dict[str, Any]) -> Path:
    path = folder / f"{root['outputs']['inventory']['site']}.json"
    path.write_text(json.dumps(state_document(root)), encoding="utf-8")
    return path


def test_a_diff_of_two_sites_is_refused_naming_both(tmp_path: Path) -> None:
    gc, portal = _site_state(tmp_path, good_gc()), _site_state(tmp_path, good_portal())
    result = runner.invoke(app, ["diff", str(gc), str(portal)])
    assert result.exit_code == 2, result.output
    assert f"diff: {gc} is the state of site gc and {portal} of site portal" in result.output
    assert "--across-sites" in result.output


def test_across_sites_compares_two_sites_when_asked(tmp_path: Path) -> None:
    gc, portal = _site_state(tmp_path, good_gc()), _site_state(tmp_path, good_portal())
    result = runner.invoke(app, ["diff", str(gc), str(portal), "--across-sites", "--fail-on", "none"])
    assert result.exit_code in {0, 1}, result.output  # compared (outputs are not resources), not refused
    assert "is the state of site gc" not in result.output


def test_one_site_over_time_is_compared(tmp_path: Path) -> None:
    old = _site_state(tmp_path, good_gc())
    root = good_gc()
    root["outputs"]["links"]["dc1-gc"]["transit_gateway_attachment_id"] = "tgw-attach-2"
    new = tmp_path / "new.json"
    new.write_text(json.dumps(state_document(root)), encoding="utf-8")
    result = runner.invoke(app, ["diff", str(old), str(new), "--fail-on", "none"])
    assert result.exit_code in {0, 1}, result.output
