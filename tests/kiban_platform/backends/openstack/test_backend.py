"""What the OpenStack backend declares, checked on the rendered state of a tiny city (mocks, no cloud).

Every property here carries a security or redundancy rule: VLAN IDs, security-group rules equal to the
flow plan, nothing open to the world, anti-affinity, one zone per replica, volume types, load balancers.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from kiban.render import RenderError
from kiban_platform.backends.openstack.settings import parse_settings
from kiban_platform.backends.openstack.sizing import GroupShape, project_quotas
from kiban_platform.network.flows import FlowPlan, plan_flows
from kiban_platform.network.hosts import PlannedHost, plan_hosts
from kiban_platform.network.plan import NetworkPlan, plan_network
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import MiddlewareRole, PlatformSpec, TierName
from tests.rendering import by_name, render_tiny, resources, tiny_stack, write_tiny_city

OS = "openstack:"
SETTINGS: dict[str, Any] = {
    "physicalNetwork": "physnet-test",
    "image": "debian-test",
    "volumeTypes": {"fast": "ssd-tier", "capacity": "hdd-tier"},
    "flavors": {"2x4": "c2m4", "2x8": "c2m8", "4x8": "c4m8", "4x16": "c4m16"},
    "vendorGroups": {"アルファ情報システム株式会社": "vendor-alpha"},
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tiny")


@pytest.fixture(scope="module")
def state(folder: Path) -> dict[str, Any]:
    return render_tiny(folder, SETTINGS)


@pytest.fixture(scope="module")
def spec(folder: Path) -> PlatformSpec:
    return load_spec(write_tiny_city(folder))


@pytest.fixture(scope="module")
def network(spec: PlatformSpec) -> NetworkPlan:
    return plan_network(spec)


@pytest.fixture(scope="module")
def flows(spec: PlatformSpec, network: NetworkPlan) -> FlowPlan:
    return plan_flows(spec, network)


@pytest.fixture(scope="module")
def hosts(spec: PlatformSpec, network: NetworkPlan) -> tuple[PlannedHost, ...]:
    return plan_hosts(spec, network)


def _inputs(resource: dict[str, Any]) -> dict[str, Any]:
    inputs: dict[str, Any] = resource["inputs"]
    return inputs


def _ids(state: dict[str, Any], type_: str) -> dict[str, str]:
    """Resource id -> resource name, to follow references such as securityGroupId."""
    return {resource["id"]: resource["urn"].split("::")[-1] for resource in resources(state, type_)}


def test_one_vlan_network_per_segment_with_the_planned_segmentation_id(
    state: dict[str, Any], network: NetworkPlan
) -> None:
    networks = by_name(state, f"{OS}networking/network:Network")
    expected = {
        (f"{segment.area}-platform" if segment.business is None else segment.name): segment.vlan
        for segment in network.segments
    }
    assert {name: _inputs(net)["segments"][0]["segmentationId"] for name, net in networks.items()} == expected
    for net in networks.values():
        assert _inputs(net)["segments"] == [
            {
                "networkType": "vlan",
                "physicalNetwork": "physnet-test",
                "segmentationId": _inputs(net)["segments"][0]["segmentationId"],
            }
        ]
        assert _inputs(net)["shared"] is False


def test_no_router_joins_anything(state: dict[str, Any]) -> None:
    types = {resource["type"] for resource in state["deployment"]["resources"]}
    assert not {t for t in types if "router" in t.lower() or "floatingIp" in t}


def test_subnets_are_the_plan_and_pools_avoid_planned_addresses(
    state: dict[str, Any], network: NetworkPlan, hosts: tuple[PlannedHost, ...]
) -> None:
    subnets = by_name(state, f"{OS}networking/subnet:Subnet")
    planned = {
        (subnet.name if segment.business else f"{segment.area}-{subnet.name}"): (segment.area, subnet)
        for segment in network.segments
        for subnet in segment.subnets
    }
    assert set(subnets) == set(planned)
    fixed = defaultdict(set)
    for host in hosts:
        fixed[(host.vm.area, host.subnet.name)].add(host.address)
    for name, subnet in subnets.items():
        area, plan = planned[name]
        inputs = _inputs(subnet)
        assert inputs["cidr"] == str(plan.cidr)
        assert inputs["gatewayIp"] == str(plan.gateway)
        for pool in inputs["allocationPools"]:
            start, end = ipaddress.IPv4Address(pool["start"]), ipaddress.IPv4Address(pool["end"])
            reserved = fixed[(area, plan.name)] | {plan.service_address, plan.gateway}
            assert fixed[(area, plan.name)]  # every subnet of the tiny city has hosts
            assert not any(start <= address <= end for address in reserved), name


def test_security_group_rules_are_exactly_the_flow_plan(state: dict[str, Any], flows: FlowPlan) -> None:
    group_names = _ids(state, f"{OS}networking/secGroup:SecGroup")
    actual = {
        (
            group_names[_inputs(rule)["securityGroupId"]],
            _inputs(rule)["direction"],
            _inputs(rule)["protocol"],
            _inputs(rule)["portRangeMin"],
            _inputs(rule)["portRangeMax"],
            _inputs(rule)["remoteIpPrefix"],
        )
        for rule in resources(state, f"{OS}networking/secGroupRule:SecGroupRule")
    }

    def slug(group_id: str) -> str:
        return group_id.replace("/", "-").replace("@", "-").replace("_", "-")

    expected = set()
    for rule in flows.rules:
        port = (rule.port.protocol.value, rule.port.first, rule.port.last)
        if rule.destination.kind.value != "external":
            expected.add((slug(rule.destination.id), "ingress", *port, str(rule.source.cidr)))
        if rule.source.kind.value != "external":
            expected.add((slug(rule.source.id), "egress", *port, str(rule.destination.cidr)))
    assert actual == expected
    assert len(resources(state, f"{OS}networking/secGroupRule:SecGroupRule")) == len(expected)


def test_ssh_enters_only_from_the_areas_own_bastion_and_the_bastion_only_from_its_terminals(
    state: dict[str, Any], network: NetworkPlan, hosts: tuple[PlannedHost, ...]
) -> None:
    group_names = _ids(state, f"{OS}networking/secGroup:SecGroup")
    area_of = {host.group.replace("/", "-").replace("@", "-").replace("_", "-"): host.vm.area for host in hosts}
    bastion_subnet = {
        area: str(network.role_subnet(area, MiddlewareRole.BASTION).cidr) for area in ("secure", "office")
    }
    terminals = {"secure": "172.16.10.0/28", "office": "172.16.20.0/28"}
    ssh_in: dict[str, set[str]] = defaultdict(set)
    for rule in resources(state, f"{OS}networking/secGroupRule:SecGroupRule"):
        inputs = _inputs(rule)
        if inputs["direction"] == "ingress" and inputs["portRangeMin"] <= 22 <= inputs["portRangeMax"]:
            ssh_in[group_names[inputs["securityGroupId"]]].add(inputs["remoteIpPrefix"])
    assert set(ssh_in) == set(area_of), "every host group admits SSH"
    for group, sources in ssh_in.items():
        area = area_of[group]
        expected = terminals[area] if group.startswith("bastion-") else bastion_subnet[area]
        assert sources == {expected}, f"{group} admits SSH from {sources}"
        assert _rule_names_derived_from_identity(state, group)


def _rule_names_derived_from_identity(state: dict[str, Any], group: str) -> bool:
    names = [
        rule["urn"].split("::")[-1]
        for rule in resources(state, f"{OS}networking/secGroupRule:SecGroupRule")
        if rule["urn"].split("::")[-1].startswith(f"{group}-in-") and rule["urn"].endswith("tcp22")
    ]
    source = "operations-ops-" if group.startswith("bastion-") else "bastion-"
    return len(names) == 1 and names[0].startswith(f"{group}-in-{source}")


def test_nothing_is_open_to_the_world_and_default_egress_is_deleted(state: dict[str, Any]) -> None:
    for rule in resources(state, f"{OS}networking/secGroupRule:SecGroupRule"):
        inputs = _inputs(rule)
        assert inputs["remoteIpPrefix"] not in ("0.0.0.0/0", "::/0")
        assert ipaddress.IPv4Network(inputs["remoteIpPrefix"]).prefixlen > 0
        assert inputs["ethertype"] == "IPv4"
    for group in resources(state, f"{OS}networking/secGroup:SecGroup"):
        assert _inputs(group)["deleteDefaultRules"] is True


def test_anti_affinity_server_group_per_replicated_tier(state: dict[str, Any], hosts: tuple[PlannedHost, ...]) -> None:
    server_groups = by_name(state, f"{OS}compute/serverGroup:ServerGroup")
    replicated = {
        host.group.replace("/", "-").replace("@", "-").replace("_", "-")
        for host in hosts
        if host.vm.anti_affinity and sum(other.group == host.group for other in hosts) > 1
    }
    assert set(server_groups) == replicated
    for group in server_groups.values():
        assert _inputs(group)["policies"] == "anti-affinity"  # a string in pulumi-openstack 5.x
    group_ids = {group["id"]: name for name, group in server_groups.items()}
    instances = by_name(state, f"{OS}compute/instance:Instance")
    for host in hosts:
        hints = _inputs(instances[host.name]).get("schedulerHints")
        slug = host.group.replace("/", "-").replace("@", "-").replace("_", "-")
        if slug in replicated:
            assert hints is not None
            assert [group_ids[hint["group"]] for hint in hints] == [slug]
        else:
            assert hints is None


def test_replicas_of_a_group_are_in_distinct_zones_one_per_chassis(
    state: dict[str, Any], spec: PlatformSpec, hosts: tuple[PlannedHost, ...]
) -> None:
    instances = by_name(state, f"{OS}compute/instance:Instance")
    chassis = spec.failure_domains.chassis
    zones: dict[str, list[str]] = defaultdict(list)
    for host in hosts:
        zone = _inputs(instances[host.name])["availabilityZone"]
        assert zone == chassis[host.vm.replica % len(chassis)].openstack_zone
        zones[host.group].append(zone)
    for group, group_zones in zones.items():
        assert len(group_zones) == len(set(group_zones)), group
    aggregates = by_name(state, f"{OS}compute/aggregateV2:AggregateV2")
    assert {name: _inputs(a)["zone"] for name, a in aggregates.items()} == {"c1": "az-c1", "c2": "az-c2", "c3": "c3"}


def test_instances_boot_the_image_with_mapped_flavors_and_fixed_addresses(
    state: dict[str, Any], hosts: tuple[PlannedHost, ...]
) -> None:
    instances = by_name(state, f"{OS}compute/instance:Instance")
    ports = by_name(state, f"{OS}networking/port:Port")
    port_names = {port["id"]: name for name, port in ports.items()}
    for host in hosts:
        inputs = _inputs(instances[host.name])
        assert inputs["imageName"] == "debian-test"
        assert inputs["flavorName"] == SETTINGS["flavors"][f"{host.vm.vcpu}x{host.vm.ram_gb}"]
        assert inputs["configDrive"] is True
        assert [port_names[network["port"]] for network in inputs["networks"]] == [host.name]
        assert _inputs(ports[host.name])["fixedIps"][0]["ipAddress"] == str(host.address)


def test_each_vm_has_a_data_volume_of_its_disk_tiers_type(
    state: dict[str, Any], hosts: tuple[PlannedHost, ...]
) -> None:
    volumes = by_name(state, f"{OS}blockstorage/volume:Volume")
    attachments = by_name(state, f"{OS}compute/volumeAttach:VolumeAttach")
    volume_names = {volume["id"]: name for name, volume in volumes.items()}
    instance_names = _ids(state, f"{OS}compute/instance:Instance")
    expected_type = {"fast": "ssd-tier", "capacity": "hdd-tier"}
    for host in hosts:
        volume = _inputs(volumes[f"{host.name}-data"])
        assert volume["volumeType"] == expected_type[host.vm.disk.tier.value]
        assert volume["size"] == host.vm.disk.size_gb
        attach = _inputs(attachments[f"{host.name}-data"])
        assert (instance_names[attach["instanceId"]], volume_names[attach["volumeId"]]) == (
            host.name,
            f"{host.name}-data",
        )


def test_load_balancers_for_middleware_and_web_tiers_at_the_service_address(
    state: dict[str, Any], hosts: tuple[PlannedHost, ...]
) -> None:
    balancers = by_name(state, f"{OS}loadbalancer/loadBalancer:LoadBalancer")
    # Bastions are not balanced: operators jump through a named bastion.
    balanced = {
        host.group
        for host in hosts
        if (host.vm.business is None and host.vm.role != "bastion") or host.vm.tier == TierName.WEB
    }
    slugs = {group.replace("/", "-").replace("@", "-").replace("_", "-"): group for group in balanced}
    assert set(balancers) == set(slugs)
    subnet_of = {host.group: host.subnet for host in hosts}
    for name, balancer in balancers.items():
        inputs = _inputs(balancer)
        assert inputs["vipAddress"] == str(subnet_of[slugs[name]].service_address)
        assert inputs["loadbalancerProvider"] == "ovn"
    members = resources(state, f"{OS}loadbalancer/member:Member")
    time_members = sorted(
        (_inputs(m)["address"], _inputs(m)["protocolPort"]) for m in members if "time-name-secure" in m["urn"]
    )
    time_hosts = [str(host.address) for host in hosts if host.group == "time_name@secure"]
    assert time_members == sorted((address, port) for address in time_hosts for port in (123, 53, 53))
    listeners = [_inputs(li) for li in resources(state, f"{OS}loadbalancer/listener:Listener")]
    assert {"protocol": "UDP", "protocolPort": 123} in [
        {"protocol": li["protocol"], "protocolPort": li["protocolPort"]} for li in listeners
    ]
    for pool in resources(state, f"{OS}loadbalancer/pool:Pool"):
        assert _inputs(pool)["lbMethod"] == "SOURCE_IP_PORT"


def test_business_projects_quotas_and_vendor_access(
    state: dict[str, Any], spec: PlatformSpec, hosts: tuple[PlannedHost, ...]
) -> None:
    projects = by_name(state, f"{OS}identity/project:Project")
    assert set(projects) == {business.id for business in spec.businesses}
    assignments = by_name(state, f"{OS}identity/roleAssignment:RoleAssignment")
    assert set(assignments) == {f"{b.id}-{who}" for b in spec.businesses for who in ("vendor", "operators")}
    groups = by_name(state, f"{OS}identity/groupV3:GroupV3")
    # The mapped vendor is looked up; the other vendor gets a group named after it.
    assert [_inputs(group)["name"] for group in groups.values()] == ["イータ行政システム株式会社"]
    kyuyo_vendor = _inputs(assignments["kyuyo-vendor"])
    assert kyuyo_vendor["groupId"] == next(iter(groups.values()))["id"]
    assert kyuyo_vendor["projectId"] == projects["kyuyo"]["id"]

    compute = by_name(state, f"{OS}compute/quotaSetV2:QuotaSetV2")["juki"]
    juki = [host for host in hosts if host.vm.business == "juki"]
    groups_of_juki = sorted({host.group for host in juki})
    shapes = [
        GroupShape(
            tuple(host.vm for host in juki if host.group == group),
            0,
            sum(host.group == group for host in juki) > 1,
            1 if group.endswith("/web") else 0,
        )
        for group in groups_of_juki
    ]
    volume_types = {tier.value: name for tier, name in parse_settings(SETTINGS).volume_types.items()}
    quotas = project_quotas(shapes, volume_types)
    assert _inputs(compute)["cores"] == quotas.cores
    assert _inputs(compute)["ram"] == quotas.ram_mb
    assert _inputs(compute)["instances"] == quotas.instances == len(juki) + 1
    volume_quota = _inputs(by_name(state, f"{OS}blockstorage/quoteSetV3:QuoteSetV3")["juki"])
    assert volume_quota["volumeTypeQuota"] == {
        "gigabytes_hdd-tier": "100",
        "gigabytes_ssd-tier": str(2 * 40 + 3 * 60 + 2 * 200 + 200),
        "volumes_hdd-tier": "1",
        "volumes_ssd-tier": "8",
    }


def test_business_resources_live_in_the_business_project(state: dict[str, Any]) -> None:
    providers = by_name(state, "pulumi:providers:openstack")
    projects = by_name(state, f"{OS}identity/project:Project")
    assert _inputs(providers["juki"])["tenantId"] == projects["juki"]["id"]
    provider_ref = f"{providers['juki']['urn']}::{providers['juki']['id']}"
    for type_ in ("compute/instance:Instance", "networking/port:Port", "networking/secGroup:SecGroup"):
        juki = [r for r in resources(state, f"{OS}{type_}") if "BusinessTenant" in r["urn"] and "juki" in r["urn"]]
        assert juki and all(r["provider"] == provider_ref for r in juki)
    # The VLAN itself is an admin operation (default provider), handed to the project.
    network = by_name(state, f"{OS}networking/network:Network")["juki"]
    assert network["provider"].split("::")[-2] == "default_5_5_3"
    assert _inputs(network)["tenantId"] == projects["juki"]["id"]


def test_a_size_without_a_flavor_is_refused_before_anything_runs(folder: Path) -> None:
    from kiban.render import render

    settings = {**SETTINGS, "flavors": {"2x4": "c2m4"}}
    with pytest.raises(RenderError, match=r"no flavor for size\(s\) 2x8, 4x8, 4x16"):
        render(tiny_stack(write_tiny_city(folder), settings))
