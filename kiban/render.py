"""``kiban render``: the resource graph of a stack, offline, in ``pulumi stack export`` format.

The real ``__main__.py`` runs under the Pulumi SDK's mock runtime with the
stack's config (read from ``stacks/Pulumi.<stack>.yaml`` the way the CLI would
pass it, ``secure`` values opened with the stack's passphrase). The result is the
state file a real ``pulumi up`` would leave, less what only the cloud knows: ids
are derived from URNs and outputs echo inputs. Secrets are sealed with Pulumi's
passphrase provider under the stack's own salt, so ``pulumi stack import`` opens
them with the stack's passphrase; everything else that would vary (nonces, times)
is derived, so two renders are byte-identical.
"""

from __future__ import annotations

import hashlib
import heapq
import importlib.metadata
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from kiban.mock_runtime import (
    PROVIDER_TYPE_PREFIX,
    STACK_TYPE,
    KibanMocks,
    RecordingMonitor,
    ReferencedStack,
    Registration,
    make_urn,
    mock_id,
    resource_name,
    run_program,
)
from kiban.passphrase import (
    PROVIDER_TYPE,
    PassphraseCrypter,
    PassphraseError,
    configured_passphrase,
    derived_salt,
)
from kiban_platform.program import CONFIG_NAMESPACE, PreparedStack, StackConfigError, prepare, run
from kiban_platform.spec.jsonsource import read_json
from kiban_platform.spec.model import PlatformSpec
from kiban_platform.spec.problems import SpecError
from kiban_platform.spec.source import read_yaml
from kiban_platform.spec.stack_outputs import Reading, peer_state_problems

PROJECT_FILE = "Pulumi.yaml"
# The project name of a render with no project (--spec outside any Pulumi project): the repository's.
DEFAULT_PROJECT_NAME = "kiban"


def find_project(start: Path) -> Path | None:
    """The Pulumi project holding ``start``: the nearest folder upwards with a Pulumi.yaml, as pulumi finds it."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    return None


# The project `kiban render --stack` reads: found from the current folder upwards (a city's own project made
# by `kiban init`, or kiban's checkout); with none, the current folder, where only --spec renders work.
PROJECT_DIR = find_project(Path.cwd()) or Path.cwd()
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
# When a render happened, for the manifest and every resource's created/modified: SOURCE_DATE_EPOCH
# (the reproducible-builds convention) when set, else this fixed instant (SOURCE_DATE_EPOCH=0), never the
# clock, so that two renders are byte-identical.
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
MANIFEST_TIME = "1970-01-01T00:00:00Z"
AREA_TYPE = "kiban:network:SecurityArea"
TENANT_TYPE = "kiban:tenancy:BusinessTenant"
# Stands in for a secret that a --spec render has no stack to take from; it is rendered as a fingerprint only.
PLACEHOLDER_SECRET = "kiban-render-placeholder"


class RenderError(Exception):
    """A stack or option that cannot be rendered; the message says what to fix."""


@dataclass
class StackConfig:
    project: str
    stack: str
    config: dict[str, str]  # "namespace:key" -> value as the CLI passes it (objects as JSON)
    secret_keys: list[str] = field(default_factory=list)
    # The stack file's passphrase salt state; without one (a stack-less render, a stack on another secrets
    # provider) a render derives its salt from the project and the stack name.
    encryption_salt: str | None = None
    stack_file: Path | None = None  # where the config was read, named in errors; None for a stack-less render

    def get(self, key: str) -> str | None:
        return self.config.get(key if ":" in key else f"{CONFIG_NAMESPACE}:{key}")


def read_project(project_dir: Path) -> tuple[str, Path]:
    """The project's name and its stack-config folder, from Pulumi.yaml."""
    project_file = project_dir / PROJECT_FILE
    if not project_file.is_file():
        raise RenderError(
            f"no {PROJECT_FILE} in {project_dir} or any folder above: run this inside a kiban project "
            "(`kiban init DIR` makes one), or render a spec with --spec FILE --target TARGET"
        )
    try:
        project = read_yaml(project_file, "project file").data
    except SpecError as error:
        raise RenderError("\n".join(error.lines())) from None
    if not isinstance(project, dict) or not isinstance(project.get("name"), str):
        raise RenderError(f"{project_file}: name: missing; a Pulumi project file names its project")
    return project["name"], project_dir / str(project.get("stackConfigDir", "."))


