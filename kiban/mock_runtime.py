"""Run the real Pulumi program under the SDK's mock runtime and record what a real engine would store.

The stock ``MockMonitor`` forgets parents and dependencies and forms URNs with a
``pulumi:pulumi:Stack$`` prefix the engine does not use; ``RecordingMonitor``
keeps the full RegisterResource request and forms URNs as the engine does.
Nothing here is random: ids are derived from URNs, so two runs record the same.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import json
import runpy
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format  # type: ignore[import-untyped]  # protobuf ships no stubs here
from pulumi.runtime import config as pulumi_config
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks, set_mocks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
# A fixed namespace: ids are uuid5(namespace, URN), the same on every machine and every run.
ID_NAMESPACE = uuid.UUID("6b1d0c55-3f0e-4c61-9b8a-6b6962616e00")


def mock_id(urn: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, urn))


def qualified_type(urn: str) -> str:
    """The type chain of a URN: "kiban:platform:SharedPlatform$kiban:network:SecurityArea"."""
    return urn.split("::")[2]


def resource_name(urn: str) -> str:
    return urn.split("::", 3)[3]


def make_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The URN the engine forms: the parent's whole type chain, except that the root stack adds nothing."""
    if parent and qualified_type(parent) != STACK_TYPE:
        type_ = f"{qualified_type(parent)}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


@dataclass
class Registration:
    """One RegisterResource request and the state the mock gave it."""

    urn: str
    type: str
    custom: bool
    parent: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    provider: str  # "<provider URN>::<id>", or "" for the default provider of the type's package
    version: str
    inputs: dict[str, Any]
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    # The resource options the engine keeps in the state, in its JSON field names; only those set.
    options: dict[str, Any] = field(default_factory=dict)
    source_position: str = ""  # "project:///<file>#<line>,<column>", as the engine stores it
    external: bool = False  # read, not managed (a StackReference): the engine keeps it in the state as external


class DuplicateUrnError(Exception):
    """Two resources of a program have the same URN: a real ``pulumi up`` would fail the same way."""


def _canonical(value: Any) -> str:
    """A value as key text; nested maps sorted, since their order after the RPC varies between processes."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return str(value)


STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


class MissingReferenceError(Exception):
    """The program read a stack by StackReference that the run was not given."""


@dataclass(frozen=True)
class ReferencedStack:
    """Another stack's outputs, as a StackReference reads them: plain values and the names that are secret."""

    outputs: Mapping[str, Any]
    secret_names: tuple[str, ...] = ()


class KibanMocks(Mocks):
    """Answer invokes (look-ups of existing roles and groups) with ids derived from what was asked.

    ``references``: the outputs of each stack the program reads by StackReference (stack name ->
    outputs), e.g. from that stack's render; a stack not given raises MissingReferenceError.
    """

    def __init__(self, references: Mapping[str, ReferencedStack] | None = None) -> None:
        self.references = dict(references or {})
        # What each look-up was asked, by the id it answered: a resource given that id as an input can
        # then be traced to what it names (a VPN's Direct Connect attachment to its gateway).
        self.looked_up: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        key = f"{args.token}:{sorted((k, _canonical(v)) for k, v in args.args.items())}"
        answer = {**args.args, "id": mock_id(key)}
        with self._lock:
            self.looked_up[answer["id"]] = dict(args.args)
        return answer, []

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        # Only ``get``/read requests reach here (RecordingMonitor handles registrations itself).
        if args.typ == STACK_REFERENCE_TYPE:
            name = str(args.inputs.get("name") or args.resource_id)
            referenced = self.references.get(name)
            if referenced is None:
                raise MissingReferenceError(name)
            outputs = {"name": name, "outputs": dict(referenced.outputs)}
            return name, outputs | {"secretOutputNames": list(referenced.secret_names)}
        return args.resource_id or mock_id(f"{args.typ}::{args.name}"), dict(args.inputs)


# Where a public VPN's outside addresses come from in a render: TEST-NET-2, addresses for documentation.
PUBLIC_OUTSIDE_BLOCK = ipaddress.IPv4Network("198.51.100.0/24")


