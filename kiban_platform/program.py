"""kiban's Pulumi program: one model of the ``kiban:*`` stack config, ``prepare`` it, ``run`` it.

A project's ``__main__.py`` (the repository's, or a city's own made by ``kiban init``) is three
lines calling ``main()``. ``kiban render`` calls ``prepare`` itself with the stack file it read
and then ``run`` under the mock runtime, so a render loads the spec and checks the plan file once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import config as pulumi_config
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiban_platform.backends import Backend, TargetError, check_target, create_backend, known_targets
from kiban_platform.backends.aws.settings import TOKYO
from kiban_platform.backends.aws.sites import provider_region_problem, region_disagreement, site_settings
from kiban_platform.components import SharedPlatform, SharedPlatformArgs
from kiban_platform.components.site_links import SiteLinks, SiteLinksArgs
from kiban_platform.network.flows import FlowPlan, plan_flows
from kiban_platform.network.inventory import network_plan_json
from kiban_platform.network.plan import NetworkPlan, plan_network
from kiban_platform.network.site_inventory import hybrid_inventory
from kiban_platform.network.sites import PlannedLink, SiteViewError, plan_links, site_of, site_view
from kiban_platform.placement.fleet import PlacedFleet, place_fleet
from kiban_platform.placement.options import PlacementSettings
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import MiddlewareRole, PlatformSpec
from kiban_platform.spec.sites import Site, SiteKind, Target
from kiban_platform.spec.stack_outputs import Reading, peer_links_problems

# The stack config's namespace: fixed, whatever a city names its Pulumi project, so its stack files
# say `kiban:spec` like the repository's.
CONFIG_NAMESPACE = "kiban"
DATABASE_PASSWORD_KEY = "databaseAdminPassword"


class StackConfigError(ValueError):
    """The stack's ``kiban:*`` config cannot be used; each line names where it came from and the key."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class StackSettings(BaseModel):
    """Every ``kiban:*`` key of a stack file (``stacks/Pulumi.<stack>.yaml``), as the program reads them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spec: str = Field(
        min_length=1,
        description="Path of the platform spec, relative to this folder, e.g. specs/sample-city.yaml.",
    )
    target: str | None = Field(
        default=None,
        min_length=1,
        description=(
            "Where the platform is built, openstack or aws; its settings are the object kiban:<target> "
            "(docs/OPENSTACK.md, docs/AWS.md). Required for a spec without sites; a site stack takes it "
            "from its site in the spec (if set, it must agree)."
        ),
    )
    site: str | None = Field(
        default=None,
        min_length=1,
        description="A spec with sites: the one site this stack builds (one stack per site, docs/HYBRID.md).",
    )
    site_stacks: dict[str, str] = Field(
        default_factory=dict,
        alias="siteStacks",
        description=(
            "A site stack: the stack of each peer site whose outputs it reads by StackReference "
            "(site id -> stack name, e.g. {gc: sample-hybrid-gc})."
        ),
    )
    openstack: dict[str, Any] | None = Field(
        default=None, description="The OpenStack target's settings (docs/OPENSTACK.md); used when target is openstack."
    )
    aws: dict[str, Any] | None = Field(
        default=None, description="The AWS target's settings (docs/AWS.md); used when target is aws."
    )
    placement: PlacementSettings = Field(
        default_factory=PlacementSettings,
        description="Whether and how VMs are placed on blades: planFile, enabled, timeLimit, workLimit, seed.",
    )
    database_admin_password: str | None = Field(
        default=None,
        alias=DATABASE_PASSWORD_KEY,
        description="Secret: the database nodes' admin password (pulumi config set --secret databaseAdminPassword).",
    )

    def target_settings(self, target: str) -> Mapping[str, Any]:
        settings: Mapping[str, Any] | None = getattr(self, target, None)
        return settings or {}


def _decoded(value: str) -> Any:
    """A config value as the CLI passes it: objects, lists, numbers and booleans as JSON text."""
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def stack_settings(config: Mapping[str, str], source: str) -> StackSettings:
    """The ``kiban:*`` keys of ``config`` (namespaced keys, values as the CLI passes them) as StackSettings.

    ``source`` names where the config came from (the stack file) in every error line.
    """
    prefix = f"{CONFIG_NAMESPACE}:"
    raw: dict[str, Any] = {}
    for key, value in config.items():
        if key.startswith(prefix):
            name = key[len(prefix) :]
            # The spec path and the password are text even when they look like JSON.
            raw[name] = value if name in ("spec", "target", "site", DATABASE_PASSWORD_KEY) else _decoded(value)
    try:
        settings = StackSettings.model_validate(raw)
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            key = prefix + ".".join(map(str, problem["loc"]))
            if problem["type"] == "extra_forbidden":
                known = ", ".join(prefix + name for name in _known_keys())
                lines.append(f"{source}: {key}: unknown key; known keys: {known}")
            elif problem["type"] == "missing":
                lines.append(f"{source}: {key}: missing; set {key} in the stack file")
            else:
                lines.append(f"{source}: {key}: {problem['msg']}")
        raise StackConfigError(lines) from None
    if settings.target is not None:
        try:
            check_target(settings.target)
        except TargetError as error:
            raise StackConfigError([f"{source}: {error}"]) from None
    return settings


def _known_keys() -> list[str]:
    return [field.alias or name for name, field in StackSettings.model_fields.items()]


@dataclass(frozen=True)
class PreparedStack:
    """Everything the program declares a platform from: the settings, the spec and its plans, the backend.

    For a site stack of a spec with sites, ``spec`` is the site's own view (``site_view``) and
    ``city`` the whole spec; without sites both are the spec and ``site`` is None.
    """

    settings: StackSettings
    project_dir: Path
    spec_file: Path
    spec: PlatformSpec
    network: NetworkPlan
    flows: FlowPlan
    placement: PlacedFleet | None
    backend: Backend
    target: str
    city: PlatformSpec
    site: Site | None = None
    links: tuple[PlannedLink, ...] = ()
    peer_stacks: tuple[tuple[str, str], ...] = ()  # (peer site, its stack name) this stack reads
    # The provider config a site's stack file carries (aws:region: the site's region): a render without a
    # stack file sets it the same way, so the state's provider is where the site is.
    provider_config: tuple[tuple[str, str], ...] = ()

    @property
    def references(self) -> list[str]:
        """The stacks this stack reads by StackReference, in link order."""
        return [stack for _, stack in self.peer_stacks]


def _site_and_target(settings: StackSettings, spec: PlatformSpec, source: str) -> tuple[Site | None, str]:
    """The stack's site (a spec with sites) and its target: from the site, else from kiban:target."""
    prefix = f"{source}: {CONFIG_NAMESPACE}:"
    if not spec.sites:
        if settings.site is not None:
            raise StackConfigError([f"{prefix}site: {settings.spec} has no sites; remove kiban:site"])
        if settings.target is None:
            raise StackConfigError([f"{prefix}target: missing; set {CONFIG_NAMESPACE}:target in the stack file"])
        return None, settings.target
    known = ", ".join(site.id for site in spec.sites)
    if settings.site is None:
        raise StackConfigError(
            [f"{prefix}site: missing; {settings.spec} has sites ({known}): each stack builds one of them"]
        )
    try:
        site = site_of(spec, settings.site)
    except SiteViewError as error:
        raise StackConfigError([f"{prefix}site: {error}"]) from None
    if settings.target is not None and settings.target != site.target.value:
        raise StackConfigError(
            [
                f"{prefix}target: {settings.target} disagrees with site {site.id}'s target {site.target.value} "
                f"in {settings.spec}; remove kiban:target (a site stack takes its target from the spec)"
            ]
        )
    return site, site.target.value