def known_stacks(project_dir: Path) -> list[str]:
    _, folder = read_project(project_dir)
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in folder.glob("Pulumi.*.yaml"))


def _config_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    # The CLI hands objects, lists, numbers and booleans to the program as JSON text.
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def load_stack_config(project_dir: Path, stack: str) -> StackConfig:
    """Read ``Pulumi.<stack>.yaml``; a secure value is passed on as its ciphertext and marked secret."""
    project, folder = read_project(project_dir)
    stack_file = folder / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = ", ".join(known_stacks(project_dir)) or "none"
        raise RenderError(f"stack {stack!r} not found: no {stack_file}; known stacks: {known}")
    data = _read_stack_file(stack_file)
    raw = data.get("config") or {}
    if not isinstance(raw, dict):
        raise RenderError(f"{stack_file}: config: must be a mapping of keys to values (kiban:spec: ...)")
    salt = data.get("encryptionsalt")
    if salt is not None and not isinstance(salt, str):
        raise RenderError(f"{stack_file}: encryptionsalt must be text (v1:<salt>:<check>)")
    stack_config = StackConfig(project, stack, {}, [], encryption_salt=salt, stack_file=stack_file)
    # A stack on another secrets provider (secretsprovider: awskms://...) cannot be opened here: its
    # secure values reach the program as their ciphertext, which is then sealed like any secret.
    crypter = secrets_crypter(stack_config) if salt is not None else None
    for key, value in raw.items():
        full_key = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            stack_config.secret_keys.append(full_key)
            stack_config.config[full_key] = _open_secure(crypter, str(value["secure"]), stack_file, full_key)
        else:
            stack_config.config[full_key] = _config_value(value)
    stack_config.secret_keys.sort()
    return stack_config


def _read_stack_file(stack_file: Path) -> dict[str, Any]:
    """The stack file as a mapping; RenderError naming the file, the field and what is wrong otherwise.

    Read by kiban's one YAML reader (UTF-8 only, size and alias limits, a key written twice refused), as
    the Pulumi CLI would refuse such a file too; then every key of ``config`` must be text.
    """
    try:
        data = read_yaml(stack_file, "stack file").data
    except SpecError as error:
        raise RenderError("\n".join(error.lines())) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RenderError(
            f"{stack_file}: (top level): a stack file is a YAML mapping (config: ..., encryptionsalt: ...), "
            f"not a {type(data).__name__}"
        )
    config = data.get("config")
    keys_of = (("(top level)", data), ("config", config if isinstance(config, dict) else {}))
    for where, mapping in keys_of:
        for key in mapping:
            if not isinstance(key, str):
                raise RenderError(
                    f"{stack_file}: {where}: key {key!r} is a {type(key).__name__}; a key of a stack file is text, "
                    "e.g. kiban:spec (quote it)"
                )
    return data


def _open_secure(crypter: PassphraseCrypter | None, ciphertext: str, stack_file: Path, key: str) -> str:
    if crypter is None:
        return ciphertext
    try:
        return crypter.decrypt(ciphertext)
    except PassphraseError as error:
        raise RenderError(f"{stack_file}: {key}: the secure value {error}") from None


def secrets_crypter(stack: StackConfig) -> PassphraseCrypter:
    """The passphrase provider of a render: the stack's salt, or one derived from the project and stack name.

    The passphrase is the CLI's (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE), else the
    sample stacks' ``kiban-sample``; a wrong one is refused here, as ``pulumi up`` would refuse it.
    """
    try:
        phrase = configured_passphrase()
        if stack.encryption_salt is not None:
            return PassphraseCrypter.from_state(phrase, stack.encryption_salt)
        return PassphraseCrypter.from_salt(phrase, derived_salt(stack.project.encode(), stack.stack.encode()))
    except PassphraseError as error:
        raise RenderError(f"stack {stack.stack!r}: {error}") from None


