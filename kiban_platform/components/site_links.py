"""SiteLinks: this site's ends of the links to other sites of a hybrid city (クラウド間連携).

Each site is its own stack, so each link is built twice, once from each side, by the backend of
that side's target: the Transit Gateway, Direct Connect and VPN on an AWS site, VPNaaS on an
OpenStack site. What one side needs from the other (the tunnels' outside addresses and keys AWS
assigns) comes in as ``peers``: each peer stack's ``links`` output, read by StackReference. The
rules of each cross-site flow are not made here: ``site_view`` already put them into the host
groups at each end, seen from that end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from kiban_platform.backends import Backend
from kiban_platform.backends.handles import AreaNetwork, DeployedGroup
from kiban_platform.network.sites import PlannedLink


@dataclass
class SiteLinksArgs:
    links: Sequence[PlannedLink]  # ``plan_links`` of this site
    areas: Mapping[str, AreaNetwork]  # this site's area networks, from SharedPlatform
    backend: Backend
    peers: Mapping[str, pulumi.Output[Any]]  # peer site -> its stack's ``links`` output
    groups: Sequence[DeployedGroup] = ()  # this site's host groups as made (their routes toward far ends)


class SiteLinks(pulumi.ComponentResource):
    outputs: dict[str, Any]  # the ``links`` stack output, by link id

    def __init__(self, name: str, args: SiteLinksArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kiban:hybrid:SiteLinks", name, None, opts)
        self.outputs = args.backend.site_links(self, args.links, args.areas, args.peers, args.groups)
        self.register_outputs({"links": [planned.link.id for planned in args.links], "peers": sorted(args.peers)})
