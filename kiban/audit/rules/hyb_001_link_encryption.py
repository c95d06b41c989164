"""KB-HYB-001: a link that carries personal data or above is encrypted."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.hybrid import PERSONAL, VPN_TYPES, at_least, hybrid_of, link_resources, rank, stack_urn
from kiban.audit.model import StackView
from kiban.audit.rules.base import Outcome, StackRule

ENCRYPTED = frozenset({"ipsec", "macsec"})


class LinkEncryption(StackRule):
    """A link between sites that carries a flow of personal data or above is encrypted, and its VPN exists.

    Applies to a site stack of a spec with sites (its ``inventory`` names its
    ``site``); a single-site stack has no links and nothing is judged. Judges
    each link of the inventory with this stack's site at one end that carries
    a cross-site flow (inventory ``cross_site_flows``) of data class
    ``personal``, ``special_care`` or ``my_number``.
    Passes when the link's ``encryption`` is ``macsec``, or ``ipsec`` and the
    stack holds the link's VPN: an AWS ``VpnConnection`` or an OpenStack
    ``SiteConnection`` named after the link (its name starts with the link id)
    or tagged ``kiban:link``.
    Fails when the link's encryption is ``none`` or missing (Direct Connect and
    closed lines are not encrypted by themselves), or when it says ``ipsec``
    and no VPN of the link is in the stack. One verdict per link, on the stack.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-HYB-001",
            title="Links carrying personal data are encrypted",
            severity=Severity.CRITICAL,
            category="hybrid",
            reads=(),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        city = hybrid_of(view)
        if city is None:
            return
        urn = stack_urn(view)
        for link in city.links_here():
            carried = [
                crossing
                for crossing in city.crossings
                if crossing.link == link.id and at_least(crossing.data, PERSONAL)
            ]
            if not carried:
                continue
            highest = max(carried, key=lambda crossing: rank(crossing.data) or 0)
            what = f"link {link.id} carries {highest.data} (flow {highest.flow})"
            if link.encryption not in ENCRYPTED:
                yield self.fail(urn, f"{what} but is not encrypted (encryption: {link.encryption or 'not set'})")
            elif link.encryption == "ipsec" and not link_resources(view, city, link, VPN_TYPES):
                yield self.fail(urn, f"{what} over IPsec, but the stack holds no VPN connection of the link")
            else:
                yield self.pass_(urn)


RULE = LinkEncryption()
