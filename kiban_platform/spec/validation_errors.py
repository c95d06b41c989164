"""Turn pydantic's errors into located problems a city's engineer can act on."""

from __future__ import annotations

import difflib
import re
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from kiban_platform.spec.model import IDENTIFIER_PATTERN, MUNICIPALITY_CODE_PATTERN
from kiban_platform.spec.problems import FieldPath, Problem, with_lines

# What each pattern of the model means, in words a person can act on.
_PATTERN_MEANING = {
    IDENTIFIER_PATTERN: "an id is 2-32 lower-case letters, digits and '-', starting with a letter",
    MUNICIPALITY_CODE_PATTERN: "a local-government code is 6 ASCII digits (0-9, not full-width), written in quotes",
}

# pydantic puts these markers into locations for union members and dict keys; they mean
# nothing to someone editing YAML.
_INTERNAL_LOC_PARTS = {"[key]", "function-after", "function-before", "function-wrap", "function-plain"}


def _clean_path(loc: tuple[int | str, ...]) -> FieldPath:
    parts: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (part in _INTERNAL_LOC_PARTS or part.startswith(("function-", "lax-"))):
            continue
        parts.append(part)
    return tuple(parts)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside an annotation such as list[Business] or Tier | None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _known_keys(model: type[BaseModel] | None, path: FieldPath) -> list[str]:
    """Keys the parent of an unknown key accepts, found by walking the model along the path."""
    current = model
    for part in path[:-1]:
        if current is None:
            return []
        if isinstance(part, int):
            continue
        field = next(
            (info for name, info in current.model_fields.items() if part in (name, info.alias)),
            None,
        )
        if field is None:
            return []
        current = _model_in(field.annotation)
    if current is None:
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


# Text that YAML 1.1 (and a careless reader) would take for a number or a boolean.
_YAML_11_SCALAR = re.compile(
    r"^(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?::[0-5]?[0-9])*|0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+|"
    r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$"
)


def _message(error: Any, model: type[BaseModel] | None, path: FieldPath) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        key = path[-1] if path else "?"
        known = _known_keys(model, path)
        hint = difflib.get_close_matches(str(key), known, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"unknown key '{key}'{suggestion}"
    if kind == "missing":
        return "required field is missing"
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        if pattern in _PATTERN_MEANING:
            return f"{_PATTERN_MEANING[pattern]} (got {_short(error['input'])})"
    if kind in {"int_type", "int_parsing", "float_type", "bool_type"} and isinstance(error.get("input"), str):
        wanted = {"bool_type": "true or false", "float_type": "a number"}.get(kind, "a whole number")
        text = error["input"]
        message = f"expected {wanted}, got the text {_short(text)}"
        if _YAML_11_SCALAR.match(text):
            message += (
                ": kiban reads YAML 1.2, where 010, 0x10, 1_000, 12:30, on/off and yes/no are not numbers or "
                "booleans, and a quoted number is text; write plain decimal digits or true/false, unquoted"
            )
        return message
    message = str(error["msg"])
    # "Value error, ..." is pydantic's prefix for our own validators; the reader needs only the reason.
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in {"value_error", "assertion_error"} or "input" not in error:
        return message
    return f"{message} (got {_short(error['input'])})"


def problems_from_validation_error(
    error: ValidationError,
    lines: dict[FieldPath, int],
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    problems = []
    seen: set[tuple[FieldPath, str]] = set()
    for item in error.errors():
        path = _clean_path(item["loc"])
        message = _message(item, model, path)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        problems.append(Problem(path, message))
    return with_lines(problems, lines)
