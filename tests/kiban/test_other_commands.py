"""`kiban schema`, `kiban plan-network` and `kiban catalog`."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from kiban.cli import app
from kiban.lab.session import platform_inventory
from kiban.schema import spec_json_schema
from tests.conftest import REPO, SAMPLE_SPEC, SpecWriter

runner = CliRunner()
SCHEMA = spec_json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def test_schema_command_prints_a_valid_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed == SCHEMA


def test_committed_schema_is_up_to_date() -> None:
    """docs/spec.schema.json is what editors load; regenerate it with `kiban schema -o docs/spec.schema.json`."""
    committed = json.loads((REPO / "docs" / "spec.schema.json").read_text(encoding="utf-8"))
    assert committed == SCHEMA


def _messages(errors: Any) -> list[str]:
    """Each error with the reasons inside it (anyOf reports why every branch failed)."""
    found = []
    for error in errors:
        found.append(error.message)
        found += _messages(error.context or [])
    return found


def test_schema_accepts_the_sample_as_written() -> None:
    errors = list(VALIDATOR.iter_errors(yaml.safe_load(SAMPLE_SPEC.read_text(encoding="utf-8"))))
    assert errors == []


@pytest.mark.parametrize(
    ("edit", "complaint"),
    [
        (lambda d: d["businesses"][0].update(colour="blue"), "Additional properties"),
        (lambda d: d["businesses"][20].pop("network_slot"), "network_slot"),
        (lambda d: d["businesses"][0].pop("vendor"), "vendor"),
        (lambda d: d["areas"][0]["vlans"].update(last=5000), "5000"),
        (lambda d: d["middleware"]["monitoring"].update(ports=["https"]), "https"),
    ],
)
def test_schema_rejects_what_an_editor_should_underline(sample_data: dict[str, Any], edit: Any, complaint: str) -> None:
    edit(sample_data)
    messages = " ".join(_messages(VALIDATOR.iter_errors(sample_data)))
    assert complaint in messages


def test_schema_out_option_writes_the_file(tmp_path: Any) -> None:
    out = tmp_path / "schema.json"
    result = runner.invoke(app, ["schema", "--out", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == SCHEMA


def test_plan_network_table_shows_vlans_and_the_matrix() -> None:
    result = runner.invoke(app, ["plan-network", str(SAMPLE_SPEC)])
    assert result.exit_code == 0, result.stderr
    assert "10.10.4.0/22" in result.stdout and "101" in result.stdout
    assert "Flow matrix" in result.stdout
    assert "eltax-tokutei" in result.stdout


def test_plan_network_json_is_complete() -> None:
    result = runner.invoke(app, ["plan-network", str(SAMPLE_SPEC), "--format", "json"])
    assert result.exit_code == 0
    plan = json.loads(result.stdout)
    juki = next(s for s in plan["segments"] if s["segment"] == "juki")
    assert juki["vlan"] == 101 and juki["cidr"] == "10.10.4.0/22"
    crossing = [rule for rule in plan["rules"] if rule["crosses_areas"]]
    declared = [rule for rule in crossing if rule["kind"] == "declared-flow"]
    assert {rule["flow"] for rule in declared} == {"eltax-tokutei", "mynaportal-tokutei", "shinsei-mugaika"}
    # The only other crossings: each area's operations network into its own bastion.
    assert sorted((rule["from"]["id"], rule["to"]["id"]) for rule in crossing if rule not in declared) == [
        (f"operations:ops-{area}@{area}", f"bastion@{area}") for area in ("internet", "lgwan", "mynumber")
    ]


def test_plan_network_json_keeps_its_shape_and_agrees_with_the_inventory() -> None:
    """Both documents come from one builder; each keeps exactly its own keys (both are contracts)."""
    result = runner.invoke(app, ["plan-network", str(SAMPLE_SPEC), "--format", "json"])
    plan = json.loads(result.stdout)
    assert list(plan) == ["segments", "rules"]
    for segment in plan["segments"]:
        assert list(segment) == ["area", "segment", "business", "slot", "vlan", "cidr", "subnets"]
        assert all(list(subnet) == ["name", "cidr", "gateway", "tier", "role"] for subnet in segment["subnets"])
    group_keys = ["id", "kind", "area", "cidr", "business", "tier", "role"]
    for rule in plan["rules"]:
        assert list(rule) == ["from", "to", "protocol", "ports", "kind", "flow", "crosses_areas"]
        assert list(rule["from"]) == group_keys and list(rule["to"]) == group_keys
    inventory = platform_inventory(SAMPLE_SPEC)
    in_inventory = [
        (segment["name"], segment["vlan"], segment["cidr"])
        for area in inventory["areas"]
        for segment in area["segments"]
    ]
    assert sorted(in_inventory) == sorted((s["segment"], s["vlan"], s["cidr"]) for s in plan["segments"])
    assert [(f["from"]["group"], f["to"]["group"], f["flow"]) for f in inventory["flows"]] == [
        (r["from"]["id"], r["to"]["id"], r["flow"]) for r in plan["rules"]
    ]
    assert all(list(flow) == ["from", "to", "port", "kind", "flow", "crosses_areas"] for flow in inventory["flows"])


def test_plan_network_on_a_bad_spec_exits_2(sample_data: dict[str, Any], write_spec: SpecWriter) -> None:
    sample_data["areas"][1]["supernet"] = "10.10.0.0/16"
    path = write_spec(sample_data)
    result = runner.invoke(app, ["plan-network", str(path)])
    assert result.exit_code == 2
    assert f"{path}: areas[1].supernet: 10.10.0.0/16 overlaps" in result.stderr


def test_catalog_lists_the_twenty_businesses() -> None:
    result = runner.invoke(app, ["catalog"])
    assert result.exit_code == 0
    for name in ("住民基本台帳", "戸籍の附票", "固定資産税", "介護保険"):
        assert name in result.stdout


def test_catalog_unknown_version_exits_2() -> None:
    result = runner.invoke(app, ["catalog", "--version", "7"])
    assert result.exit_code == 2
    assert "no catalogue version 7" in result.stderr


@pytest.mark.parametrize("command", ["validate", "schema", "plan-network", "catalog"])
def test_every_subcommand_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout
