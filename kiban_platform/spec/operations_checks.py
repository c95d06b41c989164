"""Whole-spec rules of ``operations``: every site with hosts is reached by each plane, and its flows hold.

Called from ``spec.checks.check_spec``. Each problem is located at the plane (``operations.<plane>``)
or at the field naming its manager's site, and says which site and area it is about:

- the manager's site is one of the spec's sites, and the plane's role runs there;
- every site with hosts in an area runs the plane's role in that area (its relay, or at the
  manager's site the manager itself): otherwise no plane reaches those hosts (job management: only
  where batch tiers run);
- every relay reaches the manager over a link carrying its area, and the manager runs in that area;
- the planned flows (``spec.operations_plan``) pass every rule a declared flow passes (ceilings of
  both ends, nothing above anonymized pushed to a public cloud, a public cloud only calls in to its
  hub, my_number only over closed encrypted links), reported at the plane, with the flow's id;
- a declared flow does not take the id of a planned one.

A plane named twice is a key written twice in the file, refused when it is read (``spec.source``).
"""

from __future__ import annotations

from collections.abc import Iterator

from kiban_platform.spec.hybrid import any_service_at, business_site, links_carrying, runs_at
from kiban_platform.spec.hybrid_checks import flow_problems
from kiban_platform.spec.model import Business, PlatformSpec
from kiban_platform.spec.operations import AnyPlane, Plane, manager_field, manager_site
from kiban_platform.spec.operations_plan import (
    manager_areas,
    operations_flow_id,
    plane_ports,
    plane_role,
    planned_operations_flows,
    relay_places,
    valid_flow_id,
)
from kiban_platform.spec.problems import FieldPath, Problem, known_ids


def _known(ids: list[str]) -> str:
    return known_ids(ids)


def hosts_needing(spec: PlatformSpec, plane: Plane, site_id: str, area_id: str) -> bool:
    """Whether the site has hosts in the area that the plane must reach (job management: batch tiers only)."""

    def build() -> dict[tuple[str | None, str], list[Business]]:
        placed: dict[tuple[str | None, str], list[Business]] = {}
        for business in spec.businesses:
            placed.setdefault((business_site(spec, business), business.area), []).append(business)
        return placed

    # Asked for every site and area: one table, not a scan of the businesses each time.
    businesses = spec.memoized("businesses by site and area", (spec.businesses, spec.sites), build).get(
        (site_id, area_id), []
    )
    if plane == Plane.JOB_MANAGEMENT:
        return any(b.tiers.batch is not None for b in businesses)
    if businesses:
        return True
    return any_service_at(spec, area_id, site_id)


def operations_problems(spec: PlatformSpec) -> list[Problem]:
    """The problems of ``operations`` that need no planned flow: sites, roles, coverage and reachability."""
    if spec.operations is None or not spec.sites:
        return []  # without sites: reported with the other fields that need sites
    problems: list[Problem] = []
    for plane, config in spec.operations.planes():
        problems += _check_plane(spec, plane, config)
    return problems


def _check_plane(spec: PlatformSpec, plane: Plane, config: AnyPlane) -> Iterator[Problem]:
    path: FieldPath = ("operations", plane.value)
    site_path: FieldPath = (*path, manager_field(plane))
    site_ids = [site.id for site in spec.sites]
    manager, role = manager_site(config), plane_role(plane)
    what = f"the {plane.value} plane"
    if manager not in site_ids:
        yield Problem(site_path, f"unknown site {manager!r}; known: {_known(site_ids)}")
        return
    service = spec.middleware.get(role)
    if service is None:
        yield Problem(path, f"{what} runs on the platform's {role.value}, and the spec has no middleware.{role.value}")
        return
    unserved = [port for port in plane_ports(spec, plane, config) if port not in service.ports]
    if unserved:
        # The relays open their connections to these ports, so the manager's role must listen on them.
        field = (*path, "protocol") if plane == Plane.LOGS else path
        yield Problem(
            field,
            f"{what}'s relays send to {', '.join(str(port) for port in unserved)}, which middleware.{role.value} "
            f"does not serve (its ports: {', '.join(str(port) for port in service.ports) or 'none'}): add "
            f"{'them' if len(unserved) > 1 else 'it'} to middleware.{role.value}.ports",
        )
    at_manager = manager_areas(spec, plane, config)
    if not at_manager:
        yield Problem(site_path, f"no {role.value} runs at site {manager!r}: {what}'s manager has nowhere to run")
        return
    known = {area.id for area in spec.areas}
    for site in spec.sites:
        for area_id in site.areas:
            if area_id not in known or runs_at(spec, role, area_id, site.id):
                continue
            if hosts_needing(spec, plane, site.id, area_id):
                hosts = "batch tiers" if plane == Plane.JOB_MANAGEMENT else "hosts"
                yield Problem(
                    path,
                    f"site {site.id!r} has {hosts} in area {area_id!r} and no {role.value} runs there, so {what} "
                    f"does not reach them: add the area to middleware.{role.value}.areas (and the site to its sites)",
                )
    for site_id, area_id in relay_places(spec, plane, config):
        relay = f"the {config.relay.value} relay at site {site_id!r} (area {area_id!r})"
        if area_id not in at_manager:
            yield Problem(
                site_path,
                f"{relay} has no manager to report to: no {role.value} runs in area {area_id!r} at site {manager!r}",
            )
        elif not links_carrying(spec, site_id, manager, {area_id}):
            yield Problem(
                path,
                f"{relay} cannot reach the manager at site {manager!r}: no link between {site_id!r} and "
                f"{manager!r} carries area {area_id!r} (add it to a link's areas, or narrow "
                f"middleware.{role.value}.sites)",
            )
        elif not valid_flow_id(operations_flow_id(plane, site_id, area_id)):
            yield Problem(
                path,
                f"the flow id kiban gives {relay}, {operations_flow_id(plane, site_id, area_id)!r}, is longer "
                "than 32 characters: shorten the site or area id",
            )


def operations_flow_problems(spec: PlatformSpec) -> list[Problem]:
    """The planned flows held to the rules of declared flows, and their ids kept for them.

    Run on a spec that passed every other check, so that each problem is one of the planes'."""
    planned = planned_operations_flows(spec)
    if not planned:
        return []
    problems: list[Problem] = []
    by_id = {relay.flow.id: relay for relay in planned}
    for index, flow in enumerate(spec.flows):
        relay = by_id.get(flow.id)
        if relay is not None and flow != relay.flow:
            problems.append(
                Problem(
                    ("flows", index, "id"),
                    f"{flow.id!r} is the id of the flow kiban plans for the {relay.plane.value} relay at site "
                    f"{relay.site!r} (area {relay.area!r}); give this flow another id",
                )
            )
    only_planned = spec.model_copy(update={"flows": [relay.flow for relay in planned]})
    for problem in flow_problems(only_planned):
        if problem.path[:1] != ("flows",):
            problems.append(problem)  # a link too weak for a planned flow's data: the link's field
            continue
        relay = planned[int(problem.path[1])]
        path: FieldPath = ("operations", relay.plane.value)
        if problem.path[2:3] == ("data",):
            path = (*path, manager_field(relay.plane))  # where the manager stands decides the ceiling it meets
        problems.append(
            Problem(
                path,
                f"flow {relay.flow.id} ({relay.site} → {relay.manager_site}, {relay.role.value}): {problem.message}",
            )
        )
    return problems
