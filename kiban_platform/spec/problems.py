"""Located problems: every complaint about a spec names the file, the field path and what is wrong."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

FieldPath = tuple[str | int, ...]
Item = TypeVar("Item")


def format_path(path: FieldPath) -> str:
    """Render ('businesses', 3, 'tiers', 'app') as businesses[3].tiers.app."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


@dataclass(frozen=True, order=True)
class Problem:
    path: FieldPath
    message: str
    line: int | None = field(default=None, compare=False)

    def render(self, file: Path | str) -> str:
        where = f" (line {self.line})" if self.line is not None else ""
        return f"{file}: {format_path(self.path)}: {self.message}{where}"


class SpecError(Exception):
    """A spec that cannot be used; carries every problem found, not just the first."""

    def __init__(self, file: Path | str, problems: Sequence[Problem]) -> None:
        self.file = file
        self.problems = list(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [problem.render(self.file) for problem in self.problems]


def with_lines(problems: Iterable[Problem], lines: dict[FieldPath, int]) -> list[Problem]:
    """Attach the nearest known source line to each problem (a missing key points at its parent)."""
    located = []
    for problem in problems:
        path = problem.path
        while path not in lines and path:
            path = path[:-1]
        located.append(Problem(problem.path, problem.message, lines.get(path, problem.line)))
    return located


def duplicate_problems(
    items: Iterable[Item], key: Callable[[Item], object], path: Callable[[int], FieldPath], what: str
) -> Iterator[Problem]:
    """A problem at each item whose key an earlier item already has, naming the first one's index."""
    first_index: dict[object, int] = {}
    for index, item in enumerate(items):
        value = key(item)
        if value in first_index:
            yield Problem(path(index), f"duplicate {what} {value!r} (first at index {first_index[value]})")
        else:
            first_index[value] = index
