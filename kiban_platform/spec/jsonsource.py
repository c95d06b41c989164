"""Read a JSON file into plain data: the one JSON reader, for every JSON document a user hands kiban.

State exports, renders and checkpoints, ``pulumi stack output --json``, inventory documents and
plan files all come through here, and are read defensively:
- at most ``MAX_BYTES``, and UTF-8 only (the message says so);
- ``NaN``, ``Infinity`` and ``-Infinity`` are refused (they are not JSON, and Python's reader
  would otherwise turn them into floats that no port, count or size can be);
- nesting deeper than ``MAX_DEPTH`` is refused with the line it reached, before any logic walks it
  (the standard reader would otherwise end in a RecursionError, or let a later walk do so).

Standard library only (plus ``spec.problems``): the CrossGuard pack's own environment reads states
through this module too, and has neither pydantic nor typer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from kiban_platform.spec.problems import Problem, SpecError

MAX_BYTES = 64 * 1024 * 1024  # a state of several thousand resources is a few MB
MAX_DEPTH = 128

_STRUCTURE = re.compile(r'[\[\]{}"\\\n]')


class _NotJsonConstantError(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJsonConstantError(name)


def _too_deep(text: str) -> int | None:
    """The line where arrays and objects nest deeper than ``MAX_DEPTH``, or None (one linear pass)."""
    depth, line, in_string, escaped_at = 0, 1, False, -1
    for match in _STRUCTURE.finditer(text):
        mark, at = match.group(), match.start()
        if mark == "\n":
            line += 1
            continue
        if in_string:
            if at == escaped_at:
                continue  # the character after a backslash: escaped, whatever it is
            if mark == "\\":
                escaped_at = at + 1
            elif mark == '"':
                in_string = False
            continue
        if mark == '"':
            in_string = True
        elif mark in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif mark in "]}":
            depth = max(0, depth - 1)
    return None


def read_bounded(file: Path | str, what: str, max_bytes: int, folder: str = "a folder") -> bytes:
    """The bytes of ``file``, at most ``max_bytes``; SpecError when it is missing, a folder, unreadable or larger.

    Shared by both readers (this one and ``spec.source``): the size is checked on the bytes read,
    so a huge file is refused after ``max_bytes + 1`` bytes, never loaded whole.
    """
    path = Path(file)
    try:
        with path.open("rb") as stream:
            raw = stream.read(max_bytes + 1)
    except FileNotFoundError:
        raise SpecError(file, [Problem((), "file not found")]) from None
    except IsADirectoryError:
        raise SpecError(file, [Problem((), f"is {folder}, not a {what}")]) from None
    except OSError as error:
        raise SpecError(file, [Problem((), f"cannot be read: {error.strerror}")]) from None
    if len(raw) > max_bytes:
        raise SpecError(file, [Problem((), f"larger than {max_bytes // (1024 * 1024)} MB: refused as a {what}")])
    return raw


def read_json_bytes(file: Path | str, what: str) -> bytes:
    """The bytes of ``file`` (at most ``MAX_BYTES``); SpecError when it is missing, a folder or unreadable."""
    return read_bounded(file, what, MAX_BYTES)


def parse_json(raw: bytes | str, file: Path | str, what: str, expected: str | None = None) -> Any:
    """Parse JSON text; SpecError (FILE: (top level): message) for anything that is not plain JSON.

    ``expected``: how to get the right file, appended to "not JSON" (e.g. "expected the output of
    `pulumi stack export`").
    """
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise SpecError(
                file,
                [Problem((), f"not UTF-8 text ({error.reason} at byte {error.start}); a {what} is UTF-8 JSON")],
            ) from None
    else:
        text = raw
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte-order mark some editors write: harmless
    too_deep = _too_deep(text)
    if too_deep is not None:
        raise SpecError(file, [Problem((), f"nested more than {MAX_DEPTH} levels deep: refused as a {what}", too_deep)])
    hint = f": {expected}" if expected else ""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except _NotJsonConstantError as error:
        raise SpecError(file, [Problem((), f"not JSON: {error} is not a JSON number{hint}")]) from None
    except json.JSONDecodeError as error:
        raise SpecError(file, [Problem((), f"not JSON ({error.msg}){hint}", error.lineno)]) from None
    except RecursionError:
        raise SpecError(file, [Problem((), f"nested too deeply to read: refused as a {what}")]) from None
    except ValueError as error:
        # Python refuses integers of more than 4,300 digits (int_max_str_digits): not a kiban value either.
        raise SpecError(file, [Problem((), f"not usable JSON ({error}){hint}")]) from None


def read_json(file: Path | str, what: str, expected: str | None = None) -> Any:
    """Read and parse ``file`` as JSON (see the module docstring); SpecError for every way it can fail."""
    return parse_json(read_json_bytes(file, what), file, what, expected)
