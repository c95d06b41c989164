"""What every backend says about a planned rule: the remote CIDR of one direction, and a description."""

from __future__ import annotations

from kiban_platform.backends import TargetError
from kiban_platform.network.flows import Rule


def remote_cidr(rule: Rule, direction: str) -> str:
    """The other end of ``rule`` seen from the group it is attached to ("in": the source)."""
    cidr = rule.source.cidr if direction == "in" else rule.destination.cidr
    # The plan never allows "anywhere"; refuse to build a group if it ever did.
    if cidr.prefixlen == 0:
        raise TargetError(f"rule {rule.source.id} -> {rule.destination.id} {rule.port} would open {cidr}")
    return str(cidr)


def describe_rule(rule: Rule) -> str:
    text = f"{rule.source.id} -> {rule.destination.id} {rule.port} ({rule.kind.value})"
    return f"{text} flow {rule.flow}" if rule.flow else text
