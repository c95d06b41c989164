"""OpenStack (pulumi-openstack 5.x): security group rules, server groups, instances, networks, floating IPs.

Encryption at rest is not a property of an OpenStack volume resource (it comes
with the volume type, configured by the cloud's operator), so this interpreter
reports no disk facts and the encryption rule does not apply to OpenStack.
"""

from __future__ import annotations

from kiban.audit.facts import Direction, Facts, GroupRemote, Member, Permit, Remote, Spread, Vlan, parse_network
from kiban.audit.interpreters._common import (
    ANYWHERE_V4,
    ANYWHERE_V6,
    blocks,
    flag,
    mapping,
    number,
    port_span,
    protocol_name,
    strings,
    text,
)
from kiban.audit.interpreters.base import Handler, Interpreter, register
from kiban.audit.resource import Resource, Stack

SEC_GROUP = "openstack:networking/secGroup:SecGroup"
SEC_GROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule"
INSTANCE = "openstack:compute/instance:Instance"
SERVER_GROUP = "openstack:compute/serverGroup:ServerGroup"
NETWORK = "openstack:networking/network:Network"
SUBNET = "openstack:networking/subnet:Subnet"
PORT = "openstack:networking/port:Port"
ROUTER = "openstack:networking/router:Router"
SPREADS = {
    "anti-affinity": Spread.HARD,
    "soft-anti-affinity": Spread.SOFT,
    "affinity": Spread.NONE,
    "soft-affinity": Spread.NONE,
}
# kiban's own tag of an instance's host group; other programs may tag "group:<id>".
GROUP_METADATA = "kiban-group"


def _scope(resource: Resource, view: Stack) -> tuple[str, str] | None:
    """The project a resource is placed in by its own inputs (tenantId / projectId)."""
    for key in ("tenantId", "projectId"):
        raw = text(resource.inputs, key)
        if raw is not None:
            target = view.ref(resource, key, raw)
            if target is not None:
                return (key, target)
    return None


def _any_resource(resource: Resource, view: Stack) -> Facts:
    return Facts(scope=_scope(resource, view))


def _group_tag(resource: Resource) -> str | None:
    tags = [tag for tag in strings(resource.inputs, "tags") if tag.startswith("group:")]
    return tags[0][len("group:") :] if tags else None


def _sec_group(resource: Resource, view: Stack) -> Facts:
    serves = _group_tag(resource)
    if flag(resource.inputs, "deleteDefaultRules") is True:
        return Facts(scope=_scope(resource, view), serves=serves)
    # Neutron gives every new group "allow all egress" rules unless they are deleted.
    permits = tuple(
        Permit(Direction.EGRESS, "any", 0, 65535, anywhere, resource.urn) for anywhere in (ANYWHERE_V4, ANYWHERE_V6)
    )
    return Facts(permits=permits, scope=_scope(resource, view), serves=serves)


def _rule_group(resource: Resource, view: Stack) -> str | None:
    parent = view.resources.get(resource.parent) if resource.parent else None
    if parent is not None and parent.type == SEC_GROUP:
        return parent.urn
    return view.ref(resource, "securityGroupId", text(resource.inputs, "securityGroupId"))


def _sec_group_rule(resource: Resource, view: Stack) -> Facts:
    inputs = resource.inputs
    direction = Direction.EGRESS if text(inputs, "direction") == "egress" else Direction.INGRESS
    protocol = protocol_name(inputs.get("protocol"))
    first, last = port_span(protocol, number(inputs, "portRangeMin"), number(inputs, "portRangeMax"))
    remote_group = text(inputs, "remoteGroupId")
    prefix = text(inputs, "remoteIpPrefix")
    scope = _rule_group(resource, view)
    if remote_group is not None:
        target = view.ref(resource, "remoteGroupId", remote_group) or remote_group
        remote: Remote = GroupRemote(target)
    elif prefix is not None:
        network = parse_network(prefix)
        if network is None:
            # Read as the widest remote (docs/AUDIT.md): a broken state shows as findings, not as none.
            return Facts(
                permits=(Permit(direction, protocol, first, last, ANYWHERE_V4, scope),),
                scope=_scope(resource, view),
                notes=(f"remoteIpPrefix {prefix!r} is not an address range: read as anywhere",),
            )
        remote = network
    else:
        # No remote at all: Neutron matches every address of the rule's ethertype.
        remote = ANYWHERE_V6 if text(inputs, "ethertype") == "IPv6" else ANYWHERE_V4
    permit = Permit(direction, protocol, first, last, remote, scope)
    return Facts(permits=(permit,), scope=_scope(resource, view))


