"""KB-HYB-008: a Government Cloud site runs in Tokyo or Osaka only."""

from __future__ import annotations

from collections.abc import Iterator

from kiban.audit.findings import Severity
from kiban.audit.hybrid import GOVERNMENT_CLOUD, GOVERNMENT_CLOUD_REGIONS, hybrid_of, setting, stack_urn, unknown
from kiban.audit.model import StackView
from kiban.audit.rules.base import Outcome, StackRule
from kiban.audit.values import UNKNOWN

AWS_PROVIDER = "pulumi:providers:aws"
ALLOWED = " or ".join(sorted(GOVERNMENT_CLOUD_REGIONS))


class GovernmentCloudResidency(StackRule):
    """Everything of a Government Cloud site stays in Japan: every AWS provider and resource in ap-northeast-1 or -3.

    Applies to the stack of a site whose kind is ``government_cloud`` (its
    ``inventory`` names its ``site``, and ``sites`` that site's kind); other
    sites and single-site stacks are not judged.
    Fails when the inventory gives the site a region other than
    ap-northeast-1 (Tokyo) or ap-northeast-3 (Osaka); for each AWS provider
    whose ``region`` is another or is not set (the environment would decide);
    and for each AWS resource whose own ``region`` (input, else the provider's
    output) is another.
    Passes when a provider or resource is in one of those regions (one verdict each).
    """

    def __init__(self) -> None:
        super().__init__(
            id="KB-HYB-008",
            title="Government Cloud residency",
            severity=Severity.CRITICAL,
            category="hybrid",
            reads=(),
        )

    def evaluate(self, view: StackView) -> Iterator[Outcome]:
        city = hybrid_of(view)
        site = city.here if city is not None else None
        if site is None or site.kind != GOVERNMENT_CLOUD:
            return
        if site.region is not None:
            failures = [] if site.region in GOVERNMENT_CLOUD_REGIONS else [f"site {site.id} is in {site.region}"]
            yield from self.verdicts(stack_urn(view), [f"{message}, not {ALLOWED}" for message in failures])
        for resource in view.resources.values():
            if resource.type == AWS_PROVIDER:
                # A provider's inputs are its configuration; its outputs are not read.
                configured = resource.inputs.get("region")
                if configured is UNKNOWN:
                    continue
                region = configured if isinstance(configured, str) and configured else None
                if region is None:
                    yield self.fail(resource.urn, f"AWS provider names no region (the environment decides): {ALLOWED}")
                    continue
            elif resource.type.startswith("aws:"):
                region = None if unknown(resource, "region") else setting(resource, "region")
                if region is None:
                    continue
            else:
                continue
            if isinstance(region, str) and region in GOVERNMENT_CLOUD_REGIONS:
                yield self.pass_(resource.urn)
            else:
                yield self.fail(resource.urn, f"region {region}, not {ALLOWED}")


RULE = GovernmentCloudResidency()
