"""KB-HYB-005: VPN traffic selectors are narrowed to the link's networks, never 0.0.0.0/0."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kiban.audit.facts import parse_network
from kiban.audit.findings import Severity
from kiban.audit.hybrid import ENDPOINT_GROUP, SITE_CONNECTION, VPN_CONNECTION, hybrid_of, of_type, setting, unknown
from kiban.audit.model import StackView
from kiban.audit.resource import Resource
from kiban.audit.rules.base import Outcome, StackRule


class VpnSelectors(StackRule):
    """Every VPN names the networks it carries on both sides, and none of them is everything (0.0.0.0/0).

    Applies to a site stack of a spec with sites (its ``inventory`` names its
    ``site``) and to its AWS ``VpnConnection`` and OpenStack ``SiteConnection``
    resources.
    Fails for an AWS VPN connection whose ``localIpv4NetworkCidr`` or
    ``remoteIpv4NetworkCidr`` is absent (the provider's default is 0.0.0.0/0)
    or a /0; for an OpenStack site connection that names neither peer endpoint
    group nor ``peerCidrs``, or whose local or peer endpoint group holds a /0
    (or whose ``peerCidrs`` do). A value that is not an address range counts as
    everything.
    Passes when both sides are narrowed.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-HYB-005",
            title="VPN traffic selectors narrowed",
            severity=Severity.HIGH,
            category="hybrid",
            reads=(),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        if hybrid_of(view) is None:
            return
        for connection in of_type(view, VPN_CONNECTION):
            failures = []
            for key in ("localIpv4NetworkCidr", "remoteIpv4NetworkCidr"):
                if unknown(connection, key):
                    continue
                value = setting(connection, key)
                if value is None:
                    failures.append(f"{key} not set: the selector is 0.0.0.0/0")
                elif _everything(value):
                    failures.append(f"{key} {value} selects every address")
            yield from self.verdicts(connection.urn, failures)
        for connection in of_type(view, SITE_CONNECTION):
            yield from self.verdicts(connection.urn, _site_connection_failures(view, connection))


def _everything(value: Any) -> bool:
    network = parse_network(value)
    return network is None or network.prefixlen == 0


def _site_connection_failures(view: StackView, connection: Resource) -> list[str]:
    failures = []
    peer_cidrs = setting(connection, "peerCidrs")
    peer_group = setting(connection, "peerEpGroupId")
    pending = any(unknown(connection, key) for key in ("peerCidrs", "peerEpGroupId"))
    if not peer_group and not peer_cidrs and not pending:
        failures.append("names neither a peer endpoint group nor peerCidrs: the peer side is not narrowed")
    if isinstance(peer_cidrs, list):
        failures += [f"peerCidrs {cidr} selects every address" for cidr in peer_cidrs if _everything(cidr)]
    for key in ("localEpGroupId", "peerEpGroupId"):
        target = view.ref(connection, key, setting(connection, key))
        group = view.resources.get(target) if target is not None else None
        if group is None or group.type != ENDPOINT_GROUP or setting(group, "type") != "cidr":
            continue
        endpoints = setting(group, "endpoints")
        for endpoint in endpoints if isinstance(endpoints, list) else []:
            if _everything(endpoint):
                failures.append(f"{key}: endpoint group {group.name} holds {endpoint}, every address")
    return failures


RULE = VpnSelectors()
