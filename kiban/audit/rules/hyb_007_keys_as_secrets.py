"""KB-HYB-007: VPN pre-shared keys are in the state only as secrets."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kiban.audit.findings import Severity
from kiban.audit.hybrid import SITE_CONNECTION, VPN_CONNECTION, hybrid_of, of_type, stack_urn
from kiban.audit.model import StackView
from kiban.audit.rules.base import Outcome, StackRule
from kiban.audit.values import is_secret

AWS_KEYS = ("tunnel1PresharedKey", "tunnel2PresharedKey")
OPENSTACK_KEYS = ("psk",)


class KeysOnlyAsSecrets(StackRule):
    """Every VPN pre-shared key the state holds is a secret (encrypted in the state, never shown).

    Applies to a site stack of a spec with sites (its ``inventory`` names its
    ``site``): AWS ``VpnConnection`` (``tunnel1PresharedKey``,
    ``tunnel2PresharedKey``), OpenStack ``vpnaas.SiteConnection`` (``psk``),
    in their inputs and outputs, and the stack's ``links`` output (each
    tunnel's ``preshared_key``, which the other site's stack reads).
    Fails for each key present as plain text: anyone who can read the state
    (or the peer stack's outputs) could join the tunnel.
    Passes when every key present is secret-marked; a key the state does not
    hold (AWS generates it) passes. Not in the policy pack: CrossGuard shows a
    policy every secret unwrapped, so only ``kiban audit`` on a state can tell.
    """

    needs_sealed_secrets = True

    def __init__(self) -> None:
        super().__init__(
            id="KB-HYB-007",
            title="Pre-shared keys only as secrets",
            severity=Severity.CRITICAL,
            category="hybrid",
            reads=(),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        if hybrid_of(view) is None:
            return
        for resource in of_type(view, VPN_CONNECTION, SITE_CONNECTION):
            keys = AWS_KEYS if resource.type == VPN_CONNECTION else OPENSTACK_KEYS
            failures = [
                f"{key} is in the state's {where} as plain text"
                for key in keys
                for where, values in (("inputs", resource.inputs), ("outputs", resource.outputs))
                if _plain(values.get(key))
            ]
            yield from self.verdicts(resource.urn, failures)
        exported = view.stack_outputs.get("links")
        if isinstance(exported, Mapping):
            failures = [
                f"the links output's {link} tunnel {index + 1} preshared_key is plain text"
                for link, entry in sorted(exported.items())
                if isinstance(entry, Mapping)
                for index, tunnel in enumerate(_tunnels(entry.get("tunnels")))
                if isinstance(tunnel, Mapping) and _plain(tunnel.get("preshared_key"))
            ]
            yield from self.verdicts(stack_urn(view), failures)


def _tunnels(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _plain(value: Any) -> bool:
    return value is not None and value != "" and not is_secret(value)


RULE = KeysOnlyAsSecrets()
