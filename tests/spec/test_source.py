"""Reading YAML: unreadable files become located problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from spec.problems import SpecError
from spec.source import read_yaml


def test_lines_are_recorded_per_field(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("a:\n  b: 1\n  c:\n    - x\n    - y: 2\n", encoding="utf-8")
    source = read_yaml(path)
    assert source.lines[("a", "b")] == 2
    assert source.lines[("a", "c", 1)] == 5
    assert source.lines[("a", "c", 1, "y")] == 5


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "sjis.yaml"
    path.write_bytes("name: 湊川市\n".encode("shift_jis"))
    with pytest.raises(SpecError, match="not UTF-8 text"):
        read_yaml(path)


def test_duplicate_key_inside_a_list_item(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("items:\n  - id: a\n    id: b\n", encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        read_yaml(path)
    assert raised.value.lines() == [f"{path}: items[0].id: key written twice (first on line 2) (line 3)"]


def test_anchors_and_merge_keys_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "anchors.yaml"
    path.write_text("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n", encoding="utf-8")
    assert read_yaml(path).data == {"base": {"x": 1}, "other": {"x": 1, "y": 2}}
