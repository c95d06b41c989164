"""KB-DIFF-LINKCRYPTO: a link between sites is protected less than before."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.diff_checks.base import Comparison, DiffCheck, at_least_the_rules, newly_failing
from kiban.audit.findings import Finding, Severity
from kiban.audit.hybrid import VPN_TYPES, HybridCity, hybrid_of, link_resources, stack_urn
from kiban.audit.rules.hyb_005_vpn_selectors import RULE as VPN_SELECTORS
from kiban.audit.rules.hyb_006_ike_ipsec_strength import RULE as IKE_IPSEC_STRENGTH
from kiban.audit.values import resource_name

ENCRYPTED = frozenset({"ipsec", "macsec"})


class LinkProtectionWeakened(DiffCheck):
    """A link between sites lost its encryption (ipsec or macsec to none, or its VPN connections gone while it
    still declares IPsec: critical), now carries more areas or moved onto the internet carrier (high), or
    its VPN's IKE/IPsec settings or traffic selectors are weaker than before (high).

    The inventory's ``links`` of OLD and NEW are compared link by link; the VPN
    settings are KB-HYB-006 (IKE/IPsec strength) and KB-HYB-005 (traffic
    selectors) newly failing, in the diff's words. A link new in NEW is not a
    weakening of its declaration; its resources are still judged by the rules.
    """

    derived_from = (IKE_IPSEC_STRENGTH, VPN_SELECTORS)

    def __init__(self) -> None:
        super().__init__(id="KB-DIFF-LINKCRYPTO", title="Link protection weakened", severity=Severity.CRITICAL)

    def find(self, comparison: Comparison) -> Iterator[Finding]:
        old, new = hybrid_of(comparison.old), hybrid_of(comparison.new)
        if old is None or new is None:
            return
        stack = stack_urn(comparison.new)
        for link_id, after in sorted(new.links.items()):
            before = old.links.get(link_id)
            if before is None:
                continue
            if before.encryption in ENCRYPTED and after.encryption not in ENCRYPTED:
                message = f"link {link_id} encryption {before.encryption} → {after.encryption or 'not set'}"
                yield self.finding(comparison, Severity.CRITICAL, message, stack)
            elif after.encryption == "ipsec" and _vpn_gone(comparison, old, new, link_id):
                message = f"link {link_id} declares IPsec, but its VPN connections are gone from the stack"
                yield self.finding(comparison, Severity.CRITICAL, message, stack)
            widened = [area for area in after.areas if area not in before.areas]
            if widened:
                message = f"link {link_id} now carries areas {', '.join(widened)} (was {', '.join(before.areas)})"
                yield self.finding(comparison, Severity.HIGH, message, stack)
            if after.carrier == "internet" and before.carrier != "internet":
                message = f"link {link_id} carrier {before.carrier or 'not set'} → internet"
                yield self.finding(comparison, Severity.HIGH, message, stack)
        for rule in self.derived_from:
            for failure in newly_failing(rule, comparison):
                urn = failure.urn
                resource = comparison.new.resources.get(urn) if urn is not None else None
                link = new.link_of(resource) if resource is not None else None
                subject = f"link {link.id}: " if link is not None else ""
                message = f"{subject}{resource_name(urn or '')}: {failure.message}"
                yield at_least_the_rules(self.finding(comparison, Severity.HIGH, message, urn), rule)


def _vpn_gone(comparison: Comparison, old: HybridCity, new: HybridCity, link_id: str) -> bool:
    had = link_resources(comparison.old, old, old.links[link_id], VPN_TYPES)
    return bool(had) and not link_resources(comparison.new, new, new.links[link_id], VPN_TYPES)


CHECK = LinkProtectionWeakened()
