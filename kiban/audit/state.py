"""Read a stack's state: ``pulumi stack export`` output, a ``kiban render``, or a backend checkpoint file.

Only version 3 is read (the format of every Pulumi 3 CLI). Bad input raises
``SpecError`` with ``FILE: path: message`` lines, like a bad spec, so the command
line answers both the same way (exit 2). What a state says about an interrupted
update is kept: pending operations, and resources waiting to be deleted after a
replacement (``delete: true``), which are not the stack's live resources.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiban_platform.spec.jsonsource import read_json
from kiban_platform.spec.problems import FieldPath, Problem, SpecError

SUPPORTED_VERSION = 3
# A state with thousands of broken resources does not need thousands of lines to say so.
MAX_PROBLEMS = 20
PROVIDER_PREFIX = "pulumi:providers:"
STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class PendingOperation:
    """An operation the engine started and never finished: the cloud may differ from the state."""

    kind: str  # creating, updating, deleting, reading, importing
    urn: str
    type: str


@dataclass
class StackState:
    """One side of a diff, or the stack of an audit: its live resources and what the state says about itself."""

    source: str  # what to call it in messages: a file path, "stack NAME", "spec FILE (target)"
    artifact: str  # the file a finding points at in SARIF (the state, the stack config, or the spec)
    resources: list[Mapping[str, Any]]
    pending: list[PendingOperation] = field(default_factory=list)
    pending_deletes: list[str] = field(default_factory=list)  # URNs of replaced resources not yet deleted
    secrets_provider: str | None = None
    # Where the stack resource (the outputs) sits in the file, for located problems; None without one.
    stack_path: FieldPath | None = None

    @property
    def stack_name(self) -> str | None:
        for resource in self.resources:
            if resource.get("type") == STACK_TYPE:
                urn = str(resource["urn"])
                return urn.split(":", 3)[2].split("::", 1)[0] if urn.startswith("urn:pulumi:") else None
        return None


def load_state(path: Path, artifact: str | None = None) -> StackState:
    """Read and check a state file; raise SpecError (FILE: path: message) when it is not a version-3 export."""
    document = read_json(path, "state file", "expected the output of `pulumi stack export`")
    return state_from_document(document, str(path), artifact or str(path))


def state_from_document(document: Any, source: str, artifact: str | None = None) -> StackState:
    """Check a parsed state document; ``source`` names it in problems (a file, or "stack NAME")."""
    if not isinstance(document, Mapping):
        raise SpecError(source, [Problem((), "not a stack export: expected a JSON object with version and deployment")])
    if "version" not in document:
        raise SpecError(
            source, [Problem((), "not a stack export: no version (expected the output of `pulumi stack export`)")]
        )
    version = document["version"]
    if version != SUPPORTED_VERSION:
        raise SpecError(
            source,
            [Problem(("version",), f"unsupported version {version!r}: kiban reads version {SUPPORTED_VERSION}")],
        )
    deployment, where = _deployment(document, source)
    problems: list[Problem] = []
    raw = deployment.get("resources")
    resources: list[Mapping[str, Any]] = []
    pending_deletes: list[str] = []
    if raw is not None and not isinstance(raw, list):
        problems.append(Problem((*where, "resources"), "must be a list of resources"))
        raw = []
    seen: set[str] = set()
    stack_path: FieldPath | None = None
    for index, resource in enumerate(raw or []):
        path: FieldPath = (*where, "resources", index)
        problem = _resource_problem(resource, path)
        if problem is not None:
            problems.append(problem)
            continue
        if stack_path is None and resource.get("type") == STACK_TYPE and not resource.get("parent"):
            stack_path = path
        if resource.get("delete") is True:
            # The old copy of a create-before-delete replacement: still in the cloud, but not the stack's resource.
            pending_deletes.append(resource["urn"])
            continue
        if resource["urn"] in seen:
            problems.append(Problem((*path, "urn"), f"duplicate URN {resource['urn']}"))
            continue
        seen.add(resource["urn"])
        resources.append(resource)
    pending = _pending_operations(deployment.get("pending_operations"), (*where, "pending_operations"), problems)
    if problems:
        raise SpecError(source, problems[:MAX_PROBLEMS])
    secrets = deployment.get("secrets_providers")
    provider_type = secrets.get("type") if isinstance(secrets, Mapping) else None
    return StackState(
        source=source,
        artifact=artifact or source,
        resources=resources,
        pending=pending,
        pending_deletes=pending_deletes,
        secrets_provider=str(provider_type) if provider_type is not None else None,
        stack_path=stack_path,
    )


def _deployment(document: Mapping[str, Any], source: str) -> tuple[Mapping[str, Any], tuple[str, ...]]:
    if "deployment" in document:
        deployment = document["deployment"]
        where: tuple[str, ...] = ("deployment",)
    elif isinstance(document.get("checkpoint"), Mapping):
        # A backend's own checkpoint file (~/.pulumi/stacks/...): the deployment is its "latest".
        deployment = document["checkpoint"].get("latest") or {}
        where = ("checkpoint", "latest")
    else:
        raise SpecError(source, [Problem(("deployment",), "missing: not a stack export")])
    if not isinstance(deployment, Mapping):
        raise SpecError(source, [Problem(where, "must be an object with manifest and resources")])
    return deployment, where


# urn:pulumi:<stack>::<project>::<type chain>::<name>; a type chain is types joined by "$", none holding "::".
URN_GRAMMAR = re.compile(r"^urn:pulumi:[^:]+::[^:]+::[^:]+(?::[^:]+)*::.+$", re.DOTALL)


def _resource_problem(resource: Any, path: tuple[str | int, ...]) -> Problem | None:
    """What is wrong with a resource's envelope (the fields kiban reads), or None; inputs and outputs pass through."""
    if not isinstance(resource, Mapping):
        return Problem(path, "a resource must be an object")
    for key in ("urn", "type"):
        if key not in resource or resource[key] is None or resource[key] == "":
            return Problem((*path, key), "missing: every resource has a urn and a type")
        if not isinstance(resource[key], str):
            return Problem((*path, key), f"must be a string, not {_json_type(resource[key])}")
    if not URN_GRAMMAR.match(resource["urn"]):
        return Problem((*path, "urn"), "not a URN: expected urn:pulumi:<stack>::<project>::<type>::<name>")
    checks: tuple[tuple[str, type | tuple[type, ...], str], ...] = (
        ("custom", bool, "true or false"),
        ("delete", bool, "true or false"),
        ("id", str, "a string"),
        ("parent", str, "a URN"),
        ("provider", str, "a provider reference (a string)"),
        ("inputs", Mapping, "an object"),
        ("outputs", Mapping, "an object"),
        ("dependencies", list, "a list of URNs"),
        ("propertyDependencies", Mapping, "an object of lists of URNs"),
    )
    for key, wanted, what in checks:
        # A null is what Pulumi writes for "none"; only a present value of another type is wrong.
        if resource.get(key) is not None and not isinstance(resource[key], wanted):
            return Problem((*path, key), f"must be {what}, not {_json_type(resource[key])}")
    for index, urn in enumerate(resource.get("dependencies") or []):
        if not isinstance(urn, str):
            return Problem((*path, "dependencies", index), f"must be a URN, not {_json_type(urn)}")
    for name, urns in (resource.get("propertyDependencies") or {}).items():
        if not isinstance(urns, list) or not all(isinstance(urn, str) for urn in urns):
            return Problem((*path, "propertyDependencies", name), "must be a list of URNs")
    return None