def _peer_stacks(
    settings: StackSettings, backend: Backend, links: tuple[PlannedLink, ...], source: str
) -> tuple[tuple[str, str], ...]:
    """The stack of each peer site whose outputs the backend reads; a missing one is a config error."""
    needed = list(dict.fromkeys(backend.peer_outputs_needed(links)))
    missing = [site for site in needed if site not in settings.site_stacks]
    if missing:
        raise StackConfigError(
            [
                f"{source}: {CONFIG_NAMESPACE}:siteStacks: missing the stack of site {site}, whose outputs this "
                f"site reads (tunnel addresses, keys); e.g. siteStacks: {{{site}: <its stack name>}}"
                for site in missing
            ]
        )
    return tuple((site, settings.site_stacks[site]) for site in needed)


def _site_stacks_problems(settings: StackSettings, city: PlatformSpec, site: Site | None, source: str) -> list[str]:
    """``kiban:siteStacks`` naming a site the spec does not have, or this stack's own site: refused, not ignored."""
    if not settings.site_stacks:
        return []
    key = f"{source}: {CONFIG_NAMESPACE}:siteStacks"
    if site is None:
        return [f"{key}: {settings.spec} has no sites, so no peer stack is read; remove kiban:siteStacks"]
    known = [entry.id for entry in city.sites if entry.id != site.id]
    lines = []
    for named in settings.site_stacks:
        if named == site.id:
            lines.append(f"{key}.{named}: this stack builds site {named} itself; name only its peers' stacks")
        elif named not in known:
            lines.append(
                f"{key}.{named}: {settings.spec} has no site {named!r}; the peer sites: {', '.join(known) or 'none'}"
            )
    return lines


