"""Read a YAML file into plain data plus a map from field path to source line: the one YAML reader.

Every YAML document kiban reads from a user comes through here, and is read defensively:
- UTF-8 only, and at most ``MAX_BYTES``;
- safe loading (no Python objects), with at most ``MAX_NODES`` values once aliases are expanded
  and at most ``MAX_DEPTH`` levels of nesting, so a "billion laughs" of aliases or a deeply nested
  document is refused in milliseconds instead of eating memory;
- a key written twice is an error (PyYAML would silently keep the last);
- scalars resolve as YAML 1.2's core schema does, not YAML 1.1's: ``on``/``off``/``yes``/``no``
  stay text, and an integer is written in plain decimal. ``010`` (8 in YAML 1.1), ``0x10``,
  ``0o10``, ``1_000`` and ``12:30`` (sexagesimal) stay text, so a field that wants a number refuses
  them by name instead of reading another number; ``.nan`` and ``.inf`` stay text too. Dates stay
  text, for the model that wants one to parse (an impossible date is then a located error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kiban_platform.spec.jsonsource import read_bounded
from kiban_platform.spec.problems import FieldPath, Problem, SpecError, capped

MERGE_KEY = "<<"
MAX_BYTES = 4 * 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 64


class KibanLoader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's implicit types (see the module docstring)."""


# Replace YAML 1.1's implicit resolvers (bool, int, float, null, timestamp) with the core schema's.
KibanLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag in {"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"}]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
KibanLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
KibanLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:0|[-+]?[1-9][0-9]*)$"), list("-+0123456789")
)
KibanLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)
KibanLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


try:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - PyYAML's wheels ship libyaml
    Loader: type[KibanLoader] = KibanLoader
