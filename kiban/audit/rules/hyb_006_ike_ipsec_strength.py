"""KB-HYB-006: IKE and IPsec are set to strong algorithms on both providers, never left at their defaults."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kiban.audit.findings import Severity
from kiban.audit.hybrid import IKE_POLICY, IPSEC_POLICY, VPN_CONNECTION, hybrid_of, of_type, setting
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
    found = []
    for tunnel in ("tunnel1", "tunnel2"):
        versions = _listed(setting(connection, f"{tunnel}IkeVersions"))
        if versions is None:
            found.append(f"{tunnel}: IKE versions not set (the default allows IKEv1)")
        elif set(versions) != {"ikev2"}:
            found.append(f"{tunnel}: IKE versions {', '.join(map(str, versions))} (IKEv2 only)")
        for phase in ("Phase1", "Phase2"):
            encryption = _listed(setting(connection, f"{tunnel}{phase}EncryptionAlgorithms"))
            if encryption is None:
                found.append(f"{tunnel}: {phase.lower()} encryption not set (the default allows AES128)")
            elif weak := sorted(str(item) for item in encryption if item not in AWS_ENCRYPTION):
                found.append(f"{tunnel}: {phase.lower()} encryption allows {', '.join(weak)}")
            integrity = _listed(setting(connection, f"{tunnel}{phase}IntegrityAlgorithms"))
            if integrity is None:
                found.append(f"{tunnel}: {phase.lower()} integrity not set (the default allows SHA1)")
            elif weak := sorted(str(item) for item in integrity if item not in AWS_INTEGRITY):
                found.append(f"{tunnel}: {phase.lower()} integrity allows {', '.join(weak)}")
            groups = _listed(setting(connection, f"{tunnel}{phase}DhGroupNumbers"))
            if groups is None:
                found.append(f"{tunnel}: {phase.lower()} DH groups not set (the default allows group 2)")
            elif weak := sorted(str(item) for item in groups if not _strong_group(item)):
                found.append(f"{tunnel}: {phase.lower()} DH groups allow {', '.join(weak)} (14-21 or 31 only)")
    return found


def _strong_group(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        match = _GROUP.match(value)
        value = int(match.group(1)) if match else int(value) if value.isdigit() else None
    return isinstance(value, int) and value in STRONG_GROUPS


def openstack_weaknesses(policy: Resource) -> list[str]:
    found = []
    if policy.type == IKE_POLICY:
        version = setting(policy, "ikeVersion")
        if version != "v2":
            found.append(f"ikeVersion {version or 'not set (v1)'} (v2 only)")
    else:
        transform = setting(policy, "transformProtocol")
        if transform not in (None, "esp"):
            found.append(f"transformProtocol {transform}: only ESP encrypts")
    encryption = setting(policy, "encryptionAlgorithm")
    if not (isinstance(encryption, str) and encryption.startswith("aes-256")):
        found.append(f"encryptionAlgorithm {encryption or 'not set (aes-128)'} (aes-256 only)")
    auth = setting(policy, "authAlgorithm")
    if auth not in OPENSTACK_AUTH:
        found.append(f"authAlgorithm {auth or 'not set (sha1)'} (sha256 or better)")
    pfs = setting(policy, "pfs")
    if not _strong_group(pfs):
        found.append(f"pfs {pfs or 'not set (group5)'} (group14-21 or group31)")
    return found


RULE = IkeIpsecStrength()
