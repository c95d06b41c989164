"""Read a YAML file into plain data plus a map from field path to source line.

PyYAML keeps the last of two equal keys silently; a spec where a key is
written twice is almost always a mistake, so it is reported instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from spec.problems import FieldPath, Problem, SpecError

MERGE_KEY = "<<"


@dataclass(frozen=True)
class YamlSource:
    data: Any
    lines: dict[FieldPath, int]


def _scalar_key(node: yaml.Node) -> str | None:
    # Spec keys are plain words; a complex key is left for pydantic to reject.
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _walk(node: yaml.Node, path: FieldPath, lines: dict[FieldPath, int], problems: list[Problem]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = _scalar_key(key_node)
            if key is None or key == MERGE_KEY:
                continue
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(Problem((*path, key), f"key written twice (first on line {seen[key]})", line))
                continue
            seen[key] = line
            lines[(*path, key)] = line
            _walk(value_node, (*path, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, problems)


def read_yaml(file: Path) -> YamlSource:
    """Parse ``file``; raise SpecError (never a YAML or OS exception) when it cannot be read."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(file, [Problem((), "file not found")]) from None
    except IsADirectoryError:
        raise SpecError(file, [Problem((), "is a directory, not a spec file")]) from None
    except UnicodeDecodeError as error:
        raise SpecError(file, [Problem((), f"not UTF-8 text ({error.reason} at byte {error.start})")]) from None
    except OSError as error:
        raise SpecError(file, [Problem((), f"cannot be read: {error.strerror}")]) from None

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        column = f", column {mark.column + 1}" if mark is not None else ""
        reason = error.problem or error.context or "invalid YAML"
        raise SpecError(file, [Problem((), f"YAML syntax error: {reason}{column}", line)]) from None
    except yaml.YAMLError as error:
        raise SpecError(file, [Problem((), f"YAML error: {error}")]) from None
    finally:
        loader.dispose()

    lines: dict[FieldPath, int] = {}
    problems: list[Problem] = []
    if node is not None:
        _walk(node, (), lines, problems)
    if problems:
        raise SpecError(file, problems)
    return YamlSource(data, lines)