def _target_settings(
    settings: StackSettings, config: Mapping[str, str], city: PlatformSpec, site: Site | None, target: str, source: str
) -> Mapping[str, Any]:
    """``kiban:<target>`` as this stack uses it; StackConfigError naming the key when the settings contradict it.

    ``city``: the whole spec (a site's view has the same failure domains but no sites).

    A site stack's region is its site's in the spec (``backends.aws.sites``); settings for the other
    target, and a provider region other than the platform's, are refused rather than ignored.
    """
    prefix = f"{source}: {CONFIG_NAMESPACE}:"
    whose = f"site {site.id}'s target in {settings.spec}" if site is not None else f"{CONFIG_NAMESPACE}:target"
    lines = [
        f"{prefix}{other}: settings of target {other}, but this stack builds on {target} ({whose}); remove them"
        for other in known_targets()
        if other != target and getattr(settings, other, None) is not None
    ]
    lines += _site_stacks_problems(settings, city, site, source)
    raw = settings.target_settings(target)
    if site is not None and target == Target.AWS.value:
        disagreement = region_disagreement(site, raw)
        if disagreement is not None:
            lines.append(f"{prefix}aws.region: {disagreement}")
        raw = site_settings(site, raw)
    elif site is not None and target == Target.OPENSTACK.value and site.region is not None and "region" not in raw:
        raw = {**raw, "region": site.region}
    if target == Target.AWS.value:
        region = raw.get("region")
        problem = provider_region_problem(config.get("aws:region"), region if isinstance(region, str) else TOKYO)
        if problem is not None:
            lines.append(f"{source}: aws:region: {problem}")
    if lines:
        raise StackConfigError(lines)
    return raw


def prepare(config: Mapping[str, str], project_dir: Path, source: str) -> PreparedStack:
    """Read the stack config, load the spec, plan it once and check the target: StackConfigError or SpecError.

    ``config``: namespaced keys, values as the CLI passes them; ``project_dir``: where relative
    paths (the spec, plan files) start; ``source``: the stack file, named in errors.
    """
    settings = stack_settings(config, source)
    spec_file = project_dir / settings.spec
    city = load_spec(spec_file)
    site, target = _site_and_target(settings, city, source)
    spec = site_view(city, site.id) if site is not None else city
    links = plan_links(city, site.id) if site is not None else ()
    network = plan_network(spec)
    flows = plan_flows(spec, network)
    target_settings = _target_settings(settings, config, city, site, target, source)
    try:
        backend = create_backend(target, target_settings)
        # The one target check of a run, before anything is declared, on the plans the program uses.
        backend.check(spec, network, flows)
        if links:
            backend.check_links(links, spec)
    except TargetError as error:
        raise StackConfigError([f"{source}: {error}"]) from None
    peer_stacks = _peer_stacks(settings, backend, links, source) if links else ()
    if spec.middleware.get(MiddlewareRole.DATABASE) is not None and settings.database_admin_password is None:
        raise StackConfigError(
            [
                f"{source}: {CONFIG_NAMESPACE}:{DATABASE_PASSWORD_KEY}: the database nodes need this secret "
                f"(pulumi config set --secret {DATABASE_PASSWORD_KEY} ...)"
            ]
        )
    # Placement (`kiban plan`) decides each VM's chassis and blade: from the stack's plan file, or planned now.
    # A cloud site has no blades: its replicas go round robin over the zones, as `kiban plan` shows them.
    if site is not None and site.kind != SiteKind.ON_PREM:
        placement = None
    else:
        placement = place_fleet(spec, spec_file, settings.placement, project_dir, site.id if site else None)
    return PreparedStack(
        settings,
        project_dir,
        spec_file,
        spec,
        network,
        flows,
        placement,
        backend,
        target,
        city,
        site,
        links,
        peer_stacks,
        _provider_config(site, target, target_settings),
    )