def _instance(resource: Resource, view: Stack) -> Facts:
    inputs = resource.inputs
    metadata = mapping(inputs, "metadata")
    group = metadata.get(GROUP_METADATA) if isinstance(metadata.get(GROUP_METADATA), str) else None
    if group is None:
        group = _group_tag(resource)
    hints = blocks(inputs, "schedulerHints")
    # An unknown group id (a preview) still resolves through the instance's dependency on the server group.
    spread_ref = view.ref(resource, "schedulerHints", text(hints[0], "group")) if hints else None
    member = Member(group, text(inputs, "availabilityZone"), spread_ref, text(inputs, "name"))
    return Facts(member=member, scope=_scope(resource, view))


def _server_group(resource: Resource, view: Stack) -> Facts:
    policies = strings(resource.inputs, "policies")
    if not policies:
        return Facts(spread=(Spread.NONE, "no policy"))
    strength = max(SPREADS.get(policy, Spread.NONE) for policy in policies)
    return Facts(spread=(strength, ", ".join(policies)), scope=_scope(resource, view))


def _network(resource: Resource, view: Stack) -> Facts:
    inputs = resource.inputs
    vlans = []
    for segment in blocks(inputs, "segments"):
        vlan = number(segment, "segmentationId")
        if vlan is not None and text(segment, "networkType") in (None, "vlan"):
            vlans.append(Vlan(text(segment, "physicalNetwork"), vlan))
    exposures = ("external network",) if flag(inputs, "external") is True else ()
    filtering = ("port security disabled on the network",) if flag(inputs, "portSecurityEnabled") is False else ()
    return Facts(vlans=tuple(vlans), exposures=exposures, filtering_off=filtering, scope=_scope(resource, view))


def _subnet(resource: Resource, view: Stack) -> Facts:
    network = parse_network(text(resource.inputs, "cidr"))
    return Facts(subnets=(network,) if network is not None else (), scope=_scope(resource, view))


def _port(resource: Resource, view: Stack) -> Facts:
    inputs = resource.inputs
    filtering: list[str] = []
    if flag(inputs, "portSecurityEnabled") is False:
        filtering.append("port security disabled on the port")
    if flag(inputs, "noSecurityGroups") is True:
        filtering.append("port without security groups")
    return Facts(filtering_off=tuple(filtering), scope=_scope(resource, view))


def _router(resource: Resource, view: Stack) -> Facts:
    external = text(resource.inputs, "externalNetworkId")
    return Facts(exposures=("router with an external gateway",) if external else (), scope=_scope(resource, view))


def _exposure(label: str) -> tuple[Handler, frozenset[str]]:
    def handler(resource: Resource, view: Stack) -> Facts:
        return Facts(exposures=(label,), scope=_scope(resource, view))

    return handler, frozenset({"exposures", "scope"})


def _provider(resource: Resource, view: Stack) -> Facts:
    inputs = resource.inputs
    for key in ("tenantId", "projectId"):
        raw = text(inputs, key)
        if raw is not None:
            return Facts(provider_scope=view.ref(resource, key, raw))
    name = text(inputs, "tenantName") or text(inputs, "projectName")
    return Facts(provider_scope=f"tenant {name}" if name else None)


_SCOPED = frozenset({"scope"})
INTERPRETER = register(
    Interpreter(
        "openstack:",
        {
            SEC_GROUP: (_sec_group, frozenset({"permits", "scope", "serves"})),
            SEC_GROUP_RULE: (_sec_group_rule, frozenset({"permits", "scope"})),
            INSTANCE: (_instance, frozenset({"member", "scope"})),
            SERVER_GROUP: (_server_group, frozenset({"spread", "scope"})),
            NETWORK: (_network, frozenset({"vlans", "exposures", "filtering_off", "scope"})),
            SUBNET: (_subnet, frozenset({"subnets", "scope"})),
            PORT: (_port, frozenset({"filtering_off", "scope"})),
            ROUTER: (_router, frozenset({"exposures", "scope"})),
            "openstack:networking/floatingIp:FloatingIp": _exposure("floating IP"),
            "openstack:networking/floatingIpAssociate:FloatingIpAssociate": _exposure("floating IP on a port"),
            "openstack:compute/floatingIpAssociate:FloatingIpAssociate": _exposure("floating IP on an instance"),
            "pulumi:providers:openstack": (_provider, frozenset({"provider_scope"})),
        },
        fallback=(_any_resource, _SCOPED),
    )
)