def render_time() -> str:
    """The render's time for the manifest and every resource: SOURCE_DATE_EPOCH, else MANIFEST_TIME."""
    raw = os.environ.get(SOURCE_DATE_EPOCH)
    if raw is None or raw == "":
        return MANIFEST_TIME
    try:
        seconds = int(raw)
        moment = datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise RenderError(f"{SOURCE_DATE_EPOCH}={raw!r}: expected whole seconds since 1970-01-01 UTC") from None
    if seconds < 0:
        raise RenderError(f"{SOURCE_DATE_EPOCH}={raw!r}: expected whole seconds since 1970-01-01 UTC")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def spec_stack_config(
    project_dir: Path | None,
    spec_file: Path,
    target: str | None,
    site: str | None = None,
    name: str | None = None,
) -> StackConfig:
    """The config of a stack-less render: the spec, the target (or, for a spec with sites, the site), defaults.

    Inside a project the render takes the project's name; with none (an empty folder) kiban's own.
    A site's stack is named ``<spec>-<site>``, and each peer site's ``<spec>-<peer>``: the stack
    names ``render`` gives the peers it renders first when the site reads their outputs. ``name``
    replaces the spec's file name in those stack names (two specs compared render as one stack).
    """
    prefix = name or spec_file.stem
    has_project = project_dir is not None and (project_dir / PROJECT_FILE).is_file()
    project = read_project(project_dir)[0] if project_dir is not None and has_project else DEFAULT_PROJECT_NAME
    namespace = CONFIG_NAMESPACE
    config = {f"{namespace}:spec": str(spec_file.resolve())}
    if target is not None:
        config[f"{namespace}:target"] = target
    if site is not None:
        config[f"{namespace}:site"] = site
        config[f"{namespace}:siteStacks"] = json.dumps(_peer_stack_names(spec_file, site, prefix))
    # A database node needs its admin password; a stack-less render has none, so it gets a placeholder secret.
    password_key = f"{namespace}:databaseAdminPassword"
    config[password_key] = PLACEHOLDER_SECRET
    # No stack, no salt: secrets_crypter derives one from the project and the stack name (the spec file's
    # name and the target), not from the spec's text, so an edit to the spec changes only the secrets it changes.
    return StackConfig(project, f"{prefix}-{site or target}", config, [password_key])


def _peer_stack_names(spec_file: Path, site: str, prefix: str) -> dict[str, str]:
    """Every other site's stack-less stack name; unreadable specs are reported by the render itself."""
    try:
        document = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
        sites = document.get("sites") or [] if isinstance(document, dict) else []
        ids = [entry["id"] for entry in sites if isinstance(entry, dict) and isinstance(entry.get("id"), str)]
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        ids = []
    return {peer: f"{prefix}-{peer}" for peer in ids if peer != site}


def prepare_stack(project_dir: Path | None, stack: StackConfig) -> PreparedStack:
    """The stack prepared as the program prepares it (spec loaded, plans made, target checked), once per render.

    A bad config is a RenderError naming the stack file and the key; a bad spec or plan file a SpecError
    with its located lines: here, before the mock runtime, where they would come with a traceback.
    """
    folder = project_dir if project_dir is not None else Path.cwd()
    source = str(stack.stack_file) if stack.stack_file is not None else f"stack {stack.stack!r}"
    try:
        return prepare(stack.config, folder, source)
    except StackConfigError as error:
        raise RenderError(str(error)) from None


def check_stack(project_dir: Path | None, stack: StackConfig) -> PlatformSpec:
    """Prepare the stack as a render would and return its spec; RenderError or SpecError when it cannot run."""
    return prepare_stack(project_dir, stack).spec


# -- the state document ---------------------------------------------------------------------------


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


