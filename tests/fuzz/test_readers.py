"""Property-based tests: every reader, handed a hostile file, ends in a documented exit code, never a traceback.

KIBAN_FUZZ_EXAMPLES sets the cases per reader (default 10, for a quick suite; CI runs 100); KIBAN_FUZZ_SAVE=1 keeps
each failing case in tests/fuzz/corpus/ for test_corpus.py to replay.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import harness
from tests.fuzz.mutations import FUZZ, hostile_json, hostile_yaml, paths

# Strategies are built lazily (the render happens on first use, not at collection).


@FUZZ
@given(data=st.data())
def test_state_reader(data: st.DataObject) -> None:
    content = data.draw(hostile_json(harness.good_state(), harness.state_paths()))
    command = data.draw(st.sampled_from(harness.READERS["state"][1]))
    harness.run_case("state", command, content)


@FUZZ
@given(data=st.data())
def test_stack_output_reader(data: st.DataObject) -> None:
    outputs = harness.stack_outputs()
    content = data.draw(hostile_json(outputs, paths(outputs)))
    command = data.draw(st.sampled_from(harness.READERS["outputs"][1]))
    harness.run_case("outputs", command, content)


@FUZZ
@given(data=st.data())
def test_ansible_inventory_reader(data: st.DataObject) -> None:
    inventory = harness.good_ansible_inventory()
    content = data.draw(hostile_yaml(inventory, paths(inventory)))
    harness.run_case("ansible", harness.VERIFY, content)


@FUZZ
@given(data=st.data())
def test_waivers_reader(data: st.DataObject) -> None:
    content = data.draw(hostile_yaml(harness.GOOD_WAIVERS, paths(harness.GOOD_WAIVERS)))
    harness.run_case("waivers", harness.WAIVERS, content)


@FUZZ
@given(data=st.data())
def test_plan_reader(data: st.DataObject) -> None:
    plan = harness.good_plan()
    content = data.draw(hostile_json(plan, paths(plan)))
    harness.run_case("plan", harness.PLAN, content)


@FUZZ
@given(data=st.data())
def test_spec_reader(data: st.DataObject) -> None:
    spec = harness.good_spec()
    content = data.draw(hostile_yaml(spec, paths(spec)))
    harness.run_case("spec", harness.VALIDATE, content)


@FUZZ
@given(data=st.data())
def test_peer_state_reader(data: st.DataObject) -> None:
    """A peer's state given to ``render --reference``: read by the schema, then by the program, or refused."""
    content = data.draw(hostile_json(harness.good_peer_state(), harness.peer_state_paths()))
    harness.run_case("peer", harness.PEER, content)


@FUZZ
@given(data=st.data())
def test_hybrid_spec_reader(data: st.DataObject) -> None:
    spec = harness.good_hybrid_spec()
    content = data.draw(hostile_yaml(spec, paths(spec)))
    harness.run_case("hybrid", harness.VALIDATE, content)


def test_good_inputs_pass() -> None:
    """The starting points themselves are read without complaint: the fuzz tests mutate real files."""
    import json

    import yaml

    assert harness.run_case("state", harness.AUDIT, json.dumps(harness.good_state()).encode()) in {0, 3}
    assert harness.run_case("outputs", harness.INVENTORY, json.dumps(harness.stack_outputs()).encode()) == 0
    assert harness.run_case("state", harness.REPORT, json.dumps(harness.good_state()).encode()) == 0
    assert harness.run_case("outputs", harness.REPORT, json.dumps(harness.stack_outputs()).encode()) == 0
    assert harness.run_case("ansible", harness.VERIFY, yaml.safe_dump(harness.good_ansible_inventory()).encode()) == 0
    assert harness.run_case("waivers", harness.WAIVERS, yaml.safe_dump(harness.GOOD_WAIVERS).encode()) in {0, 3}
    assert harness.run_case("plan", harness.PLAN, json.dumps(harness.good_plan()).encode()) == 0
    assert harness.run_case("spec", harness.VALIDATE, yaml.safe_dump(harness.good_spec()).encode()) == 0
    assert harness.run_case("peer", harness.PEER, json.dumps(harness.good_peer_state()).encode()) == 0
    hybrid = yaml.safe_dump(harness.good_hybrid_spec(), allow_unicode=True).encode()
    assert harness.run_case("hybrid", harness.VALIDATE, hybrid) == 0
