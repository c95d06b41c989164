"""Adapters from Pulumi CrossGuard's objects to the audit rules: the policy pack's validate functions.

CrossGuard hands a policy either one resource (``ResourceValidationArgs``:
``resource_type``, ``props``, ``urn``, ``opts.parent``, ``provider``) or the
whole stack (``StackValidationArgs.resources``: ``PolicyResource`` objects with
``parent``, ``provider`` and ``property_dependencies`` as objects). Both are
turned into state-shaped resource dicts, a ``StackView`` is built on them, and
the very rule ``kiban audit`` runs is evaluated. Nothing here imports
``pulumi_policy`` (it pins a protobuf the main environment cannot have), so the
main test suite tests these adapters with plain objects of the same shape.

During a preview, values the cloud has not computed yet are unknown; reading one
raises CrossGuard's ``UnknownValueError``. They become ``UNKNOWN`` here, which
interpreters treat as "cannot tell" (never as absent, never as a default).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from kiban.audit.findings import Finding
from kiban.audit.model import StackView
from kiban.audit.rules import Rule, all_rules
from kiban.audit.values import UNKNOWN
from kiban.audit.waivers import EXPIRED, Waiver, apply_waivers, load_waivers

ReportViolation = Callable[..., None]
# CrossGuard has no waivers of its own beyond switching a policy off; kiban's waivers file, when named here,
# is applied in the pack exactly as in `kiban audit`.
WAIVERS_VARIABLE = "KIBAN_WAIVERS"


class ProviderLike(Protocol):
    resource_type: str
    props: Mapping[str, Any]
    urn: str


class ResourceArgsLike(Protocol):
    """The parts of ``ResourceValidationArgs`` the adapter reads."""

    resource_type: str
    props: Mapping[str, Any]
    urn: str

    @property
    def provider(self) -> ProviderLike | None: ...

    @property
    def opts(self) -> Any: ...


class PolicyResourceLike(Protocol):
    """The parts of ``PolicyResource`` the adapter reads."""

    resource_type: str
    props: Mapping[str, Any]
    urn: str

    @property
    def provider(self) -> ProviderLike | None: ...

    @property
    def parent(self) -> PolicyResourceLike | None: ...

    @property
    def property_dependencies(self) -> Mapping[str, Sequence[PolicyResourceLike]]: ...


class StackArgsLike(Protocol):
    @property
    def resources(self) -> Sequence[PolicyResourceLike]: ...


def _is_unknown_error(error: Exception) -> bool:
    return type(error).__name__ == "UnknownValueError"


def plain(value: Any) -> Any:
    """A deep copy of CrossGuard's proxied props as dicts and lists, unknowns as UNKNOWN."""
    if isinstance(value, str | bytes):
        return value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in list(value.keys()):
            try:
                result[str(key)] = plain(value[key])
            except Exception as error:
                if not _is_unknown_error(error):
                    raise
                result[str(key)] = UNKNOWN
        return result
    if isinstance(value, Sequence):
        items = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except Exception as error:
                if not _is_unknown_error(error):
                    raise
                items.append(UNKNOWN)
        return items
    return value


def _custom(type_: str) -> bool:
    # Components are kiban's own types and the stack; everything else a provider manages.
    return not (type_.startswith("kiban:") or type_ == "pulumi:pulumi:Stack")


def _provider_dict(provider: ProviderLike) -> dict[str, Any]:
    props = plain(provider.props)
    return {"urn": provider.urn, "type": provider.resource_type, "custom": True, "id": props.get("id"), "inputs": props}


def _resource_dict(
    urn: str, type_: str, props: Any, parent: str | None, provider: ProviderLike | None
) -> dict[str, Any]:
    values = plain(props)
    resource: dict[str, Any] = {
        "urn": urn,
        "type": type_,
        "custom": _custom(type_),
        "inputs": values,
        # Components have no inputs; CrossGuard's props are their registered outputs (the inventory, areas).
        "outputs": values,
    }
    identifier = values.get("id") if isinstance(values, dict) else None
    if isinstance(identifier, str):
        resource["id"] = identifier
    if parent:
        resource["parent"] = parent
    if provider is not None:
        # A state's reference is "<provider URN>::<provider id>"; CrossGuard gives the URN alone.
        resource["provider"] = f"{provider.urn}::{_id_of(provider) or 'unknown'}"
    return resource


