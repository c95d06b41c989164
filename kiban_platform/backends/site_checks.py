"""What each site's target refuses of a hybrid spec, located in the spec: ``kiban validate`` of a city over sites.

A spec with sites is built one stack per site, each with its own target and region. ``site_problems``
runs, for every site, exactly what that site's stack runs before declaring anything (``program.prepare``):
the target's spec checks on the site's view (``site_view``) with the site's default settings (its region
from the spec: ``backends.aws.sites``), and the target's link checks on the links that end there
(``plan_links``). So ``kiban validate`` exits 0 only when every site renders.

The view is a spec of its own (a subset of the areas, businesses and flows), so each problem's path is
carried back to the field of the spec a person edits; a site's block of an area is ``sites[i].areas``.
Like ``target_problems``, the target's modules are imported here only, and they import no provider SDK.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kiban_platform.network.sites import PlannedLink, plan_links, site_view
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.problems import FieldPath, Problem
from kiban_platform.spec.sites import Site, Target


def _index_by_id(items: Sequence[Any]) -> dict[str, int]:
    return {str(item.id): index for index, item in enumerate(items)}


def spec_path(spec: PlatformSpec, view: PlatformSpec, site_index: int, path: FieldPath) -> FieldPath:
    """The field of ``spec`` that the view's ``path`` (of site ``site_index``) comes from."""
    site_path: FieldPath = ("sites", site_index)
    if not path:
        return site_path
    head, rest = path[0], path[1:]
    collections: Mapping[str, tuple[Sequence[Any], Sequence[Any]]] = {
        "areas": (view.areas, spec.areas),
        "businesses": (view.businesses, spec.businesses),
        "flows": (view.flows, spec.flows),
    }
    if head in collections and rest and isinstance(rest[0], int):
        in_view, in_spec = collections[str(head)]
        item = in_view[rest[0]]
        if head == "areas" and rest[1:2] == ("supernet",):
            # A site's area supernet is its block of the area, written under the site.
            return (*site_path, "areas", str(item.id))
        index = _index_by_id(in_spec).get(str(item.id))
        return ("flows",) if index is None else (head, index, *rest[1:])
    return path


def _aws_problems(site: Site, view: PlatformSpec, links: Sequence[PlannedLink]) -> tuple[list[Problem], list[str]]:
    from kiban_platform.backends.aws.plan import link_problems, spec_problems
    from kiban_platform.backends.aws.settings import parse_settings
    from kiban_platform.backends.aws.sites import site_settings

    settings = parse_settings(site_settings(site, {}))
    return spec_problems(view, settings), link_problems(links, settings, view)


def _openstack_problems(
    site: Site, view: PlatformSpec, links: Sequence[PlannedLink]
) -> tuple[list[Problem], list[str]]:
    from kiban_platform.backends.openstack.checks import link_problems, spec_problems
    from kiban_platform.backends.openstack.settings import OpenStackSettings

    return spec_problems(view, OpenStackSettings(region=site.region)), link_problems(links, view)


def site_problems(spec: PlatformSpec) -> list[Problem]:
    """What each site's stack would refuse with default settings, located in ``spec``; [] without sites."""
    problems: list[Problem] = []
    link_index = _index_by_id(spec.links)
    for site_index, site in enumerate(spec.sites):
        view = site_view(spec, site.id)
        links = plan_links(spec, site.id)
        check = _aws_problems if site.target == Target.AWS else _openstack_problems
        view_problems, link_messages = check(site, view, links)
        label = f"site {site.id} ({site.target.value}): "
        for problem in view_problems:
            problems.append(Problem(spec_path(spec, view, site_index, problem.path), label + problem.message))
        by_link = {planned.link.id: planned for planned in links}
        for message in link_messages:
            # Each message starts "link '<id>': ..." (the targets' link checks name the link first).
            named = next((link_id for link_id in by_link if message.startswith(f"link {link_id!r}")), None)
            path: FieldPath = ("links", link_index[named]) if named is not None else ("sites", site_index)
            problems.append(Problem(path, label + message))
    return list(dict.fromkeys(problems))
