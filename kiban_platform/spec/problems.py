"""Located problems: every complaint about a spec names the file, the field path and what is wrong."""

from __future__ import annotations

import re
from collections import Counter
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


# How many problems of one kind are listed before the rest are counted in one line: a spec with
# thousands of sites and one fault repeated in each gets a readable answer, not thousands of lines.
PROBLEMS_PER_KIND = 20
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"[0-9]+")


def problem_kind(problem: Problem) -> tuple[str, str]:
    """What makes two problems "of one kind": the same field of different items, the same message but for its
    names and numbers (``sites[3].id: duplicate site id 'a'`` and ``sites[9].id: duplicate site id 'b'``)."""
    where = format_path(tuple("*" if isinstance(part, int) else part for part in problem.path))
    return where.replace(".*", "[*]"), _NUMBER.sub("#", _QUOTED.sub("'…'", problem.message))


def capped(problems: Sequence[Problem], per_kind: int = PROBLEMS_PER_KIND) -> list[Problem]:
    """``problems`` with at most ``per_kind`` of each kind, the rest of a kind told in one line where the first
    of them was."""
    counts = Counter(problem_kind(problem) for problem in problems)
    shown: Counter[tuple[str, str]] = Counter()
    kept: list[Problem] = []
    for problem in problems:
        kind = problem_kind(problem)
        shown[kind] += 1
        if shown[kind] <= per_kind:
            kept.append(problem)
        elif shown[kind] == per_kind + 1:
            more = counts[kind] - per_kind
            message = f"… and {more:,} more problem{'s' if more > 1 else ''} of this kind (at {kind[0]})"
            kept.append(Problem(problem.path, message, problem.line))
    return kept


KNOWN_SHOWN = 12


def known_ids(ids: Iterable[str], shown: int = KNOWN_SHOWN) -> str:
    """The ids a reference could have named, for a message: the first ``shown`` and how many in all.

    A spec with thousands of sites would otherwise repeat all their ids in every "unknown site" line."""
    listed = list(ids)
    if not listed:
        return "none"
    if len(listed) <= shown:
        return ", ".join(listed)
    return f"{', '.join(listed[:shown])}, … ({len(listed):,} in all)"