def _id_of(provider: ProviderLike) -> str | None:
    try:
        identifier = provider.props.get("id")
    except Exception as error:
        if not _is_unknown_error(error):
            raise
        return None
    return identifier if isinstance(identifier, str) else None


def stack_resources(resources: Sequence[PolicyResourceLike]) -> list[dict[str, Any]]:
    """State-shaped dicts for a stack validation's resources (and the providers they name)."""
    found: dict[str, dict[str, Any]] = {}
    for resource in resources:
        parent = resource.parent.urn if resource.parent is not None else None
        entry = _resource_dict(resource.urn, resource.resource_type, resource.props, parent, resource.provider)
        depends = {
            key: [dependency.urn for dependency in dependencies]
            for key, dependencies in (resource.property_dependencies or {}).items()
            if dependencies
        }
        if depends:
            entry["propertyDependencies"] = depends
        found[resource.urn] = entry
        if resource.provider is not None and resource.provider.urn not in found:
            found[resource.provider.urn] = _provider_dict(resource.provider)
    return list(found.values())


def resource_resources(args: ResourceArgsLike) -> list[dict[str, Any]]:
    """State-shaped dicts for a resource validation: the resource and its provider."""
    parent = getattr(args.opts, "parent", None) if args.opts is not None else None
    resources = [_resource_dict(args.urn, args.resource_type, args.props, parent, args.provider)]
    if args.provider is not None:
        resources.append(_provider_dict(args.provider))
    return resources


def _waivers_from_environment() -> list[Waiver]:
    path = os.environ.get(WAIVERS_VARIABLE)
    return load_waivers(Path(path), [rule.id for rule in all_rules()]) if path else []


def _report(
    rule: Rule,
    view: StackView,
    report_violation: ReportViolation,
    waivers: Sequence[Waiver] | None,
    today: datetime.date | None,
    only: str | None = None,
) -> None:
    failures = [
        Finding(rule.id, rule.severity, outcome.message, outcome.urn)
        for outcome in rule.evaluate(view)
        if not outcome.passed and (only is None or outcome.urn == only)
    ]
    chosen = _waivers_from_environment() if waivers is None else list(waivers)
    relevant = [waiver for waiver in chosen if waiver.rule == rule.id]
    for finding in apply_waivers(failures, relevant, today or datetime.date.today()):
        if finding.rule == rule.id and not finding.waived:
            report_violation(f"{rule.id}: {finding.message}", finding.urn)


def stack_validator(
    rule: Rule, waivers: Sequence[Waiver] | None = None, today: datetime.date | None = None
) -> Callable[[StackArgsLike, ReportViolation], None]:
    """A StackValidationPolicy's validate: the rule on every resource of the stack."""

    def validate(args: StackArgsLike, report_violation: ReportViolation) -> None:
        view = StackView(stack_resources(args.resources), "crossguard stack")
        _report(rule, view, report_violation, waivers, today)

    return validate


def resource_validator(
    rule: Rule, waivers: Sequence[Waiver] | None = None, today: datetime.date | None = None
) -> Callable[[ResourceArgsLike, ReportViolation], None]:
    """A ResourceValidationPolicy's validate: the rule on one resource (with its provider as context)."""

    def validate(args: ResourceArgsLike, report_violation: ReportViolation) -> None:
        view = StackView(resource_resources(args), "crossguard resource")
        _report(rule, view, report_violation, waivers, today, only=args.urn)

    return validate


def waiver_validator(
    waivers: Sequence[Waiver] | None = None, today: datetime.date | None = None
) -> Callable[[StackArgsLike, ReportViolation], None]:
    """The pack's KB-WAIVER-001 policy: every expired waiver is a violation of its own."""

    def validate(args: StackArgsLike, report_violation: ReportViolation) -> None:
        chosen = _waivers_from_environment() if waivers is None else list(waivers)
        for finding in apply_waivers([], chosen, today or datetime.date.today()):
            if finding.rule == EXPIRED:
                report_violation(f"{EXPIRED}: {finding.message}", None)

    return validate