def _provider_config(site: Site | None, target: str, target_settings: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The provider keys a site's stack file sets: ``aws:region``, the region the site is built in."""
    region = target_settings.get("region")
    if site is None or target != Target.AWS.value or not isinstance(region, str):
        return ()
    return (("aws:region", region),)


def run(prepared: PreparedStack) -> None:
    """Declare the platform of a prepared stack and export its outputs (inside a Pulumi program)."""
    password = prepared.settings.database_admin_password
    platform = SharedPlatform(
        "platform",
        SharedPlatformArgs(
            prepared.spec,
            prepared.network,
            prepared.flows,
            prepared.backend,
            pulumi.Output.secret(password) if password is not None else None,
            prepared.placement,
        ),
    )
    inventory = platform.inventory
    if prepared.site is not None:
        peers = {
            site: _checked_links(
                pulumi.StackReference(f"peer-{site}", stack_name=stack).get_output("links"),
                Reading(prepared.city, prepared.site.id, site, pulumi.get_project(), stack),
            )
            for site, stack in prepared.peer_stacks
        }
        site_links = SiteLinks(
            "links",
            SiteLinksArgs(prepared.links, platform.area_networks, prepared.backend, peers, platform.groups),
            pulumi.ResourceOptions(parent=platform),
        )
        pulumi.export("links", site_links.outputs)
        inventory = hybrid_inventory(prepared.city, prepared.site.id, inventory)
    pulumi.export("inventory", inventory)
    plan = network_plan_json(prepared.network, prepared.flows)
    pulumi.export("municipality", prepared.spec.municipality.model_dump(mode="json", by_alias=True))
    pulumi.export("segments", plan["segments"])
    pulumi.export("rules", plan["rules"])


def _checked_links(links: pulumi.Output[Any], reading: Reading) -> pulumi.Output[Any]:
    """A peer's ``links`` output, once it passes the schema (``stack_outputs.peer_links_problems``).

    ``kiban render`` checks the whole peer state before the program runs; under ``pulumi up`` this is
    where a peer's outputs arrive, so a garbage one stops the update with located lines instead of
    reaching a site connection (or ending in a KeyError inside the backend).
    """

    def checked(value: Any) -> Any:
        problems = peer_links_problems(value, reading, ("outputs", "links"))
        if problems:
            raise pulumi.RunError("\n".join(problem.render(f"stack {reading.stack}") for problem in problems))
        return value

    return links.apply(checked)


def stack_file_of(project_dir: Path, stack: str) -> Path:
    """Where the stack's config lives: ``<stackConfigDir>/Pulumi.<stack>.yaml`` of the project."""
    try:
        project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):  # the Pulumi CLI reports a project file it cannot read
        project = {}
    folder = project.get("stackConfigDir", ".") if isinstance(project, dict) else "."
    return project_dir / str(folder) / f"Pulumi.{stack}.yaml"


def main(project_dir: Path | None = None) -> None:
    """The body of a project's ``__main__.py`` under ``pulumi up``: prepare the running stack, then run it.

    A bad config or spec ends the program with its located lines and no traceback (pulumi.RunError).
    """
    from kiban_platform.spec.problems import SpecError

    folder = project_dir or Path.cwd()
    config = {**pulumi_config.get_config_env(), **pulumi_config.CONFIG.get()}
    stack_file = stack_file_of(folder, pulumi.get_stack())
    source = str(stack_file.relative_to(folder)) if stack_file.is_relative_to(folder) else str(stack_file)
    try:
        prepared = prepare({key: _as_text(value) for key, value in config.items()}, folder, source)
    except (StackConfigError, SpecError) as error:
        raise pulumi.RunError(str(error)) from None
    run(prepared)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


__all__ = [
    "CONFIG_NAMESPACE",
    "PreparedStack",
    "StackConfigError",
    "StackSettings",
    "main",
    "prepare",
    "run",
    "stack_settings",
]
