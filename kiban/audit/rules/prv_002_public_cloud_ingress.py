"""KB-PRV-002: a public cloud calls into the city one way, only at the gateway and only on its ports."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.hybrid import PUBLIC_CLOUD, hybrid_of, stack_urn
from kiban.audit.model import StackView
from kiban.audit.rules.base import Outcome, StackRule

HUB = "integration_hub@"
INTERNET = "internet"


class PublicCloudIngress(StackRule):
    """A flow from a public-cloud site is one-way into the integration hub (or a declared API gateway), on its ports.

    Applies to a site stack of a spec with sites (its ``inventory`` names its
    ``site``) and to each cross-site flow (inventory ``cross_site_flows``) from
    a ``public_cloud`` site with an end at this site.
    Fails when the flow is not ``one_way`` (the city's side could call out);
    when it ends at a public-cloud site too; when its end is neither the
    integration hub (``integration_hub@<area>``) nor the web tier of a business
    the inventory lists in ``api_gateways``; when that end is at this site in an
    area that is not the ``internet`` area; and when its ports are not among
    the ports the destination's hosts declare (inventory ``hosts``, when this
    site holds them).
    Passes when none of these holds: one verdict per flow, on the stack.
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-PRV-002",
            title="Public-cloud ingress only to the gateway port",
            severity=Severity.CRITICAL,
            category="privacy",
            reads=(),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        city = hybrid_of(view)
        if city is None:
            return
        urn = stack_urn(view)
        inventory = view.stack_outputs.get("inventory")
        gateways = inventory.get("api_gateways") if isinstance(inventory, dict) else None
        listed = gateways if isinstance(gateways, list) else []
        gateway_ends = {f"{business}/web" for business in listed if isinstance(business, str)}
        for crossing in city.crossings:
            if city.kind(crossing.source.site) != PUBLIC_CLOUD or not crossing.touches(city.site):
                continue
            end = crossing.destination
            failures = []
            if crossing.one_way is not True:
                failures.append(f"flow {crossing.label} from a public cloud is not one-way")
            if city.kind(end.site) == PUBLIC_CLOUD:
                failures.append(f"flow {crossing.label} ends at another public cloud")
            if not (end.end or "").startswith(HUB) and end.end not in gateway_ends:
                failures.append(f"flow {crossing.label} ends at {end.end}, not the integration hub or an API gateway")
            elif end.site == city.site and view.topology.level(end.area) not in (INTERNET, None):
                failures.append(f"flow {crossing.label} enters area {end.area}, not the internet area")
            declared = city.ports_of(end.end) if end.site == city.site else None
            extra = sorted(set(crossing.ports) - declared) if declared is not None else []
            if extra:
                failures.append(f"flow {crossing.label} opens {', '.join(extra)}, not a port of {end.end}")
            yield from self.verdicts(urn, failures)


RULE = PublicCloudIngress()