def _vpn_connection_outputs(urn: str, outside: ipaddress.IPv4Network | None = None) -> dict[str, Any]:
    """What AWS assigns a VPN connection and a peer stack reads back: per tunnel an outside address and a
    pre-shared key, and the Transit Gateway attachment; all from the URN.

    ``outside``: the block the outside addresses come from. A private-IP VPN's come from its Transit
    Gateway's CIDR block that the Direct Connect gateway advertises (``dx.outside_cidr``), as AWS takes
    them; a public VPN's from ``PUBLIC_OUTSIDE_BLOCK``. Never the block's network or broadcast address.
    """
    digest = hashlib.sha256(urn.encode("utf-8")).digest()
    block = outside or PUBLIC_OUTSIDE_BLOCK
    hosts = block.num_addresses - 2
    outputs: dict[str, Any] = {"transitGatewayAttachmentId": "tgw-attach-" + digest[:9].hex()[:17]}
    start = int.from_bytes(digest[:4], "big")
    for number in (1, 2):
        # Consecutive offsets: the two tunnels of a connection never share an address.
        outputs[f"tunnel{number}Address"] = str(block.network_address + 1 + (start + number) % hosts)
        outputs[f"tunnel{number}PresharedKey"] = "mock_" + hashlib.sha256(digest + bytes([number])).hexdigest()[:27]
    return outputs


def _gateway_association_outputs(urn: str) -> dict[str, Any]:
    """The Transit Gateway's attachment to the Direct Connect gateway, made with the association."""
    return {"transitGatewayAttachmentId": "tgw-attach-" + hashlib.sha256(urn.encode("utf-8")).hexdigest()[:17]}


VPN_CONNECTION_TYPE = "aws:ec2/vpnConnection:VpnConnection"
TRANSIT_GATEWAY_TYPE = "aws:ec2transitgateway/transitGateway:TransitGateway"
DX_ASSOCIATION_TYPE = "aws:directconnect/gatewayAssociation:GatewayAssociation"
# Outputs a provider computes that kiban's program reads back, by resource type (inputs are echoed anyway);
# a VPN connection's depend on what it rides (RecordingMonitor._vpn_outside_block).
COMPUTED_OUTPUTS: dict[str, Callable[[str], dict[str, Any]]] = {
    VPN_CONNECTION_TYPE: _vpn_connection_outputs,
    DX_ASSOCIATION_TYPE: _gateway_association_outputs,
}


def _secret_outputs(outputs: dict[str, Any], names: Sequence[str]) -> None:
    for name in names:
        if name in outputs and not rpc.is_rpc_secret(outputs[name]):
            outputs[name] = rpc.wrap_rpc_secret(outputs[name])


def _as_json(struct: Any) -> dict[str, Any]:
    value: dict[str, Any] = json_format.MessageToDict(struct)
    return value


def _options(request: Any) -> dict[str, Any]:
    """The options of a registration the engine writes into the state (ResourceV3), omitting empty ones."""
    options: dict[str, Any] = {
        "protect": bool(request.protect),
        "ignoreChanges": sorted(request.ignoreChanges),
        "replaceOnChanges": sorted(request.replaceOnChanges),
        "additionalSecretOutputs": sorted(request.additionalSecretOutputs),
        "retainOnDelete": bool(request.retainOnDelete),
        "deletedWith": request.deletedWith,
    }
    if request.HasField("customTimeouts"):
        timeouts = {
            key: value
            for key, value in (
                ("create", request.customTimeouts.create),
                ("update", request.customTimeouts.update),
                ("delete", request.customTimeouts.delete),
            )
            if value
        }
        options["customTimeouts"] = timeouts
    return {key: value for key, value in options.items() if value}


def source_position(request: Any, project_root: Path | None) -> str:
    """The request's source position as the engine stores it: relative to the project, ``project:///f.py#12,5``.

    Relative, so a render does not depend on where the project is checked out.
    """
    if project_root is None or not request.HasField("sourcePosition"):
        return ""
    position = request.sourcePosition
    parsed = urllib.parse.urlparse(position.uri)
    if parsed.scheme != "file":
        return ""
    try:
        relative = Path(urllib.parse.unquote(parsed.path)).resolve().relative_to(project_root)
    except ValueError:
        return ""  # outside the project: the engine would write a ../ path, which depends on the machine
    if "site-packages" in relative.parts:
        return ""  # the SDK itself (the stack resource), in a virtualenv that may or may not sit in the project
    column = f",{position.column}" if position.column else ""
    return f"project:///{relative.as_posix()}#{position.line}{column}"


