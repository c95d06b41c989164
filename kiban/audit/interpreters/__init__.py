"""Interpreters: one per provider, each turning that provider's resources into provider-neutral facts.

The registry is keyed by type-token prefix ("openstack:", "aws:"); a provider
resource ("pulumi:providers:openstack") goes to its package's interpreter. An
interpreter is a table from type token to a handler and the kinds of fact that
handler can produce, so a rule can pick its candidates by type alone.
"""

from __future__ import annotations

# The built-in interpreters register themselves on import.
from kiban.audit.interpreters import aws, openstack
from kiban.audit.interpreters.base import (
    KINDS,
    REGISTRY,
    Handler,
    Interpreter,
    interpret,
    interpreter_for,
    may_have,
    prefix_of,
    register,
)

__all__ = [
    "KINDS",
    "REGISTRY",
    "Handler",
    "Interpreter",
    "aws",
    "interpret",
    "interpreter_for",
    "may_have",
    "openstack",
    "prefix_of",
    "register",
]