else:

    class _FastLoader(CParser, KibanLoader):
        """libyaml's scanner and parser with KibanLoader's resolver and constructor: both read a document
        the same way, libyaml some twenty times faster (PyYAML's own scanner takes seconds for 1 MB)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    Loader = _FastLoader


class _TooLargeError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class YamlSource:
    data: Any
    lines: dict[FieldPath, int]


_FLOW_MARKS = re.compile(r"[\[\]{}'\"#\n\\]")


def _flow_too_deep(text: str) -> int | None:
    """The line where flow brackets nest deeper than ``MAX_DEPTH``, or None.

    PyYAML's scanner is quadratic in flow nesting (50,000 brackets take seconds before its parser
    even starts), so this linear pass looks first. It skips quoted scalars and comments; a plain
    scalar with brackets in it can only over-count, which matters beyond ``MAX_DEPTH`` levels only.
    """
    depth, line, quote, escaped, comment = 0, 1, "", False, False
    previous_end = 0
    for match in _FLOW_MARKS.finditer(text):
        mark = match.group()
        if mark == "\n":
            line += 1
            comment = False
            escaped = False
            previous_end = match.end()
            continue
        if comment:
            continue
        if quote == '"':
            if mark == "\\":
                escaped = not escaped
            elif mark == '"' and not escaped:
                quote = ""
            else:
                escaped = False
            continue
        if quote == "'":
            if mark == "'":
                quote = ""  # '' (an escaped quote) closes and reopens: the same for depth
            continue
        if mark == "#" and (match.start() == previous_end or text[match.start() - 1] in " \t"):
            comment = True
        elif mark in "'\"" and (match.start() == 0 or text[match.start() - 1] in " \t[{,:-\n"):
            quote = mark
        elif mark in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif mark in "]}":
            depth = max(0, depth - 1)
    return None


def _scalar_key(node: yaml.Node) -> str | None:
    # Spec keys are plain words; a complex key is left for pydantic to reject.
    return node.value if isinstance(node, yaml.ScalarNode) else None


@dataclass
class _Budget:
    """Values read so far, and how many of them an alias repeated rather than the file writing them."""

    left: int = MAX_NODES
    seen: set[int] = field(default_factory=set)
    repeated: int = 0

    def spend(self, node: yaml.Node) -> None:
        self.left -= 1
        if id(node) in self.seen:
            self.repeated += 1  # an alias: the node graph shares the node its anchor names
        else:
            self.seen.add(id(node))
        if self.left < 0:
            raise _TooLargeError(self._refusal(), node.start_mark.line + 1)

    def _refusal(self) -> str:
        written = MAX_NODES - self.repeated
        if self.repeated > written:
            # Blame aliases only when they, not the text, make the count.
            return (
                f"more than {MAX_NODES:,} values once its aliases are expanded: refused (a YAML alias bomb? "
                f"{self.repeated:,} of them repeat an anchor)"
            )
        return (
            f"more than {MAX_NODES:,} values (keys and list items) by this line: refused; kiban reads files of at "
            f"most {MAX_NODES:,} values (the largest city's spec has tens of thousands)"
        )


def _walk(
    node: yaml.Node, path: FieldPath, lines: dict[FieldPath, int], problems: list[Problem], budget: _Budget
) -> None:
    budget.spend(node)
    if len(path) > MAX_DEPTH:
        raise _TooLargeError(f"nested more than {MAX_DEPTH} levels deep: refused", node.start_mark.line + 1)
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            budget.spend(key_node)  # a key is a value too: a mapping of many short keys costs as much to read
            key = _scalar_key(key_node)
            if key is None or key == MERGE_KEY:
                continue
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(Problem((*path, key), f"key written twice (first on line {seen[key]})", line))
                continue
            seen[key] = line
            lines[(*path, key)] = line
            _walk(value_node, (*path, key), lines, problems, budget)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, problems, budget)


def _not_yaml_text(file: Path, text: str, error: yaml.reader.ReaderError) -> SpecError:
    """Control characters are not YAML: the reader refuses them before anything is parsed."""
    character = error.character if isinstance(error.character, int) else ord(error.character)
    # libyaml counts bytes of UTF-8, PyYAML's reader characters: the line is exact while the text before is ASCII.
    line = text.count("\n", 0, error.position) + 1
    message = f"not YAML text: control character U+{character:04X} is not allowed in YAML"
    return SpecError(file, [Problem((), message, line)])


def read_yaml(file: Path, what: str = "spec file") -> YamlSource:
    """Parse ``file``; raise SpecError (never a YAML, OS or recursion exception) when it cannot be read."""
    raw = read_bounded(file, what, MAX_BYTES, folder="a directory")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(
            file,
            [Problem((), f"not UTF-8 text ({error.reason} at byte {error.start}); save the {what} as UTF-8")],
        ) from None

    too_deep = _flow_too_deep(text)
    if too_deep is not None:
        raise SpecError(file, [Problem((), f"nested more than {MAX_DEPTH} levels deep: refused", too_deep)])
    try:
        loader = Loader(text)
    except yaml.reader.ReaderError as error:
        raise _not_yaml_text(file, text, error) from None
    lines: dict[FieldPath, int] = {}
    problems: list[Problem] = []
    try:
        node = loader.get_single_node()
        if node is not None:
            # Walk the node graph first, with a budget: aliases are shared nodes here, so a bomb is
            # found before anything expands it (construction shares objects, but every reader after
            # it, pydantic included, would walk the expansion).
            _walk(node, (), lines, problems, _Budget())
        data = loader.construct_document(node) if node is not None else None
    except yaml.reader.ReaderError as error:
        raise _not_yaml_text(file, text, error) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        column = f", column {mark.column + 1}" if mark is not None else ""
        reason = error.problem or error.context or "invalid YAML"
        raise SpecError(file, [Problem((), f"YAML syntax error: {reason}{column}", line)]) from None
    except yaml.YAMLError as error:
        raise SpecError(file, [Problem((), f"YAML error: {error}")]) from None
    except _TooLargeError as error:
        raise SpecError(file, [Problem((), error.message, error.line)]) from None
    except RecursionError:
        raise SpecError(
            file, [Problem((), f"nested too deeply to read (more than {MAX_DEPTH} levels): refused")]
        ) from None
    except ValueError as error:
        # Python refuses integers of more than 4,300 digits (int_max_str_digits): no kiban value has them.
        raise SpecError(file, [Problem((), f"a value kiban cannot read ({error})")]) from None
    finally:
        loader.dispose()

    if problems:
        raise SpecError(file, capped(problems))
    return YamlSource(data, lines)