class RecordingMonitor(MockMonitor):
    """A mock monitor that records every request; the SDK calls it from several threads at once."""

    def __init__(self, mocks: Mocks, stack: str, project: str) -> None:
        super().__init__(mocks)
        self.stack = stack
        self.project = project
        self.project_root: Path | None = None  # set by run_program: source positions are relative to it
        self.registrations: dict[str, Registration] = {}
        # Called with the number of resources registered so far, after each one (a progress display).
        self.on_register: Callable[[int], None] | None = None
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return make_urn(self.stack, self.project, parent, type_, name)

    def _registered(self, type_: str, **inputs: Any) -> list[Registration]:
        with self._lock:
            found = [r for r in self.registrations.values() if r.type == type_]
        return [r for r in found if all(r.inputs.get(key) == value for key, value in inputs.items())]

    def _vpn_outside_block(self, inputs: Mapping[str, Any]) -> ipaddress.IPv4Network | None:
        """The block AWS takes a private-IP VPN's outside addresses from; None for a public VPN.

        The Transit Gateway CIDR block that the Direct Connect gateway the VPN rides advertises: the VPN
        names its transport attachment (looked up by the Direct Connect gateway's id), and that
        gateway's association with the Transit Gateway allows exactly the block (``dx.outside_cidr``).
        """
        if inputs.get("outsideIpAddressType") != "PrivateIpv4":
            return None
        gateways = self._registered(TRANSIT_GATEWAY_TYPE)
        blocks = next(
            (g.inputs.get("transitGatewayCidrBlocks") for g in gateways if g.id == inputs.get("transitGatewayId")), None
        )
        looked_up = getattr(self.mocks, "looked_up", {}).get(inputs.get("transportTransitGatewayAttachmentId"), {})
        associations = self._registered(DX_ASSOCIATION_TYPE, dxGatewayId=looked_up.get("dxGatewayId"))
        advertised = {prefix for a in associations for prefix in a.inputs.get("allowedPrefixes") or []}
        # A Transit Gateway of one block needs no tracing: its VPNs can take their addresses nowhere else.
        chosen = [block for block in blocks or [] if block in advertised] or list(blocks or [])[:1]
        return ipaddress.IPv4Network(chosen[0]) if chosen else None

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        """A read (a StackReference): answered by the mocks, and kept in the state as the engine keeps it.

        The engine stores a read resource as ``external``, with its inputs and what it read; the
        resources that depend on it name its URN, so a state without it would not import.
        """
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        read = self.resources[response.urn]
        inputs = {key: value for key, value in _as_json(request.properties).items() if value is not None}
        outputs = dict(read.state)
        secret_names = outputs.get("secretOutputNames") or []
        if isinstance(outputs.get("outputs"), dict):
            outputs["outputs"] = {
                name: rpc.wrap_rpc_secret(value) if name in secret_names else value
                for name, value in outputs["outputs"].items()
            }
        registration = Registration(
            urn=response.urn,
            type=request.type,
            custom=True,
            parent=request.parent,
            dependencies=sorted(set(request.dependencies)),
            property_dependencies={},
            provider=request.provider,
            version=request.version,
            inputs=inputs,
            id=str(read.id),
            outputs=outputs,
            external=True,
        )
        with self._lock:
            if response.urn in self.registrations:
                raise DuplicateUrnError(f"duplicate resource URN {response.urn}")
            self.registrations[response.urn] = registration
        return response

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        urn = self.make_urn(request.parent, request.type, request.name)
        # As JSON, the way the engine stores properties: nulls kept, secrets still wrapped ({sig: secret, value})
        # so the state can seal exactly those values.
        inputs = _as_json(request.object)
        registration = Registration(
            urn=urn,
            type=request.type,
            custom=bool(request.custom),
            parent=request.parent,
            dependencies=sorted(set(request.dependencies)),
            # Every input key, with no dependencies too: the SDK sends them all, and the engine keeps them all.
            property_dependencies={key: sorted(set(value.urns)) for key, value in request.propertyDependencies.items()},
            provider=request.provider,
            version=request.version,
            inputs=inputs,
            options=_options(request),
            source_position=source_position(request, self.project_root),
        )
        if request.type.startswith(PROVIDER_TYPE_PREFIX) and request.version:
            registration.inputs = {**inputs, "version": request.version}
        response_outputs: dict[str, Any] = {}
        if registration.custom:
            registration.id = mock_id(urn)
            # The mock computes only what kiban's program reads back (ids); other outputs echo the inputs.
            registration.outputs = dict(registration.inputs)
            if not request.type.startswith(PROVIDER_TYPE_PREFIX):
                registration.outputs["id"] = registration.id
            if request.type == VPN_CONNECTION_TYPE:
                registration.outputs.update(_vpn_connection_outputs(urn, self._vpn_outside_block(inputs)))
            elif request.type in COMPUTED_OUTPUTS:
                registration.outputs.update(COMPUTED_OUTPUTS[request.type](urn))
            _secret_outputs(registration.outputs, list(request.additionalSecretOutputs))
            response_outputs = registration.outputs
        with self._lock:
            # The engine refuses a second resource with the same URN; so does the render.
            if urn in self.registrations:
                raise DuplicateUrnError(f"duplicate resource URN {urn}")
            self.registrations[urn] = registration
            if self.on_register is not None:
                # Under the lock, so the counts arrive in order whichever thread registers.
                self.on_register(len(self.registrations))
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        obj_proto = _sync_await(rpc.serialize_properties(response_outputs, {}))
        return resource_pb2.RegisterResourceResponse(urn=urn, id=registration.id, object=obj_proto)

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        outputs = _as_json(request.outputs)
        with self._lock:
            registration = self.registrations.get(request.urn)
            if registration is not None:
                registration.outputs = outputs
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


