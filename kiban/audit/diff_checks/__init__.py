"""The registry of diff checks: every module here that defines ``CHECK`` (one ``KB-DIFF-*`` kind per file).

Modules are named ``diff_NNN_what.py``; the number is the order ``kiban diff``
lists the kinds in its SARIF rule table, which code-scanning services index
into, so a new check takes the next number and an old one keeps its own.
Modules whose name starts with ``_`` hold what several checks share.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from kiban.audit.diff_checks.base import Comparison, DiffCheck, NewlyFailing, newly_failing

_NOT_CHECKS = {"base"}


@cache
def all_checks() -> tuple[DiffCheck, ...]:
    """Every check, in the order of its module's number; an id used twice is a programming error, caught here."""
    found: dict[str, DiffCheck] = {}
    names = sorted(info.name for info in pkgutil.iter_modules(__path__))
    for name in names:
        if name in _NOT_CHECKS or name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        check = getattr(module, "CHECK", None)
        if not isinstance(check, DiffCheck):
            raise TypeError(
                f"{module.__name__}: a diff check module defines CHECK, an instance of a DiffCheck subclass"
            )
        if check.id in found:
            raise ValueError(f"diff check id {check.id} is defined twice")
        found[check.id] = check
    return tuple(found.values())


def check_by_id(check_id: str) -> DiffCheck:
    for check in all_checks():
        if check.id == check_id:
            return check
    raise KeyError(check_id)


__all__ = ["Comparison", "DiffCheck", "NewlyFailing", "all_checks", "check_by_id", "newly_failing"]
