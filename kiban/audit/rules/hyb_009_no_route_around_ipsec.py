"""KB-HYB-009: an IPsec link's Direct Connect carries only the tunnels' outside block, no way around the encryption."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.facts import Network, overlaps, parse_network, subnet_of
from kiban.audit.findings import Severity
from kiban.audit.hybrid import DX_ASSOCIATION, HybridCity, hybrid_of, of_type, setting, unknown
from kiban.audit.model import OUTSIDE, StackView
from kiban.audit.rules.base import Outcome, StackRule
from kiban.audit.rules.hyb_004_direct_connect_prefixes import tunnel_blocks


class NoRouteAroundIpsec(StackRule):
    """The Direct Connect gateway association of a link encrypted with IPsec allows only the tunnels' outside block.

    Applies to a site stack of a spec with sites (its ``inventory`` names its
    ``site``) and to its ``directconnect.GatewayAssociation`` resources (AWS)
    that belong to a declared link (named after it: its name starts with the
    link id) whose ``encryption`` is ``ipsec``. The tunnels' outside block is
    the link's ``outside_cidr`` in the inventory (``dx.outside_cidr`` in the
    spec) or a Transit Gateway's ``transitGatewayCidrBlocks``, as long as it
    holds no address of any area.
    Fails once per ``allowedPrefixes`` entry that does not lie inside that
    block (an area's block, any other range, or a prefix that is not an
    address range): the line then carries that traffic beside the tunnels,
    unencrypted, a route around the encryption.
    Passes when every allowed prefix lies inside the outside block. Not
    judged: associations of links without IPsec, of no declared link, with no
    ``allowedPrefixes`` or with prefixes not known yet (KB-HYB-004 judges those).
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-HYB-009",
            title="No route around an IPsec link's encryption",
            severity=Severity.CRITICAL,
            category="hybrid",
            reads=(),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        city = hybrid_of(view)
        if city is None:
            return
        for association in of_type(view, DX_ASSOCIATION):
            link = city.link_of(association)
            if link is None or link.encryption != "ipsec" or unknown(association, "allowedPrefixes"):
                continue
            prefixes = setting(association, "allowedPrefixes")
            if not isinstance(prefixes, list) or not prefixes:
                continue
            blocks = tunnel_blocks(view, link)
            outside = ", ".join(str(block) for block in blocks) or "none declared"
            failures = []
            for prefix in prefixes:
                network = parse_network(prefix)
                if network is not None and any(subnet_of(network, block) for block in blocks):
                    continue
                areas = _areas_reached(view, city, network) if network is not None else []
                what = f"addresses of {', '.join(areas)}" if areas else "addresses outside the tunnels"
                failures.append(
                    f"link {link.id} is IPsec, but its Direct Connect allows {prefix} ({what}) beside the "
                    f"tunnels' outside block ({outside}): a route around the encryption"
                )
            yield from self.verdicts(association.urn, failures)


def _areas_reached(view: StackView, city: HybridCity, network: Network) -> list[str]:
    """The areas ``network`` overlaps at any site of the city (``site:area``), else in this stack's area map."""
    found = {
        f"{site.id}:{area}"
        for site in city.sites.values()
        for area, block in site.areas.items()
        if overlaps(block, network)
    }
    return sorted(found) if found else sorted(area for area in view.topology.areas_of(network) if area != OUTSIDE)


RULE = NoRouteAroundIpsec()
