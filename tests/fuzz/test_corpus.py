"""Every case the fuzz tests (or people) found, replayed on every command that reads its kind of file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz import harness

# Cases that are readable on purpose (their oddity is inside a resource's inputs): any documented exit code.
READABLE = {"garbage-rule-fields.json"}
CASES = sorted(path for path in harness.CORPUS.glob("*/*") if path.is_file() and path.parent.name in harness.READERS)


@pytest.mark.parametrize("case", CASES, ids=[f"{path.parent.name}/{path.name}" for path in CASES])
def test_corpus_case(case: Path) -> None:
    reader = case.parent.name
    for command in harness.READERS[reader][1]:
        code = harness.run_case(reader, command, case.read_bytes())
        if case.name not in READABLE:
            assert code == 2, f"{command.name}: a broken file is bad input (exit 2), not exit {code}"
