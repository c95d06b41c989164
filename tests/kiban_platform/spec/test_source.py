"""Reading YAML: unreadable files become located problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiban_platform.spec.problems import SpecError
from kiban_platform.spec.source import read_yaml


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


@pytest.mark.parametrize(
    ("content", "line", "codepoint"), [(b"\x00", 1, "U+0000"), (b"a: 1\nb: 2\nc: x\x1dy\n", 3, "U+001D")]
)
def test_control_characters_are_a_located_problem(tmp_path: Path, content: bytes, line: int, codepoint: str) -> None:
    """Found by the fuzz tests: PyYAML's reader refuses them before parsing, which used to escape as a traceback."""
    path = tmp_path / "control.yaml"
    path.write_bytes(content)
    with pytest.raises(SpecError) as raised:
        read_yaml(path)
    assert raised.value.lines() == [
        f"{path}: (top level): not YAML text: control character {codepoint} is not allowed in YAML (line {line})"
    ]


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


def _read(tmp_path: Path, text: str) -> object:
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    return read_yaml(path).data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("010", "010"),  # YAML 1.1: 8
        ("0x10", "0x10"),  # YAML 1.1: 16
        ("0o10", "0o10"),
        ("1_000", "1_000"),  # YAML 1.1: 1000
        ("12:30", "12:30"),  # YAML 1.1: 750 (base 60)
        ("on", "on"),  # YAML 1.1: True
        ("yes", "yes"),
        ("No", "No"),
        ("off", "off"),
        (".nan", ".nan"),
        (".inf", ".inf"),
        ("2026-02-30", "2026-02-30"),  # YAML 1.1: a date, and a ValueError for this one
        ("0", 0),
        ("-5", -5),
        ("42", 42),
        ("4.0", 4.0),
        ("1e3", 1000.0),
        ("true", True),
        ("False", False),
        ("null", None),
        ("~", None),
        ("", None),
    ],
)
def test_scalars_resolve_as_yaml_1_2_core(tmp_path: Path, text: str, expected: object) -> None:
    assert _read(tmp_path, f"value: {text}\n") == {"value": expected}


def _too_large(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=message):
        read_yaml(path)


def test_an_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    _too_large(tmp_path, "\n".join(lines) + "\n", "aliases are expanded: refused")


def test_many_values_without_aliases_are_refused_as_too_many_not_as_a_bomb(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text("".join(f"k{index}: {index}\n" for index in range(60_000)), encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        read_yaml(path)
    message = raised.value.problems[0].message
    assert "more than 100,000 values (keys and list items)" in message
    assert "alias" not in message


def test_a_bomb_says_how_many_values_its_aliases_repeat(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]" for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    _too_large(tmp_path, "\n".join(lines) + "\n", r"alias bomb\? 99,9\d\d of them repeat an anchor")


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    _too_large(tmp_path, "a: &a [*a]\n", "levels deep: refused")


def test_deep_flow_nesting_is_refused_before_parsing(tmp_path: Path) -> None:
    _too_large(tmp_path, "[" * 50_000 + "]" * 50_000, "nested more than 64 levels deep")


def test_deep_block_nesting_is_refused(tmp_path: Path) -> None:
    _too_large(tmp_path, "".join("  " * depth + f"k{depth}:\n" for depth in range(100)), "levels deep")


def test_brackets_inside_quotes_and_comments_do_not_count(tmp_path: Path) -> None:
    text = "a: '" + "[" * 100 + "'\nb: \"" + "{" * 100 + '"\n# ' + "[" * 100 + "\nc: [[1]]\n"
    assert _read(tmp_path, text) == {"a": "[" * 100, "b": "{" * 100, "c": [[1]]}


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    _too_large(tmp_path, "# " + "x" * (4 * 1024 * 1024) + "\n", "larger than 4 MB")
