"""KB-HYB-006: IKE and IPsec are set to strong algorithms on both providers, never left at their defaults."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from kiban.audit.findings import Severity
from kiban.audit.hybrid import IKE_POLICY, IPSEC_POLICY, VPN_CONNECTION, hybrid_of, of_type, setting, unknown
from kiban.audit.model import StackView
from kiban.audit.resource import Resource
from kiban.audit.rules.base import Outcome, StackRule

AWS_ENCRYPTION = frozenset({"AES256", "AES256-GCM-16"})
AWS_INTEGRITY = frozenset({"SHA2-256", "SHA2-384", "SHA2-512"})
# Diffie-Hellman groups 14-21: 2048-bit MODP and up, and the elliptic-curve groups. 22-24 are RFC 5114's
# groups with small subgroups (22 is a 1024-bit prime) that NIST SP 800-77r1 says not to use; 31 is Curve25519.
STRONG_GROUPS = frozenset({*range(14, 22), 31})
OPENSTACK_AUTH = frozenset({"sha256", "sha384", "sha512"})
_GROUP = re.compile(r"^group(\d+)$")


class IkeIpsecStrength(StackRule):
    """IKE and IPsec use IKEv2, AES-256, SHA-256 or better and Diffie-Hellman group 14 or better, set explicitly.

    Applies to a site stack of a spec with sites (its ``inventory`` names its
    ``site``): AWS ``VpnConnection`` (each tunnel's settings) and OpenStack
    ``vpnaas.IkePolicy`` and ``vpnaas.IpSecPolicy``. A setting left out counts
    as the provider's default, which is weak (AWS: IKEv1 and IKEv2, AES-128,
    SHA-1, DH group 2; OpenStack: IKEv1, aes-128, sha1, group5).
    Fails, per tunnel and setting, when AWS ``tunnelN IkeVersions`` is not
    ``ikev2`` only, ``tunnelN Phase1/Phase2 EncryptionAlgorithms`` allow
    anything but AES256 and AES256-GCM-16, ``IntegrityAlgorithms`` anything
    below SHA2-256, or ``DhGroupNumbers`` any group outside 14-21 and 31; and when an
    OpenStack policy's ``ikeVersion`` is not ``v2`` (IKE policy),
    ``encryptionAlgorithm`` is not AES-256, ``authAlgorithm`` is not sha256,
    sha384 or sha512, ``pfs`` is not a group of 14-21 or 31, or an IPsec policy's
    ``transformProtocol`` is not ``esp`` (AH does not encrypt).
    Passes when every setting is strong.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-HYB-006",
            title="IKE/IPsec strength",
            severity=Severity.HIGH,
            category="hybrid",
            reads=(),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        if hybrid_of(view) is None:
            return
        for connection in of_type(view, VPN_CONNECTION):
            yield from self.verdicts(connection.urn, aws_weaknesses(connection))
        for policy in of_type(view, IKE_POLICY, IPSEC_POLICY):
            yield from self.verdicts(policy.urn, openstack_weaknesses(policy))


def _listed(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) and value else None


def aws_weaknesses(connection: Resource) -> list[str]:
    """Each weak setting of an AWS VPN connection's two tunnels; a setting not known yet is not judged."""
    found = []
    for tunnel in ("tunnel1", "tunnel2"):
        key = f"{tunnel}IkeVersions"
        versions = _listed(setting(connection, key))
        if unknown(connection, key):
            pass
        elif versions is None:
            found.append(f"{tunnel}: IKE versions not set (the default allows IKEv1)")
        elif any(version != "ikev2" for version in versions):
            found.append(f"{tunnel}: IKE versions {', '.join(map(str, versions))} (IKEv2 only)")
        for phase in ("Phase1", "Phase2"):
            found += _aws_phase(connection, tunnel, phase)
    return found


def _aws_phase(connection: Resource, tunnel: str, phase: str) -> list[str]:
    found = []
    # (setting, what it is, how a weak value reads, the default's weakest value, strong, the limit said)
    checks: tuple[tuple[str, str, str, str, Callable[[Any], bool], str], ...] = (
        ("EncryptionAlgorithms", "encryption", "allows", "AES128", lambda item: _one_of(item, AWS_ENCRYPTION), ""),
        ("IntegrityAlgorithms", "integrity", "allows", "SHA1", lambda item: _one_of(item, AWS_INTEGRITY), ""),
        ("DhGroupNumbers", "DH groups", "allow", "group 2", _strong_group, " (14-21 or 31 only)"),
    )
    for suffix, what, allows, default, strong, limit in checks:
        key = f"{tunnel}{phase}{suffix}"
        if unknown(connection, key):
            continue
        listed = _listed(setting(connection, key))
        if listed is None:
            found.append(f"{tunnel}: {phase.lower()} {what} not set (the default allows {default})")
        elif weak := sorted(str(item) for item in listed if not strong(item)):
            found.append(f"{tunnel}: {phase.lower()} {what} {allows} {', '.join(weak)}{limit}")
    return found


def _one_of(value: Any, allowed: frozenset[str]) -> bool:
    return isinstance(value, str) and value in allowed


def _strong_group(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        match = _GROUP.match(value)
        value = int(match.group(1)) if match else int(value) if value.isdigit() else None
    return isinstance(value, int) and value in STRONG_GROUPS


def openstack_weaknesses(policy: Resource) -> list[str]:
    """Each weak setting of an OpenStack IKE or IPsec policy; a setting not known yet is not judged."""
    found = []
    if policy.type == IKE_POLICY:
        version = setting(policy, "ikeVersion")
        if version != "v2" and not unknown(policy, "ikeVersion"):
            found.append(f"ikeVersion {version or 'not set (v1)'} (v2 only)")
    else:
        transform = setting(policy, "transformProtocol")
        if transform not in (None, "esp"):
            found.append(f"transformProtocol {transform}: only ESP encrypts")
    encryption = setting(policy, "encryptionAlgorithm")
    if not (isinstance(encryption, str) and encryption.startswith("aes-256")) and not unknown(
        policy, "encryptionAlgorithm"
    ):
        found.append(f"encryptionAlgorithm {encryption or 'not set (aes-128)'} (aes-256 only)")
    auth = setting(policy, "authAlgorithm")
    if not (isinstance(auth, str) and auth in OPENSTACK_AUTH) and not unknown(policy, "authAlgorithm"):
        found.append(f"authAlgorithm {auth or 'not set (sha1)'} (sha256 or better)")
    pfs = setting(policy, "pfs")
    if not _strong_group(pfs) and not unknown(policy, "pfs"):
        found.append(f"pfs {pfs or 'not set (group5)'} (group14-21 or group31)")
    return found


RULE = IkeIpsecStrength()
