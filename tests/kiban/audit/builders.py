"""Hand-written stack exports in the real `pulumi stack export` format, and a cache of rendered small cities.

Real exports differ from kiban's renders in ways the auditor must survive, so the
builder writes them the way the engine does: provider references "<URN>::<id>",
``__defaults`` in inputs, outputs that the provider computed (and that differ from
inputs), timestamps, a manifest with a real time, secrets as ciphertext (or
plaintext after --show-secrets), pending operations.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SIG = "4dabf18193072939515e22adb298388d"
SECRET = "1b47061264138c4ac30d75fd1eb44270"
STACK_TYPE = "pulumi:pulumi:Stack"
AREA = "kiban:network:SecurityArea"
TENANT = "kiban:tenancy:BusinessTenant"
TIER = "kiban:middleware:MiddlewareTier"
SEC_GROUP = "openstack:networking/secGroup:SecGroup"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
INSTANCE = "openstack:compute/instance:Instance"
SERVER_GROUP = "openstack:compute/serverGroup:ServerGroup"
NETWORK = "openstack:networking/network:Network"
PROJECT = "openstack:identity/project:Project"


def ciphertext(text: str) -> dict[str, str]:
    return {SIG: SECRET, "ciphertext": f"v1:{uuid.uuid5(uuid.NAMESPACE_OID, text)}"}


def plaintext(value: Any) -> dict[str, str]:
    return {SIG: SECRET, "plaintext": json.dumps(value)}


class Export:
    """Builds one stack export resource by resource; URNs are formed from the parent chain as the engine does."""

    def __init__(
        self, stack: str = "city-prod", project: str = "kiban", time: str = "2026-05-01T09:00:00.000Z"
    ) -> None:
        self.stack, self.project, self.time = stack, project, time
        self.resources: list[dict[str, Any]] = []
        self.by_urn: dict[str, dict[str, Any]] = {}
        self.root = self.add(STACK_TYPE, f"{project}-{stack}", custom=False)
        self.default_provider = self.provider("default_5_5_3", {"region": "RegionOne", "version": "5.5.3"})

    def urn(self, type_: str, name: str, parent: str | None) -> str:
        chain = type_
        if parent and parent != getattr(self, "root", None):
            parent_chain = parent.split("::")[2]
            chain = f"{parent_chain}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{chain}::{name}"

    def add(
        self,
        type_: str,
        name: str,
        inputs: Mapping[str, Any] | None = None,
        outputs: Mapping[str, Any] | None = None,
        parent: str | None = None,
        provider: str | None = None,
        custom: bool = True,
        depends: Mapping[str, list[str]] | None = None,
        id: str | None = None,
    ) -> str:
        parent = parent if parent is not None else (getattr(self, "root", None))
        urn = self.urn(type_, name, parent)
        resource: dict[str, Any] = {"urn": urn, "custom": custom, "type": type_}
        if custom:
            resource["id"] = id or str(uuid.uuid5(uuid.NAMESPACE_URL, urn))
            resource["inputs"] = {"__defaults": [], **(inputs or {})}
            # The provider echoes inputs and adds what it computed (ids, regions, timestamps).
            resource["outputs"] = {**(inputs or {}), "id": resource["id"], "region": "RegionOne", **(outputs or {})}
            resource["created"] = resource["modified"] = "2026-04-01T00:00:00.000Z"
            if not type_.startswith("pulumi:providers:"):
                resource["provider"] = provider or self.default_provider
        elif outputs:
            resource["outputs"] = dict(outputs)
        if parent:
            resource["parent"] = parent
        if depends:
            resource["propertyDependencies"] = {key: list(value) for key, value in depends.items()}
            resource["dependencies"] = sorted({urn for urns in depends.values() for urn in urns})
        resource["protect"] = False
        self.resources.append(resource)
        self.by_urn[urn] = resource
        return urn

    def provider(
        self, name: str, inputs: Mapping[str, Any], parent: str | None = None, package: str = "openstack"
    ) -> str:
        urn = self.add(f"pulumi:providers:{package}", name, inputs, parent=parent)
        return f"{urn}::{self.by_urn[urn]['id']}"

    def id_of(self, urn: str) -> str:
        return str(self.by_urn[urn]["id"])

    def document(self, pending: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        deployment: dict[str, Any] = {
            "manifest": {"time": self.time, "magic": "0" * 64, "version": "v3.272.0"},
            "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:abc"}},
            "resources": copy.deepcopy(self.resources),
        }
        if pending:
            deployment["pending_operations"] = pending
        return {"version": 3, "deployment": deployment}

    def write(self, path: Path, pending: list[dict[str, Any]] | None = None) -> Path:
        path.write_text(json.dumps(self.document(pending), indent=4, ensure_ascii=False), encoding="utf-8")
        return path


AREAS = (
    ("secure", "high", "10.10.0.0/16", [100, 101]),
    ("office", "middle", "10.20.0.0/16", [200, 201]),
    ("portal", "internet", "10.30.0.0/16", [300]),
)
HUB_FLOW = {
    "from": {"area": "office", "cidr": "10.20.0.128/25", "group": "integration_hub@office", "kind": "middleware"},
    "to": {"area": "secure", "cidr": "10.10.0.128/25", "group": "integration_hub@secure", "kind": "middleware"},
    "port": "443/tcp",
    "kind": "declared-flow",
    "flow": "to-secure",
    "crosses_areas": True,
}


def kiban_city(export: Export, flows: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """The kiban skeleton: the stack's inventory, the platform and three areas; area id -> URN."""
    inventory = {
        "version": 1,
        "areas": [
            {"id": area, "level": level, "cidr": cidr, "vlans": vlans, "segments": []}
            for area, level, cidr, vlans in AREAS
        ],
        "flows": flows if flows is not None else [HUB_FLOW],
        "hosts": [],
    }
    export.by_urn[export.root]["outputs"] = {"inventory": inventory}
    platform = export.add("kiban:platform:SharedPlatform", "platform", custom=False)
    return {
        area: export.add(
            AREA, area, parent=platform, custom=False, outputs={"area": area, "level": level, "cidr": cidr}
        )
        for area, level, cidr, _ in AREAS
    }


