"""Hypothesis strategies that turn a good input file into a hostile one: by type, shape, size and encoding.

A case is the bytes of a file. It starts from a good document (a tiny render, its inventory, a spec,
waivers, a plan) and either changes the tree (a wrong type at a random path, a key deleted, NaN, a huge
number, deep nesting, a long string) and serialises it, or changes the bytes (truncated, not UTF-8,
a byte-order mark, garbage spliced in).
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from kiban_platform.spec.problems import FieldPath

Path_ = FieldPath
# The default run stays quick (CI runs 100); KIBAN_FUZZ_EXAMPLES=2000 (say) for a long pass.
EXAMPLES = int(os.environ.get("KIBAN_FUZZ_EXAMPLES", "10"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a per-case bound is asserted by the test itself, generous for a shared machine
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    derandomize=os.environ.get("KIBAN_FUZZ_RANDOM") is None,
    database=None,
)
# A hang guard, not a speed target (bench/hostile.py measures each reader's time): a case that runs
# this long is stuck, not slow, even on a two-core machine shared with other work.
CASE_SECONDS = 300.0


def paths(document: Any, keep: Callable[[Path_], bool] = lambda _: True, limit: int = 20_000) -> list[Path_]:
    """Every path into ``document`` (objects and lists), those ``keep`` accepts, at most ``limit``."""
    found: list[Path_] = []

    def walk(value: Any, path: Path_) -> None:
        if len(found) >= limit:
            return
        if keep(path):
            found.append(path)
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(document, ())
    return found


DEEP = re.compile(rb"""["']?KIBAN-DEEP-(\d+)["']?""")


def _deep(depth: int) -> str:
    """A marker the serialisers below turn into ``depth`` nested lists (no serialiser can write them itself)."""
    return f"KIBAN-DEEP-{depth}"


def _expand_deep(text: bytes) -> bytes:
    return DEEP.sub(lambda match: b"[" * int(match.group(1)) + b"1" + b"]" * int(match.group(1)), text)


NAN = float("nan")
hostile_values: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([NAN, float("inf"), float("-inf"), 1e308, -0.0, 0.5]),
    st.text(max_size=30),
    st.sampled_from(["", "0", "010", "0x10", "on", "NaN", "443/tcp", "70000/tcp", "10.0.0.1", "999.1.1.1", "urn:x"]),
    st.lists(st.integers() | st.text(max_size=5), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers() | st.none(), max_size=3),
    st.integers(min_value=100, max_value=5000).map(_deep),
    st.integers(min_value=10_000, max_value=300_000).map(lambda size: "x" * size),
)


def _set(document: Any, path: Path_, value: Any) -> None:
    *parents, last = path
    target = document
    for part in parents:
        target = target[part]
    target[last] = value


def _delete(document: Any, path: Path_) -> None:
    *parents, last = path
    target = document
    for part in parents:
        target = target[part]
    del target[last]


@st.composite
def mutated_tree(draw: st.DrawFn, document: Any, candidates: list[Path_]) -> Any:
    """``document`` with one to three paths replaced by a hostile value, deleted, or wrapped."""
    changed = copy.deepcopy(document)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(candidates))
        try:
            current: Any = changed
            for part in path:
                current = current[part]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed it
        if not path:
            return draw(hostile_values)
        operation = draw(st.sampled_from(["replace", "replace", "delete", "wrap"]))
        if operation == "replace":
            _set(changed, path, draw(hostile_values))
        elif operation == "delete":
            _delete(changed, path)
        else:
            _set(changed, path, [current])
    return changed


def json_bytes(document: Any) -> bytes:
    # allow_nan: NaN and Infinity written as Python writes them, which is not JSON: the reader must refuse them.
    return _expand_deep(json.dumps(document, ensure_ascii=False, allow_nan=True).encode("utf-8"))


def yaml_bytes(document: Any) -> bytes:
    return _expand_deep(yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=10**9).encode("utf-8"))


@st.composite
def mangled_bytes(draw: st.DrawFn, good: bytes) -> bytes:
    """``good`` cut, re-encoded or spliced with garbage."""
    operation = draw(st.sampled_from(["truncate", "latin1", "splice", "bom", "utf16", "empty", "bytes"]))
    if operation == "truncate":
        return good[: draw(st.integers(min_value=0, max_value=max(0, len(good) - 1)))]
    if operation == "latin1":
        return good.decode("utf-8").encode("latin-1", errors="replace") + b"\xe9\xff"
    if operation == "splice":
        at = draw(st.integers(min_value=0, max_value=len(good)))
        return good[:at] + draw(st.binary(min_size=1, max_size=20)) + good[at:]
    if operation == "bom":
        return b"\xef\xbb\xbf" + good
    if operation == "utf16":
        return good.decode("utf-8").encode("utf-16")
    if operation == "empty":
        return b""
    return draw(st.binary(max_size=200))


def alias_bomb(levels: int = 9) -> bytes:
    """A "billion laughs": ten aliases of ten aliases, ``levels`` deep."""
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return ("\n".join(lines) + "\n").encode()


YAML_TRAPS = [
    alias_bomb(),
    b"[" * 100_000,
    b"{a: " * 20_000,
    b"- " * 5_000 + b"x\n",
    b"!!python/object/apply:os.system [echo hi]\n",
    b"key: 1\nkey: 2\n",
]


def hostile_yaml(good_tree: Any, candidates: list[Path_]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        mutated_tree(good_tree, candidates).map(yaml_bytes),
        mangled_bytes(yaml_bytes(good_tree)),
        st.sampled_from(YAML_TRAPS),
        st.tuples(
            st.sampled_from(candidates[1:]), st.sampled_from(["010", "0x10", "on", "'2'", "2026-02-30", ".nan"])
        ).map(lambda case: _yaml_scalar_trap(good_tree, *case)),
    )


def _yaml_scalar_trap(good_tree: Any, path: Path_, scalar: str) -> bytes:
    marker = "KIBAN-FUZZ-SCALAR"
    changed = copy.deepcopy(good_tree)
    _set(changed, path, marker)
    return yaml_bytes(changed).replace(marker.encode(), scalar.encode())


def hostile_json(good_tree: Any, candidates: list[Path_]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        mutated_tree(good_tree, candidates).map(json_bytes),
        mutated_tree(good_tree, candidates).map(json_bytes),
        mangled_bytes(json_bytes(good_tree)),
        st.sampled_from([b"[" * 200_000, b'{"a":' * 50_000, b"1" * 5000, b"NaN", b"-Infinity", b"null", b'"x"']),
    )