class _NotYetTheStack:
    """The root resource while ``set_mocks`` runs: any root makes it skip making and finishing a stack of its own."""


def run_program(
    program: Path | Callable[[], None],
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Sequence[str],
    mocks: Mocks | None = None,
    monitor_factory: Callable[[Mocks, str, str], MockMonitor] | None = None,
    on_register: Callable[[int], None] | None = None,
    project_root: Path | None = None,
) -> MockMonitor:
    """Run ``program`` (a Pulumi ``__main__.py``, or a function) as the engine would, under mocks; return the monitor.

    Source positions are recorded relative to ``project_root``: by default the folder of a
    ``__main__.py``; a function has none unless given.

    The stack resource is made by ``run_in_stack`` like the real language host does, so the
    program's exports are registered as the stack's outputs. Global runtime state (the root
    resource and the config) is reset before and after, so runs in one process do not mix.
    ``on_register``: called with the count of resources so far as a ``RecordingMonitor`` records each.
    """
    mocks = mocks or KibanMocks()
    monitor = (monitor_factory or RecordingMonitor)(mocks, stack, project)
    if isinstance(monitor, RecordingMonitor):
        monitor.project_root = project_root.resolve() if project_root else None
        if monitor.project_root is None and isinstance(program, Path):
            monitor.project_root = program.resolve().parent
        monitor.on_register = on_register
    pulumi_config.set_all_config(dict(config), list(secret_keys))
    settings.ROOT.set(_NotYetTheStack())  # type: ignore[arg-type]
    try:
        set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
        settings.ROOT.set(None)
        settings.SETTINGS.outputs.clear()
        _sync_await(run_in_stack(lambda: _run_and_drain(program)))
    finally:
        settings.ROOT.set(None)
        pulumi_config.set_all_config({}, [])
    return monitor


async def _run_and_drain(program: Path | Callable[[], None]) -> None:
    """Run the program, then wait for its outputs with one callback each.

    The SDK's own final wait (``wait_for_rpcs``) calls ``asyncio.wait`` on every pending output
    again each time one finishes: quadratic in a program of thousands of resources. Waiting
    here first leaves it nothing to do. Failed outputs stay tracked, so the SDK still raises them.
    """
    if isinstance(program, Path):
        runpy.run_path(str(program), run_name="__main__")
    else:
        program()
    while True:
        with settings.SETTINGS.lock:
            pending = [task for task in settings.SETTINGS.outputs if not task.done()]
        if not pending:
            return
        await asyncio.gather(*pending, return_exceptions=True)
