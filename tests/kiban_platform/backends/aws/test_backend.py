"""What the AWS backend declares, checked on the rendered state of a small city (mocks, no cloud).

Every property here carries a security or redundancy rule: IMDSv2, encrypted volumes, no public
addresses, security groups equal to the flow plan, nothing open to the world, network ACLs that deny
by default, spread placement groups, one zone per replica, no path between the high area and an
internet-facing VPC, the region guard, and an account per business.
"""

from __future__ import annotations

import base64
import gzip
import ipaddress
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.runtime.mocks import MockCallArgs

from kiban.mock_runtime import KibanMocks
from kiban.render import PROJECT_DIR, RenderError, render, spec_stack_config
from kiban_platform.network.flows import FlowPlan, plan_flows
from kiban_platform.network.hosts import plan_hosts
from kiban_platform.network.plan import NetworkPlan, plan_network
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import AreaLevel, MiddlewareRole, PlatformSpec
from tests.conftest import SMALL_CITY
from tests.rendering import by_name, resources

ZONES = {"c1": "ap-northeast-1a", "c2": "ap-northeast-1c"}
SETTINGS: dict[str, Any] = {"zones": ZONES, "ami": "ami-0123456789abcdef0"}
INSTANCE = "aws:ec2/instance:Instance"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_IN = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_OUT = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ACL = "aws:ec2/networkAcl:NetworkAcl"
ACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"
PLACEMENT = "aws:ec2/placementGroup:PlacementGroup"
PROTOCOLS = {"tcp": "6", "udp": "17"}


def _city() -> dict[str, Any]:
    """SMALL_CITY plus an internet area whose hub receives one flow from the middle area, and a bastion per area."""
    data: dict[str, Any] = yaml.safe_load(SMALL_CITY)
    data["areas"].append(
        {
            "id": "net",
            "name": "インターネット接続系",
            "name_en": "Internet",
            "level": "internet",
            "vlans": {"first": 300, "last": 349},
            "supernet": "10.30.0.0/16",
        }
    )
    data["middleware"]["integration_hub"]["areas"].append("net")
    data["flows"].append(
        {
            "id": "to-net",
            "from": {"middleware": "integration_hub", "area": "office"},
            "to": {"middleware": "integration_hub", "area": "net"},
            "ports": [443],
            "one_way": True,
            "purpose": "publish",
        }
    )
    data["management"] = {
        "operations_networks": [
            {"id": f"ops-{area}", "area": area, "cidr": f"172.16.{index}.0/28", "purpose": "運用端末"}
            for index, area in enumerate(("office", "secure", "net"), start=1)
        ]
    }
    return data