def security_group(export: Export, parent: str, name: str, rules: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """A security group with its rules (each a dict of SecGroupRule inputs, named by 'name')."""
    group = export.add(SEC_GROUP, name, {"name": name, "deleteDefaultRules": True}, parent=parent)
    made = []
    for rule in rules:
        inputs = {
            "ethertype": "IPv4",
            "securityGroupId": export.id_of(group),
            **{k: v for k, v in rule.items() if k != "name"},
        }
        made.append(export.add(RULE, rule["name"], inputs, parent=group, depends={"securityGroupId": [group]}))
    return group, made


def ingress(name: str, prefix: str, port: int, protocol: str = "tcp") -> dict[str, Any]:
    return {
        "name": name,
        "direction": "ingress",
        "protocol": protocol,
        "portRangeMin": port,
        "portRangeMax": port,
        "remoteIpPrefix": prefix,
    }


def replicas(
    export: Export,
    parent: str,
    group: str,
    zones: list[str],
    policy: str | None = "anti-affinity",
    provider: str | None = None,
    prefix: str | None = None,
) -> list[str]:
    """Instances of one replica group, in a server group with ``policy`` (None: no server group).

    ``prefix`` names the server group and the instances (default: the group id), so one group's
    replicas can be made in two calls, in two server groups.
    """
    prefix = prefix or group.replace("/", "-")
    server_group = None
    if policy is not None:
        server_group = export.add(
            SERVER_GROUP, prefix, {"name": prefix, "policies": policy}, parent=parent, provider=provider
        )
    members = []
    for index, zone in enumerate(zones, start=1):
        inputs: dict[str, Any] = {
            "name": f"{prefix}-{index}",
            "availabilityZone": zone,
            "metadata": {"kiban-group": group},
        }
        depends = {}
        if server_group is not None:
            inputs["schedulerHints"] = [{"group": export.id_of(server_group)}]
            depends = {"schedulerHints": [server_group]}
        members.append(
            export.add(
                INSTANCE,
                inputs["name"],
                inputs,
                outputs={"accessIpV4": f"10.0.0.{index}"},
                parent=parent,
                provider=provider,
                depends=depends,
            )
        )
    return members


# -- rendered cities ----------------------------------------------------------------------------------

_RENDERS: dict[tuple[str, str], dict[str, Any]] = {}
_FOLDER: list[Path] = []


def rendered(spec_text: str, target: str = "openstack") -> dict[str, Any]:
    """The state `kiban render --spec` writes for ``spec_text``, rendered once per session (about 1 s each).

    Every variant is written as "city.yaml" so all render as stack "city-<target>": the same stack
    name seals the same secret to the same fingerprint, as one real stack would keep it. Placement
    planning is off (``kiban:placement.enabled: false``: replica i on chassis i mod n), so an edit's
    diff shows that edit alone; with the planner on, a one-line change may re-place VMs everywhere,
    which a diff reports faithfully but which would make every expected finding the planner's.
    """
    if (spec_text, target) not in _RENDERS:
        import hashlib
        import tempfile

        from kiban.render import PROJECT_DIR, render, spec_stack_config

        if not _FOLDER:
            _FOLDER.append(Path(tempfile.mkdtemp(prefix="kiban-audit-renders-")))
        folder = _FOLDER[0] / hashlib.sha256(f"{target}\0{spec_text}".encode()).hexdigest()[:16]
        folder.mkdir(exist_ok=True)
        spec = folder / "city.yaml"
        spec.write_text(spec_text, encoding="utf-8")
        stack = spec_stack_config(PROJECT_DIR, spec, target)
        stack.config[f"{stack.project}:placement"] = json.dumps({"enabled": False})
        _RENDERS[(spec_text, target)] = render(stack)
    return copy.deepcopy(_RENDERS[(spec_text, target)])


def find(document: dict[str, Any], type_: str, name: str) -> dict[str, Any]:
    for resource in document["deployment"]["resources"]:
        if resource["type"] == type_ and resource["urn"].endswith(f"::{name}"):
            return resource  # type: ignore[no-any-return]
    raise KeyError(f"{type_} {name}")


def zone_finding(document: dict[str, Any], group: str) -> list[tuple[str, str, str]]:
    """The redundancy finding the diff owes when a render put replicas of ``group`` into shared zones.

    Without anti-affinity the placement planner may put replicas on one chassis (it packs to save
    blades) or keep them apart; the expected findings follow what this render actually did.
    """
    zones = [
        resource["inputs"].get("availabilityZone")
        for resource in document["deployment"]["resources"]
        if resource["type"] == INSTANCE and resource["inputs"].get("metadata", {}).get("kiban-group") == group
    ]
    distinct = sorted(set(zones))
    if len(distinct) == len(zones):
        return []
    severity = "high" if len(distinct) == 1 else "medium"
    message = f"{group}: zones no longer distinct: {len(zones)} replicas in {len(distinct)} ({', '.join(distinct)})"
    return [(severity, "KB-DIFF-REDUNDANCY", message)]
