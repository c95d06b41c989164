"""KB-HYB-004: a Direct Connect gateway advertises only the link's declared areas."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.facts import Network, parse_network, subnet_of
from kiban.audit.findings import Severity
from kiban.audit.hybrid import (
    DX_ASSOCIATION,
    TRANSIT_GATEWAY,
    LinkInfo,
    hybrid_of,
    link_blocks,
    local_areas,
    of_type,
    setting,
    unknown,
)
from kiban.audit.model import OUTSIDE, StackView
from kiban.audit.rules.base import Outcome, StackRule


class DirectConnectPrefixes(StackRule):
    """A Direct Connect gateway association's ``allowedPrefixes`` lie inside the link's declared areas at this site.

    Applies to a site stack of a spec with sites (its ``inventory`` names its
    ``site``) and to its ``directconnect.GatewayAssociation`` resources (AWS).
    The link is the one the association is named after (its name starts with
    the link id); the allowed blocks are this site's blocks (inventory
    ``sites[].areas``, else the stack's area map) of the areas the link may
    carry (inventory ``links[].areas``). A link encrypted with IPsec over
    Direct Connect may instead advertise the block its private-IP VPN's
    tunnel endpoints come from (a Transit Gateway's ``transitGatewayCidrBlocks``,
    or the link's ``outside_cidr`` in the inventory), as long as that block
    holds no address of any area: the areas are then reached through the
    tunnels alone.
    Fails for an association that belongs to no declared link, that has no
    ``allowedPrefixes`` (the provider then advertises every network attached
    to the gateway), or that allows a prefix outside those blocks (one failure
    per prefix, a prefix that is not an address range included).
    Passes when every allowed prefix lies inside the link's area blocks or,
    for IPsec, inside the tunnels' outside block.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-HYB-004",
            title="Direct Connect prefixes only from the link's areas",
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
            if link is None:
                yield self.fail(association.urn, "Direct Connect association of no declared link")
                continue
            areas = sorted(local_areas(view, link))
            blocks = link_blocks(view, city, link)
            if link.encryption == "ipsec":
                blocks += tunnel_blocks(view, link)
            if unknown(association, "allowedPrefixes"):
                continue
            prefixes = setting(association, "allowedPrefixes")
            if not isinstance(prefixes, list) or not prefixes:
                yield self.fail(
                    association.urn,
                    f"link {link.id}: no allowedPrefixes: the gateway advertises every attached network",
                )
                continue
            failures = []
            for prefix in prefixes:
                network = parse_network(prefix)
                if network is None or not any(subnet_of(network, block) for block in blocks):
                    failures.append(
                        f"link {link.id}: allowed prefix {prefix} lies outside its areas ({', '.join(areas) or 'none'})"
                    )
            yield from self.verdicts(association.urn, failures)


def tunnel_blocks(view: StackView, link: LinkInfo) -> list[Network]:
    """Where an IPsec link's tunnel endpoints may come from, less any block that holds an area's addresses."""
    found = [parse_network(link.outside_cidr)] if link.outside_cidr is not None else []
    for gateway in of_type(view, TRANSIT_GATEWAY):
        cidrs = setting(gateway, "transitGatewayCidrBlocks")
        found += [parse_network(cidr) for cidr in cidrs] if isinstance(cidrs, list) else []
    return [block for block in found if block is not None and view.topology.areas_of(block) == {OUTSIDE}]


RULE = DirectConnectPrefixes()