def _json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _pending_operations(raw: Any, path: tuple[str | int, ...], problems: list[Problem]) -> list[PendingOperation]:
    if raw is None:
        return []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        problems.append(Problem(path, "must be a list"))
        return []
    pending = []
    for index, operation in enumerate(raw):
        resource = operation.get("resource") if isinstance(operation, Mapping) else None
        if not isinstance(resource, Mapping) or not isinstance(resource.get("urn"), str):
            problems.append(Problem((*path, index, "resource"), "missing: a pending operation names its resource"))
            continue
        pending.append(
            PendingOperation(str(operation.get("type", "unknown")), resource["urn"], str(resource.get("type", "")))
        )
    return pending


def urn_prefix(state: StackState) -> str | None:
    """ "urn:pulumi:<stack>::<project>::", the part of every URN that names the stack (None: no resources)."""
    for resource in state.resources:
        parts = str(resource["urn"]).split("::", 2)
        if len(parts) == 3 and parts[0].startswith("urn:pulumi:"):
            return f"{parts[0]}::{parts[1]}::"
    return None


def root_urn(state: StackState) -> str | None:
    return next((str(r["urn"]) for r in state.resources if r.get("type") == STACK_TYPE), None)


def _rebased(value: Any, old: str, new: str, roots: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        moved = new + value[len(old) :] if value.startswith(old) else value
        return roots.get(moved, moved)
    if isinstance(value, list):
        return [_rebased(item, old, new, roots) for item in value]
    if isinstance(value, Mapping):
        return {key: _rebased(item, old, new, roots) for key, item in value.items()}
    return value


# The fields of a resource that hold URNs; inputs and outputs are left alone (they hold ids, not URNs).
_URN_FIELDS = ("urn", "parent", "provider", "dependencies", "propertyDependencies", "deletedWith")


def rebase(state: StackState, old: str, new: str, root: str | None = None) -> StackState:
    """The state with every URN moved from prefix ``old`` to ``new`` (another stack's namespace).

    ``root``: the other stack's root URN; the root's name ("<project>-<stack>") differs too.
    """
    own_root = root_urn(state)
    roots = {new + own_root[len(old) :]: root} if own_root and root and own_root.startswith(old) else {}
    resources: list[Mapping[str, Any]] = [
        {key: _rebased(item, old, new, roots) if key in _URN_FIELDS else item for key, item in resource.items()}
        for resource in state.resources
    ]
    pending = [PendingOperation(op.kind, _rebased(op.urn, old, new, roots), op.type) for op in state.pending]
    return StackState(
        state.source,
        state.artifact,
        resources,
        pending,
        [_rebased(urn, old, new, roots) for urn in state.pending_deletes],
        state.secrets_provider,
        state.stack_path,
    )