def render_aws(folder: Path, data: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    path = folder / "city.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    stack = spec_stack_config(PROJECT_DIR, path, "aws")
    stack.config[f"{stack.project}:aws"] = json.dumps(settings)
    return render(stack)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("aws")


@pytest.fixture(scope="module")
def spec(folder: Path) -> PlatformSpec:
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump(_city(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_spec(path)


@pytest.fixture(scope="module")
def network(spec: PlatformSpec) -> NetworkPlan:
    return plan_network(spec)


@pytest.fixture(scope="module")
def flows(spec: PlatformSpec, network: NetworkPlan) -> FlowPlan:
    return plan_flows(spec, network)


@pytest.fixture(scope="module")
def state(folder: Path) -> dict[str, Any]:
    return render_aws(folder, _city(), SETTINGS)


def _inputs(resource: dict[str, Any]) -> dict[str, Any]:
    inputs: dict[str, Any] = resource["inputs"]
    return inputs


def _tags(resource: dict[str, Any]) -> dict[str, str]:
    tags: dict[str, str] = _inputs(resource).get("tags", {})
    return tags


def _by_id(state: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {resource["id"]: resource for resource in resources(state, type_)}


def _level(spec: PlatformSpec, area: str) -> AreaLevel:
    return spec.area(area).level


def _member_groups(state: dict[str, Any]) -> dict[str, str]:
    """Security-group id -> host group, for the groups instances sit in (not the load balancers')."""
    members = {}
    for instance in resources(state, INSTANCE):
        for group_id in _inputs(instance)["vpcSecurityGroupIds"]:
            members[group_id] = _tags(instance)["kiban:group"]
    return members


def test_every_instance_requires_imdsv2_and_encrypts_its_root_volume(state: dict[str, Any]) -> None:
    instances = resources(state, INSTANCE)
    assert instances
    for instance in instances:
        inputs = _inputs(instance)
        assert inputs["metadataOptions"]["httpTokens"] == "required"
        assert inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1
        assert inputs["rootBlockDevice"]["encrypted"] is True


def test_data_volumes_are_encrypted_with_the_tier_volume_type(state: dict[str, Any], spec: PlatformSpec) -> None:
    volumes = by_name(state, "aws:ebs/volume:Volume")
    vms = {host.vm.name: host for host in plan_hosts(spec, plan_network(spec))}
    assert set(volumes) == {f"{name}-data" for name in vms}
    instances = by_name(state, INSTANCE)
    for name, host in vms.items():
        volume = _inputs(volumes[f"{name}-data"])
        assert volume["encrypted"] is True
        assert volume["type"] == {"fast": "gp3", "capacity": "st1"}[host.vm.disk.tier.value]
        # st1 is at least 125 GB: the 20 GB capacity disk of the batch tier is raised, never shrunk.
        assert volume["size"] == (max(125, host.vm.disk.size_gb) if volume["type"] == "st1" else host.vm.disk.size_gb)
        assert volume["availabilityZone"] == _inputs(instances[name])["availabilityZone"]
    attachments = by_name(state, "aws:ec2/volumeAttachment:VolumeAttachment")
    assert set(attachments) == set(volumes)


def test_no_public_address_in_high_and_middle_areas(state: dict[str, Any], spec: PlatformSpec) -> None:
    checked = 0
    for instance in resources(state, INSTANCE):
        if _level(spec, _tags(instance)["kiban:area"]) in (AreaLevel.HIGH, AreaLevel.MIDDLE):
            assert _inputs(instance)["associatePublicIpAddress"] is False
            checked += 1
    assert checked
    for subnet in resources(state, SUBNET):
        assert _inputs(subnet)["mapPublicIpOnLaunch"] is False
    for balancer in resources(state, "aws:lb/loadBalancer:LoadBalancer"):
        assert _inputs(balancer)["internal"] is True


def test_no_gateway_to_the_internet_anywhere(state: dict[str, Any]) -> None:
    types = {resource["type"] for resource in state["deployment"]["resources"]}
    forbidden = ("internetGateway", "natGateway", "transitGateway", "egressOnlyInternetGateway", "eip:Eip")
    assert not {t for t in types if any(word in t for word in forbidden)}
    for route in resources(state, "aws:ec2/route:Route"):
        assert set(_inputs(route)) - {"region"} == {"routeTableId", "destinationCidrBlock", "vpcPeeringConnectionId"}


def test_member_security_groups_are_exactly_the_flow_plan(state: dict[str, Any], flows: FlowPlan) -> None:
    members = _member_groups(state)
    rendered: set[tuple[str, str, str, str, int, int]] = set()
    for direction, type_ in (("in", SG_IN), ("out", SG_OUT)):
        for rule in resources(state, type_):
            inputs = _inputs(rule)
            group = members.get(inputs["securityGroupId"])
            if group is None or "cidrIpv4" not in inputs:
                continue  # load balancer groups, and health checks from a load balancer's group (below)
            rendered.add(
                (group, direction, inputs["cidrIpv4"], inputs["ipProtocol"], inputs["fromPort"], inputs["toPort"])
            )
    expected = set()
    for planned in flows.rules:
        port = planned.port
        if planned.destination.id in members.values():
            expected.add(
                (planned.destination.id, "in", str(planned.source.cidr), port.protocol.value, port.first, port.last)
            )
        if planned.source.id in members.values():
            expected.add(
                (planned.source.id, "out", str(planned.destination.cidr), port.protocol.value, port.first, port.last)
            )
    assert rendered == expected


def test_the_only_other_member_rules_are_health_checks_from_the_groups_own_balancer(state: dict[str, Any]) -> None:
    members = _member_groups(state)
    groups = _by_id(state, SG)
    for rule in resources(state, SG_IN) + resources(state, SG_OUT):
        inputs = _inputs(rule)
        if inputs["securityGroupId"] in members and "cidrIpv4" not in inputs:
            source = groups[inputs["referencedSecurityGroupId"]]
            assert _tags(source)["kiban:group"] == members[inputs["securityGroupId"]]
            assert _tags(source)["Name"].endswith("-lb")
            assert inputs["ipProtocol"] == "tcp" and inputs["fromPort"] == inputs["toPort"]


def test_ssh_enters_members_only_from_their_areas_bastion(
    state: dict[str, Any], network: NetworkPlan, spec: PlatformSpec
) -> None:
    members = _member_groups(state)
    ssh_in: dict[str, set[str]] = defaultdict(set)
    for rule in resources(state, SG_IN):
        inputs = _inputs(rule)
        group = members.get(inputs["securityGroupId"])
        if group is not None and inputs["ipProtocol"] == "tcp" and inputs["fromPort"] <= 22 <= inputs["toPort"]:
            ssh_in[group].add(inputs.get("cidrIpv4", "a security group"))
    assert set(ssh_in) == set(members.values()), "every host group admits SSH"
    terminals = {f"bastion@{area}": f"172.16.{index}.0/28" for index, area in enumerate(("office", "secure", "net"), 1)}
    for group, sources in ssh_in.items():
        area = group.split("@")[1] if "@" in group else spec.business(group.split("/")[0]).area
        expected = terminals.get(group, str(network.role_subnet(area, MiddlewareRole.BASTION).cidr))
        assert sources == {expected}, f"{group} admits SSH from {sources}"
    # Network ACLs of one area never admit SSH from another area.
    acls = _by_id(state, ACL)
    for rule in resources(state, ACL_RULE):
        inputs = _inputs(rule)
        if inputs["egress"] or not inputs["fromPort"] <= 22 <= inputs["toPort"] or inputs["protocol"] != "6":
            continue
        area = _tags(acls[inputs["networkAclId"]])["kiban:area"]
        source = ipaddress.IPv4Network(inputs["cidrBlock"])
        others = [other.supernet for other in spec.areas if other.id != area]
        assert not any(source.overlaps(other) for other in others), f"SSH into {area} from {source}"


def test_nothing_is_open_to_the_world(state: dict[str, Any]) -> None:
    for type_ in (SG_IN, SG_OUT):
        for rule in resources(state, type_):
            cidr = _inputs(rule).get("cidrIpv4")
            assert cidr is None or ipaddress.IPv4Network(cidr).prefixlen > 0
            assert "cidrIpv6" not in _inputs(rule) and "prefixListId" not in _inputs(rule)
    for rule in resources(state, ACL_RULE):
        assert ipaddress.IPv4Network(_inputs(rule)["cidrBlock"]).prefixlen > 0
    for group in resources(state, SG):
        # Inline rules would hide AWS's default allow-all egress; kiban declares none.
        assert "ingress" not in _inputs(group) and "egress" not in _inputs(group)


def test_network_acls_deny_by_default_and_allow_the_plan(
    state: dict[str, Any], flows: FlowPlan, spec: PlatformSpec
) -> None:
    acls = _by_id(state, ACL)
    subnets = _by_id(state, SUBNET)
    rules: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rule in resources(state, ACL_RULE):
        rules[_inputs(rule)["networkAclId"]].append(_inputs(rule))
    for acl_id, acl in acls.items():
        entries = rules[acl_id]
        assert entries and all(entry["ruleAction"] == "allow" for entry in entries)
        for egress in (False, True):
            numbers = [entry["ruleNumber"] for entry in entries if entry["egress"] is egress]
            assert len(numbers) == len(set(numbers)) <= 20
        # Every subnet of the group's blocks is bound to it; the VPC's default ACL keeps no subnet.
        for subnet_id in _inputs(acl)["subnetIds"]:
            assert subnet_id in subnets
    bound = [subnet_id for acl in acls.values() for subnet_id in _inputs(acl)["subnetIds"]]
    assert sorted(bound) == sorted(subnets)

    def allows(group: str, egress: bool, cidr: ipaddress.IPv4Network, protocol: str, first: int, last: int) -> bool:
        acl_id = next(i for i, acl in acls.items() if _tags(acl).get("kiban:group") == group)
        return any(
            entry["egress"] is egress
            and cidr.subnet_of(ipaddress.IPv4Network(entry["cidrBlock"]))
            and entry["protocol"] == protocol
            and entry["fromPort"] <= first
            and last <= entry["toPort"]
            for entry in rules[acl_id]
        )

    for planned in flows.rules:
        proto = PROTOCOLS[planned.port.protocol.value]
        if planned.destination.kind.value != "external":
            assert allows(
                planned.destination.id, False, planned.source.cidr, proto, planned.port.first, planned.port.last
            )
            assert allows(planned.destination.id, True, planned.source.cidr, proto, 1024, 65535)
        if planned.source.kind.value != "external":
            assert allows(
                planned.source.id, True, planned.destination.cidr, proto, planned.port.first, planned.port.last
            )
    # The area boundary stays exact: no ACL of the high area admits the internet area's supernet.
    for acl_id, acl in acls.items():
        if _tags(acl)["kiban:area"] == "secure":
            for entry in rules[acl_id]:
                assert not ipaddress.IPv4Network(entry["cidrBlock"]).overlaps(spec.area("net").supernet)


def test_one_vpc_per_area_with_its_supernet(state: dict[str, Any], spec: PlatformSpec) -> None:
    vpcs = by_name(state, VPC)
    assert {name: _inputs(vpc)["cidrBlock"] for name, vpc in vpcs.items()} == {
        area.id: str(area.supernet) for area in spec.areas
    }


def test_subnets_are_zone_blocks_of_the_plan(state: dict[str, Any], network: NetworkPlan) -> None:
    subnets = [_inputs(subnet) for subnet in resources(state, SUBNET)]
    planned = [subnet.cidr for segment in network.segments for subnet in segment.subnets]
    for plan in planned:
        blocks = [s for s in subnets if ipaddress.IPv4Network(s["cidrBlock"]).subnet_of(plan)]
        assert sorted(s["availabilityZone"] for s in blocks) == sorted(ZONES.values())


def test_placement_groups_spread_every_replicated_tier(state: dict[str, Any]) -> None:
    placements = by_name(state, PLACEMENT)
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for instance in resources(state, INSTANCE):
        by_group[_tags(instance)["kiban:group"]].append(_inputs(instance))
    spread = set()
    for group, instances in by_group.items():
        names = {instance.get("placementGroup") for instance in instances}
        if len(instances) > 1:
            assert len(names) == 1 and None not in names, group
            spread.add(names.pop())
        else:
            assert names == {None}, group
    assert spread == {_inputs(p)["name"] for p in placements.values()}
    assert all(_inputs(p)["strategy"] == "spread" for p in placements.values())


def test_replicas_sit_in_distinct_zones_as_the_inventory_says(state: dict[str, Any]) -> None:
    inventory = resources(state, "pulumi:pulumi:Stack")[0]["outputs"]["inventory"]
    zones_by_group: dict[str, list[str]] = defaultdict(list)
    instances = by_name(state, INSTANCE)
    subnets = _by_id(state, SUBNET)
    for host in inventory["hosts"]:
        inputs = _inputs(instances[host["name"]])
        zone = inputs["availabilityZone"]
        assert zone == ZONES[host["failure_domain"]]
        assert inputs["privateIp"] == host["address"]
        assert ipaddress.IPv4Address(host["address"]) in ipaddress.IPv4Network(
            _inputs(subnets[inputs["subnetId"]])["cidrBlock"]
        )
        assert _inputs(subnets[inputs["subnetId"]])["availabilityZone"] == zone
        zones_by_group[host["group"]].append(zone)
    for group, zones in zones_by_group.items():
        assert len(zones) == len(set(zones)), group


def test_no_peering_or_route_between_the_high_area_and_an_internet_vpc(
    state: dict[str, Any], spec: PlatformSpec, network: NetworkPlan
) -> None:
    vpcs = {resource["id"]: name for name, resource in by_name(state, VPC).items()}
    pairs = {
        frozenset({vpcs[_inputs(p)["vpcId"]], vpcs[_inputs(p)["peerVpcId"]]})
        for p in resources(state, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
    }
    assert pairs == {frozenset({"office", "secure"}), frozenset({"office", "net"})}
    tables = _by_id(state, "aws:ec2/routeTable:RouteTable")
    hub = {area: network.role_subnet(area, MiddlewareRole.INTEGRATION_HUB).cidr for area in ("office", "secure", "net")}
    routes = set()
    for route in resources(state, "aws:ec2/route:Route"):
        table = tables[_inputs(route)["routeTableId"]]
        routes.add((_tags(table)["kiban:group"], _inputs(route)["destinationCidrBlock"]))
        assert (
            not ipaddress.IPv4Network(_inputs(route)["destinationCidrBlock"]).overlaps(spec.area("net").supernet)
            or _tags(table)["kiban:area"] != "secure"
        )
    # Routes only for the declared flows' two ends, limited to the groups' CIDRs.
    assert routes == {
        ("integration_hub@office", str(hub["secure"])),
        ("integration_hub@secure", str(hub["office"])),
        ("integration_hub@office", str(hub["net"])),
        ("integration_hub@net", str(hub["office"])),
    }


def test_the_high_area_reaches_aws_only_through_vpc_endpoints(state: dict[str, Any], spec: PlatformSpec) -> None:
    vpcs = {resource["id"]: name for name, resource in by_name(state, VPC).items()}
    endpoints = resources(state, "aws:ec2/vpcEndpoint:VpcEndpoint")
    assert {vpcs[_inputs(e)["vpcId"]] for e in endpoints} == {a.id for a in spec.areas if a.level == AreaLevel.HIGH}
    assert {_inputs(e)["serviceName"] for e in endpoints} >= {"com.amazonaws.ap-northeast-1.ssm"}
    assert all(_inputs(e)["vpcEndpointType"] == "Interface" for e in endpoints)


def test_an_account_per_business_with_a_provider_that_assumes_its_role(
    state: dict[str, Any], spec: PlatformSpec
) -> None:
    accounts = by_name(state, "aws:organizations/account:Account")
    assert set(accounts) == {b.id for b in spec.businesses}
    for business, account in accounts.items():
        assert _inputs(account)["name"] == f"kiban-{business}-production"
        assert _inputs(account)["email"] == f"kiban+{business}-production@example.jp"
        assert _inputs(account)["closeOnDeletion"] is False
    providers = {r["urn"]: r for r in resources(state, "pulumi:providers:aws")}
    business_providers = {urn.split("::")[-1]: r for urn, r in providers.items() if "BusinessTenant" in urn}
    assert set(business_providers) == set(accounts)
    for business, provider in business_providers.items():
        assume = _inputs(provider)["assumeRoles"]
        # A provider's nested inputs travel as JSON text, as the engine passes them to the plugin.
        role = (json.loads(assume) if isinstance(assume, str) else assume)[0]["roleArn"]
        assert role == f"arn:aws:iam::{accounts[business]['id']}:role/OrganizationAccountAccessRole"
        assert _inputs(provider)["region"] == "ap-northeast-1"
    for instance in resources(state, INSTANCE):
        owner = _tags(instance).get("kiban:business")
        urn = instance["provider"].rsplit("::", 1)[0]
        if owner is None:
            assert urn.endswith("::default_7_51_1")  # middleware: the platform's account
        else:
            assert urn == business_providers[owner]["urn"]
    # Each business's tier subnets are shared to its account, and only those.
    shares = by_name(state, "aws:ram/principalAssociation:PrincipalAssociation")
    assert {name: _inputs(s)["principal"] for name, s in shares.items()} == {b: accounts[b]["id"] for b in accounts}


def test_the_region_guard_stops_the_render(folder: Path) -> None:
    with pytest.raises(RenderError, match=r"kiban:aws.region 'eu-west-1' is not an allowed region"):
        render_aws(
            folder, _city(), {**SETTINGS, "region": "eu-west-1", "zones": {"c1": "eu-west-1a", "c2": "eu-west-1b"}}
        )


def test_single_account_without_placement_groups_still_spreads_zones(folder: Path) -> None:
    """The moto profile's switch: no placement groups, replicas still one per zone, no accounts."""
    state = render_aws(folder, yaml.safe_load(SMALL_CITY), {**SETTINGS, "placementGroups": False, "tenancy": "single"})
    assert not resources(state, PLACEMENT)
    assert not resources(state, "aws:organizations/account:Account")
    assert not resources(state, "aws:ram/resourceShare:ResourceShare")
    zones: dict[str, set[str]] = defaultdict(set)
    count: dict[str, int] = defaultdict(int)
    for instance in resources(state, INSTANCE):
        assert "placementGroup" not in _inputs(instance)
        zones[_tags(instance)["kiban:group"]].add(_inputs(instance)["availabilityZone"])
        count[_tags(instance)["kiban:group"]] += 1
    assert any(n > 1 for n in count.values())
    for group, n in count.items():
        assert len(zones[group]) == n


def test_a_provider_region_other_than_the_settings_is_refused(folder: Path) -> None:
    path = folder / "small.yaml"
    path.write_text(SMALL_CITY, encoding="utf-8")
    stack = spec_stack_config(PROJECT_DIR, path, "aws")
    stack.config[f"{stack.project}:aws"] = json.dumps(SETTINGS)
    stack.config["aws:region"] = "ap-northeast-3"
    # Refused before the program runs (a located line, not an error inside the mock runtime).
    with pytest.raises(
        RenderError,
        match=r"^stack 'small-aws': aws:region: the provider's region ap-northeast-3 is "
        r"not the platform's ap-northeast-1 \(kiban:aws\.region",
    ):
        render(stack)


def test_user_data_is_the_shared_cloud_init_and_the_render_is_deterministic(
    state: dict[str, Any], folder: Path
) -> None:
    instances = by_name(state, INSTANCE)
    inventory = resources(state, "pulumi:pulumi:Stack")[0]["outputs"]["inventory"]
    for host in inventory["hosts"]:
        data = _inputs(instances[host["name"]])["userDataBase64"]
        if isinstance(data, dict):
            continue  # a database node's user data holds the admin password: sealed as a secret
        text = gzip.decompress(base64.b64decode(data)).decode("utf-8")
        assert text.startswith("#cloud-config")
        assert host["name"] in text
    again = render_aws(folder, _city(), SETTINGS)
    assert json.dumps(again, sort_keys=True) == json.dumps(state, sort_keys=True)


def test_a_lookup_with_nested_arguments_gets_the_same_id_whatever_their_order() -> None:
    """The AMI look-up's filters arrive as maps whose order varies between processes; renders must not."""
    token = "aws:ec2/getAmi:getAmi"
    one = {"owners": ["self"], "filters": [{"name": "name", "values": ["debian-12-kiban"]}]}
    other = {"filters": [{"values": ["debian-12-kiban"], "name": "name"}], "owners": ["self"]}
    first, _ = KibanMocks().call(MockCallArgs(token, one, ""))
    second, _ = KibanMocks().call(MockCallArgs(token, other, ""))
    assert first["id"] == second["id"]
    changed, _ = KibanMocks().call(MockCallArgs(token, {**one, "owners": ["123456789012"]}, ""))
    assert changed["id"] != first["id"]
