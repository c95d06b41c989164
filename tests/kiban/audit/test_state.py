"""Reading states: every kind of bad input named as FILE: path: message; what a real export carries kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kiban.audit.state import PendingOperation, load_state, state_from_document
from kiban_platform.spec.problems import SpecError
from tests.kiban.audit.builders import Export


def problems(path: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_state(path)
    return caught.value.lines()


def test_missing_file(tmp_path: Path) -> None:
    assert problems(tmp_path / "none.json") == [f"{tmp_path / 'none.json'}: (top level): file not found"]


def test_a_folder(tmp_path: Path) -> None:
    assert problems(tmp_path) == [f"{tmp_path}: (top level): is a folder, not a state file"]


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"version": 3,\n  "deployment": }\n', encoding="utf-8")
    assert problems(path) == [
        f"{path}: (top level): not JSON (Expecting value): expected the output of `pulumi stack export` (line 2)"
    ]


URN = "urn:pulumi:dev::kiban::kiban:net:Area$openstack:networking/network:Network::mynumber"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([], "(top level): not a stack export: expected a JSON object with version and deployment"),
        (
            {"deployment": {}},
            "(top level): not a stack export: no version (expected the output of `pulumi stack export`)",
        ),
        ({"version": 2, "deployment": {}}, "version: unsupported version 2: kiban reads version 3"),
        ({"version": "3", "deployment": {}}, "version: unsupported version '3': kiban reads version 3"),
        ({"version": 3}, "deployment: missing: not a stack export"),
        ({"version": 3, "deployment": []}, "deployment: must be an object with manifest and resources"),
        ({"version": 3, "deployment": {"resources": {}}}, "deployment.resources: must be a list of resources"),
        (
            {"version": 3, "deployment": {"resources": [{"type": "t"}]}},
            "deployment.resources[0].urn: missing: every resource has a urn and a type",
        ),
        (
            {"version": 3, "deployment": {"resources": [{"urn": URN, "type": "t", "inputs": []}]}},
            "deployment.resources[0].inputs: must be an object, not a list",
        ),
        (
            {"version": 3, "deployment": {"resources": [{"urn": "u", "type": "t"}]}},
            "deployment.resources[0].urn: not a URN: expected urn:pulumi:<stack>::<project>::<type>::<name>",
        ),
        (
            {"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::::n", "type": "t"}]}},
            "deployment.resources[0].urn: not a URN: expected urn:pulumi:<stack>::<project>::<type>::<name>",
        ),
        (
            {"version": 3, "deployment": {"resources": [{"urn": 7, "type": "t"}]}},
            "deployment.resources[0].urn: must be a string, not a number",
        ),
        (
            {"version": 3, "deployment": {"resources": [{"urn": URN, "type": ["t"]}]}},
            "deployment.resources[0].type: must be a string, not a list",
        ),
        (
            {"version": 3, "deployment": {"resources": [{"urn": URN, "type": "t", "id": 12}]}},
            "deployment.resources[0].id: must be a string, not a number",
        ),
        (
            {"version": 3, "deployment": {"resources": [{"urn": URN, "type": "t", "custom": "yes"}]}},
            "deployment.resources[0].custom: must be true or false, not a string",
        ),
        (
            {"version": 3, "deployment": {"resources": [{"urn": URN, "type": "t", "parent": {}}]}},
            "deployment.resources[0].parent: must be a URN, not an object",
        ),
        (
            {"version": 3, "deployment": {"resources": [{"urn": URN, "type": "t", "dependencies": "x"}]}},
            "deployment.resources[0].dependencies: must be a list of URNs, not a string",
        ),
        (
            {"version": 3, "deployment": {"resources": [{"urn": URN, "type": "t", "dependencies": [1]}]}},
            "deployment.resources[0].dependencies[0]: must be a URN, not a number",
        ),
        (
            {"version": 3, "deployment": {"resources": [{"urn": URN, "type": "t", "outputs": "text"}]}},
            "deployment.resources[0].outputs: must be an object, not a string",
        ),
        (
            {"version": 3, "deployment": {"resources": [], "pending_operations": [{"type": "creating"}]}},
            "deployment.pending_operations[0].resource: missing: a pending operation names its resource",
        ),
    ],
)
def test_not_a_stack_export(tmp_path: Path, document: object, expected: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert problems(path) == [f"{path}: {expected}"]


def test_duplicate_urns_are_refused_but_a_replacement_waiting_for_deletion_is_not(tmp_path: Path) -> None:
    resource = {"urn": "urn:pulumi:s::p::t::a", "type": "t", "custom": True, "id": "1"}
    doubled = {"version": 3, "deployment": {"resources": [resource, dict(resource)]}}
    assert state_from_document_lines(doubled) == ["x: deployment.resources[1].urn: duplicate URN urn:pulumi:s::p::t::a"]
    replaced = {"version": 3, "deployment": {"resources": [{**resource, "delete": True}, resource]}}
    state = state_from_document(replaced, "x")
    assert [r["urn"] for r in state.resources] == ["urn:pulumi:s::p::t::a"]
    assert state.pending_deletes == ["urn:pulumi:s::p::t::a"]


def state_from_document_lines(document: object) -> list[str]:
    with pytest.raises(SpecError) as caught:
        state_from_document(document, "x")
    return caught.value.lines()


def test_a_real_export_with_pending_operations(tmp_path: Path) -> None:
    export = Export()
    export.add("openstack:compute/instance:Instance", "app-1", {"name": "app-1"})
    pending: list[dict[str, Any]] = [
        {
            "resource": {
                "urn": "urn:pulumi:city-prod::kiban::openstack:compute/instance:Instance::app-2",
                "type": "openstack:compute/instance:Instance",
            },
            "type": "creating",
        }
    ]
    state = load_state(export.write(tmp_path / "prod.json", pending))
    assert state.source == str(tmp_path / "prod.json")
    assert state.pending == [
        PendingOperation("creating", pending[0]["resource"]["urn"], "openstack:compute/instance:Instance")
    ]
    assert state.secrets_provider == "passphrase"
    assert state.stack_name == "city-prod"
    assert len(state.resources) == 3  # the stack, the default provider, the instance


def test_a_backend_checkpoint_file(tmp_path: Path) -> None:
    """~/.pulumi/stacks/<stack>.json keeps the deployment under checkpoint.latest."""
    export = Export()
    document = {"version": 3, "checkpoint": {"stack": "city-prod", "latest": export.document()["deployment"]}}
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert len(load_state(path).resources) == 2


def test_an_empty_stack() -> None:
    state = state_from_document({"version": 3, "deployment": {"manifest": {}}}, "empty")
    assert state.resources == [] and state.pending == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"version": NaN}', "(top level): not JSON: NaN is not a JSON number: expected the output of"),
        (b'{"version": -Infinity}', "(top level): not JSON: -Infinity is not a JSON number"),
        (b"\xff\xfe{}", "(top level): not UTF-8 text (invalid start byte at byte 0); a state file is UTF-8 JSON"),
        (b"[" * 5000, "(top level): nested more than 128 levels deep: refused as a state file (line 1)"),
        (b'{"version": 3, "deployment": {"resources": []}', "(top level): not JSON (Expecting ',' delimiter)"),
    ],
)
def test_hostile_json_is_a_located_problem(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    [problem] = problems(path)
    assert problem.startswith(f"{path}: {expected}")