def _seal(value: Any, crypter: PassphraseCrypter, where: str) -> Any:
    """Seal each secret with the passphrase provider; ``where`` (URN and property path) keys its nonce."""
    if _is_secret(value):
        # The engine seals a secret's value as its JSON (json.Marshal: compact, keys sorted).
        plaintext = json.dumps(_plain(value["value"]), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return {SECRET_SIG_KEY: SECRET_SIG, "ciphertext": crypter.encrypt(plaintext, where)}
    if isinstance(value, dict):
        return {key: _seal(item, crypter, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_seal(item, crypter, f"{where}[{index}]") for index, item in enumerate(value)]
    return _whole(value)


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        # Properties travel as protobuf doubles; the engine writes whole numbers without a fraction.
        return int(value)
    return value


def _plain(value: Any) -> Any:
    if _is_secret(value):
        return _plain(value["value"])
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return _whole(value)


def _default_provider(registration: Registration, stack: StackConfig) -> tuple[str, str]:
    """The URN and id of the default provider the engine makes for a resource with no explicit provider."""
    package = registration.type.split(":", 1)[0]
    name = f"default_{registration.version.replace('.', '_').replace('-', '_')}" if registration.version else "default"
    urn = make_urn(stack.stack, stack.project, "", f"{PROVIDER_TYPE_PREFIX}{package}", name)
    return urn, mock_id(urn)


def _provider_config(package: str, stack: StackConfig) -> dict[str, Any]:
    """A default provider's inputs: the stack's ``<package>:*`` config, secrets kept secret."""
    inputs: dict[str, Any] = {}
    for key, value in stack.config.items():
        namespace, _, name = key.partition(":")
        if namespace == package:
            inputs[name] = {SECRET_SIG_KEY: SECRET_SIG, "value": value} if key in stack.secret_keys else value
    return inputs


def _resource_json(registration: Registration, provider: str, crypter: PassphraseCrypter, when: str) -> dict[str, Any]:
    # Field names and omitted empties follow the engine's ResourceV3 (apitype) JSON.
    urn = registration.urn
    resource: dict[str, Any] = {"urn": urn, "custom": registration.custom, "type": registration.type}
    if registration.custom:
        resource["id"] = registration.id
    if registration.external:
        resource["external"] = True
    if registration.inputs:
        resource["inputs"] = _seal(registration.inputs, crypter, f"{urn}:inputs")
    if registration.outputs:
        resource["outputs"] = _seal(registration.outputs, crypter, f"{urn}:outputs")
    if registration.parent:
        resource["parent"] = registration.parent
    if registration.dependencies:
        resource["dependencies"] = registration.dependencies
    if provider:
        resource["provider"] = provider
    # Every input key, an empty list where it depends on nothing: what the engine keeps from the SDK's request.
    property_dependencies: dict[str, list[str]] = {key: [] for key in registration.inputs}
    property_dependencies.update(registration.property_dependencies)
    if property_dependencies:
        resource["propertyDependencies"] = property_dependencies
    resource.update(registration.options)
    resource["created"] = resource["modified"] = when
    if registration.source_position:
        resource["sourcePosition"] = registration.source_position
    return resource


def _ordered(resources: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every resource after its parent, provider and dependencies (the engine's invariant), ties by URN."""

    def needs(resource: dict[str, Any]) -> set[str]:
        before = set(resource.get("dependencies", []))
        before.update(urn for urns in resource.get("propertyDependencies", {}).values() for urn in urns)
        if "parent" in resource:
            before.add(resource["parent"])
        if "provider" in resource:
            before.add(resource["provider"].rsplit("::", 1)[0])
        return before & resources.keys()

    waiting = {urn: needs(resource) for urn, resource in resources.items()}
    dependents: dict[str, list[str]] = {}
    for urn, before in waiting.items():
        for other in before:
            dependents.setdefault(other, []).append(urn)

    def rank(urn: str) -> tuple[int, str]:
        # The stack resource first, as the engine registers it first; then by URN.
        return (0 if resources[urn]["type"] == STACK_TYPE and "parent" not in resources[urn] else 1, urn)

    ready = [rank(urn) for urn, before in waiting.items() if not before]
    heapq.heapify(ready)
    ordered = []
    while ready:
        _, urn = heapq.heappop(ready)
        ordered.append(resources[urn])
        for dependent in dependents.get(urn, []):
            waiting[dependent].discard(urn)
            if not waiting[dependent]:
                heapq.heappush(ready, rank(dependent))
    if len(ordered) != len(resources):
        raise RenderError("the resource graph has a cycle")
    return ordered


def state_document(monitor: RecordingMonitor, stack: StackConfig) -> dict[str, Any]:
    crypter = secrets_crypter(stack)
    when = render_time()
    resources: dict[str, dict[str, Any]] = {}
    for registration in monitor.registrations.values():
        provider = registration.provider
        if registration.custom and not provider and not registration.type.startswith(PROVIDER_TYPE_PREFIX):
            urn, provider_id = _default_provider(registration, stack)
            provider = f"{urn}::{provider_id}"
            if urn not in resources:
                package = registration.type.split(":", 1)[0]
                inputs = {**_provider_config(package, stack), "version": registration.version}
                resources[urn] = {
                    "urn": urn,
                    "custom": True,
                    "id": provider_id,
                    "type": f"{PROVIDER_TYPE_PREFIX}{package}",
                    "inputs": _seal(inputs, crypter, f"{urn}:inputs"),
                    "outputs": _seal(inputs, crypter, f"{urn}:outputs"),
                    "propertyDependencies": {key: [] for key in inputs},
                    "created": when,
                    "modified": when,
                }
        resources[registration.urn] = _resource_json(registration, provider, crypter, when)
    version = importlib.metadata.version("pulumi")
    return {
        "version": 3,
        "deployment": {
            "manifest": {
                "time": when,
                # The engine's integrity check: sha256 of the version text (deploy.Manifest.NewMagic).
                "magic": hashlib.sha256(f"v{version}".encode()).hexdigest(),
                "version": f"v{version}",
            },
            "secrets_providers": {"type": PROVIDER_TYPE, "state": {"salt": crypter.state}},
            "resources": _ordered(resources),
        },
    }


def dumps_state(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=4, sort_keys=True, ensure_ascii=False) + "\n"


# -- summary --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    total: int
    by_type: list[tuple[str, int]]
    by_area: list[tuple[str, int]]
    by_business: list[tuple[str, int]]
    placement: Mapping[str, Any] | None = None  # the hardware pool's sizing, when the stack plans placement


HARDWARE_POOL_TYPE = "kiban:compute:HardwarePool"


def _ancestor_name(urn: str, type_: str, parents: Mapping[str, str], types: Mapping[str, str]) -> str | None:
    current: str | None = urn
    while current:
        if types.get(current) == type_:
            return resource_name(current)
        current = parents.get(current)
    return None


def summarize(resources: Iterable[Mapping[str, Any]]) -> Summary:
    listed = list(resources)
    parents = {resource["urn"]: resource.get("parent", "") for resource in listed}
    types = {resource["urn"]: resource["type"] for resource in listed}
    by_type: Counter[str] = Counter(types.values())
    by_area: Counter[str] = Counter()
    by_business: Counter[str] = Counter()
    for urn in types:
        area = _ancestor_name(urn, AREA_TYPE, parents, types)
        if area is not None:
            by_area[area] += 1
        business = _ancestor_name(urn, TENANT_TYPE, parents, types)
        if business is not None:
            by_business[business] += 1
    pool = next((r for r in listed if r["type"] == HARDWARE_POOL_TYPE), None)
    return Summary(
        len(listed),
        sorted(by_type.items(), key=lambda item: (-item[1], item[0])),
        sorted(by_area.items()),
        sorted(by_business.items()),
        (pool.get("outputs") or {}).get("placement") if pool is not None else None,
    )


def summary_lines(summary: Summary, stack: str) -> list[str]:
    lines = [f"{stack}: {summary.total} resources"]
    if summary.placement is not None:
        sized = summary.placement
        proof = "optimal" if sized["optimal"] else f"gap {sized['gap']:.1%}"
        lines.append(
            f"placement: {sized['blades_used']} blades on {sized['chassis_used']} chassis ({proof}); "
            f"dedicated baseline {sized['dedicated_baseline']}, first fit {sized['first_fit']}"
        )
    lines += ["by type:"] + [f"  {count:6d}  {type_}" for type_, count in summary.by_type]
    lines += ["by area:"] + [f"  {count:6d}  {area}" for area, count in summary.by_area]
    lines += ["by business:"] + [f"  {count:6d}  {business}" for business, count in summary.by_business]
    return lines


# -- entry point ----------------------------------------------------------------------------------


# -- other stacks' outputs (StackReference) ---------------------------------------------------------


def _unsealed(value: Any, crypter: PassphraseCrypter, where: str) -> tuple[Any, bool]:
    """A stack output with every sealed secret opened; True when one was."""
    if _is_secret(value):
        ciphertext = value.get("ciphertext")
        if not isinstance(ciphertext, str):
            # A hand-edited or foreign state: a secret whose ciphertext is a number, a list, or missing.
            raise RenderError(f"{where}: a secret without its ciphertext as text (expected v1:<nonce>:<ciphertext>)")
        try:
            return json.loads(crypter.decrypt(ciphertext)), True
        except (PassphraseError, ValueError) as error:
            raise RenderError(f"{where}: the secret cannot be opened with this passphrase ({error})") from None
    if isinstance(value, dict):
        opened = {key: _unsealed(item, crypter, f"{where}.{key}") for key, item in value.items()}
        return {key: item for key, (item, _) in opened.items()}, any(secret for _, secret in opened.values())
    if isinstance(value, list):
        items = [_unsealed(item, crypter, f"{where}[{index}]") for index, item in enumerate(value)]
        return [item for item, _ in items], any(secret for _, secret in items)
    return value, False


def read_reference(stack_name: str, state_file: Path, reading: Reading | None = None) -> ReferencedStack:
    """The outputs of ``stack_name`` from its state (a render or ``pulumi stack export``), secrets opened.

    The state's secrets are opened with the CLI's passphrase and its own salt, as ``pulumi`` would
    for a StackReference, and stay secret in the stack that reads them. With ``reading`` (who reads it,
    from which spec) the state is checked against that spec first (``peer_state_problems``): a
    SpecError naming the file and each field, before any value reaches the reading stack.
    """
    where = f"--reference {stack_name}={state_file}"
    try:
        # The one JSON reader: size and depth limits, UTF-8, no NaN (a hostile peer state is refused whole).
        document = read_json(state_file, "state file", "expected `pulumi stack export` or a `kiban render`")
    except SpecError as error:
        raise RenderError(f"{where}: not a readable state file ({'; '.join(error.lines())})") from None
    return referenced_outputs(document, where, reading, state_file)


def referenced_outputs(
    document: Any, where: str, reading: Reading | None = None, file: Path | str | None = None
) -> ReferencedStack:
    """A state document's stack outputs, secrets opened; ``where`` names it in errors.

    ``reading``: check the outputs as the reading stack's peer (``peer_state_problems``); problems are
    a SpecError located in ``file`` (default: ``where``).
    """
    deployment = document.get("deployment") if isinstance(document, dict) else None
    resources = deployment.get("resources") if isinstance(deployment, dict) else None
    if not isinstance(deployment, dict) or not isinstance(resources, list):
        raise RenderError(f"{where}: not a Pulumi state (no deployment.resources)")
    index, root = next(
        ((i, r) for i, r in enumerate(resources) if isinstance(r, dict) and r.get("type") == STACK_TYPE), (-1, None)
    )
    if root is None:
        raise RenderError(f"{where}: the state has no stack resource ({STACK_TYPE}), so no outputs")
    outputs = root.get("outputs") or {}
    if not isinstance(outputs, dict):
        raise RenderError(f"{where}: the stack's outputs are not a mapping")
    provider = deployment.get("secrets_providers")
    state = provider.get("state") if isinstance(provider, dict) else None
    salt = state.get("salt") if isinstance(state, dict) else None
    if salt is not None and not isinstance(salt, str):
        raise RenderError(f"{where}: secrets_providers.state.salt is not text")
    crypter: PassphraseCrypter | None = None
    if salt is not None:
        try:
            crypter = PassphraseCrypter.from_state(configured_passphrase(), salt)
        except PassphraseError as error:
            raise RenderError(f"{where}: {error}") from None
    opened: dict[str, Any] = {}
    secret_names: list[str] = []
    for name, value in outputs.items():
        if crypter is None:
            opened[name] = value
            continue
        opened[name], secret = _unsealed(value, crypter, f"{where}: outputs.{name}")
        if secret:
            secret_names.append(name)
    if reading is not None:
        problems = peer_state_problems(
            {"urn": root.get("urn"), "outputs": opened}, reading, ("deployment", "resources", index)
        )
        if problems:
            raise SpecError(file if file is not None else where, problems)
    return ReferencedStack(opened, tuple(secret_names))


def _references(
    stack: StackConfig, prepared: PreparedStack, given: Mapping[str, Path], project_dir: Path
) -> dict[str, ReferencedStack]:
    """The referenced stacks' outputs: exactly the stacks the program reads, each from its state file.

    A stack-less render of a site (``--spec FILE --site ID``) renders its peer sites first, the same
    way, and reads their outputs from those renders.
    """
    needed = prepared.references
    if stack.stack_file is None and prepared.site is not None and not given:
        rendered: dict[str, ReferencedStack] = {}
        for site, name in prepared.peer_stacks:
            peer = spec_stack_config(project_dir, prepared.spec_file, None, site, name.removesuffix(f"-{site}"))
            peer.stack = name
            peer.config.update({key: value for key, value in stack.config.items() if key.endswith(":placement")})
            document = render(peer, project_dir)
            where = f"the render of site {site} (stack {name})"
            rendered[name] = referenced_outputs(document, where, _reading(stack, prepared, site, name))
        return rendered
    missing = [name for name in needed if name not in given]
    if missing:
        raise RenderError(
            "; ".join(
                f"this stack reads the outputs of stack {name} by StackReference: give them with "
                f"--reference {name}=STATE_FILE (that stack's render or `pulumi stack export`)"
                for name in missing
            )
        )
    unused = [name for name in given if name not in needed]
    if unused:
        reads = ", ".join(needed) if needed else "no other stack"
        raise RenderError(f"--reference {unused[0]}: this stack reads {reads}")
    return {
        name: read_reference(name, given[name], _reading(stack, prepared, site, name))
        for site, name in prepared.peer_stacks
    }


def _reading(stack: StackConfig, prepared: PreparedStack, peer: str, name: str) -> Reading:
    """What a site stack expects of peer ``peer``'s state, given as stack ``name``: from its own spec."""
    assert prepared.site is not None  # only a site stack reads peers
    return Reading(prepared.city, prepared.site.id, peer, stack.project, name)


def render(
    stack: StackConfig,
    project_dir: Path | None = None,
    progress: Callable[[str, int], None] | None = None,
    references: Mapping[str, Path] | None = None,
) -> dict[str, Any]:
    """Prepare the stack, run kiban's program on it under mocks and return the state document.

    The program runs from the prepared stack (``kiban_platform.program.run``), not by executing the
    project's ``__main__.py``: that file is three lines calling the same ``prepare`` and ``run``, and
    preparing here first gives located errors and loads the spec and the plan file only once.
    ``progress``: called with the step and the resources registered so far, for a progress display.
    ``references``: the state file of each stack the program reads by StackReference (a site stack
    of a hybrid city reads its peers'); one missing or not read is a RenderError.
    """
    project_dir = project_dir or PROJECT_DIR
    report = progress or (lambda step, resources: None)
    report("checking the stack", 0)
    prepared = prepare_stack(project_dir, stack)
    if stack.stack_file is None:
        # A site stack built on the fly sets its provider as the site's stack file would (aws:region).
        stack.config = {**dict(prepared.provider_config), **stack.config}
    referenced = _references(stack, prepared, references or {}, project_dir)
    monitor = run_program(
        lambda: run(prepared),
        stack.project,
        stack.stack,
        stack.config,
        stack.secret_keys,
        mocks=KibanMocks(referenced),
        on_register=lambda resources: report("running the program", resources),
        project_root=project_dir,
    )
    assert isinstance(monitor, RecordingMonitor)
    report("sealing the state", len(monitor.registrations))
    return state_document(monitor, stack)


__all__ = [
    "PROJECT_DIR",
    "STACK_TYPE",
    "RenderError",
    "StackConfig",
    "Summary",
    "check_stack",
    "dumps_state",
    "find_project",
    "known_stacks",
    "load_stack_config",
    "prepare_stack",
    "render",
    "spec_stack_config",
    "summarize",
    "summary_lines",
]
