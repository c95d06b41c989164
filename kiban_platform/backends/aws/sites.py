"""The AWS settings of one site of a hybrid city: its region from the spec.

A site stack's ``kiban:aws`` says what the spec does not (accounts, AMI); the site's region is the
spec's (``sites[].region``), so a stack need not repeat it and may not contradict it. The site's
zones need no setting: its view's failure domains already are zones of its region
(``kiban_platform.spec.chassis_sites.site_chassis``).

No Pulumi import: the program (``prepare``), ``kiban plan`` and ``kiban validate`` all call
``site_settings``, so what validates is what renders.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiban_platform.backends.aws.settings import GOVERNMENT_CLOUD_REGIONS, TOKYO
from kiban_platform.spec.sites import Site

# The keys of kiban:aws this module fills in (AwsSettings' aliases).
REGION_KEY = "region"
ALLOWED_REGIONS_KEY = "allowedRegions"


def region_disagreement(site: Site, raw: Mapping[str, Any]) -> str | None:
    """Why ``kiban:aws.region`` cannot stand for this site (it names another region than the spec), or None."""
    configured = raw.get(REGION_KEY)
    if configured is None or site.region is None or configured == site.region:
        return None
    return (
        f"{configured!r} disagrees with site {site.id}'s region {site.region} in the spec; remove kiban:aws.region "
        "(a site stack takes its region from the spec) or correct sites[].region"
    )


def site_settings(site: Site, raw: Mapping[str, Any]) -> dict[str, Any]:
    """``kiban:aws`` as this site's stack uses it: the spec's region, and the site's region allowed.

    ``raw`` is the stack's ``kiban:aws`` (``{}`` for a render without a stack). Keys the stack sets itself
    win (``zones``, ``allowedRegions``); ``region_disagreement`` refuses a region other than the spec's.
    """
    settings = dict(raw)
    region = site.region or str(raw.get(REGION_KEY) or TOKYO)
    settings[REGION_KEY] = region
    if ALLOWED_REGIONS_KEY not in raw:
        # The spec's own checks hold a Government Cloud site to Tokyo and Osaka; a public cloud's region is the
        # city's decision in the spec, so the stack does not have to allow it a second time.
        settings[ALLOWED_REGIONS_KEY] = list(dict.fromkeys((*GOVERNMENT_CLOUD_REGIONS, region)))
    return settings


def provider_region_problem(provider_region: str | None, kiban_region: str) -> str | None:
    """Why the stack's ``aws:region`` (the provider's) cannot stand beside ``kiban:aws.region``, or None."""
    if provider_region is None or provider_region == kiban_region:
        return None
    return (
        f"the provider's region {provider_region} is not the platform's {kiban_region} (kiban:aws.region, or the "
        "site's region in the spec): the default provider would make the network in another region than every "
        f"resource kiban places; set aws:region: {kiban_region}"
    )
