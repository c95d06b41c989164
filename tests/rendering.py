"""Helpers for tests that run the Pulumi program under mocks: a tiny city, and rendering it."""

from __future__ import annotations

import copy
import functools
import json
import tempfile
from pathlib import Path
from typing import Any

from kiban.render import PROJECT_DIR, StackConfig, render, spec_stack_config

# Three chassis, two areas, every middleware role, a business of each shape, one declared flow into the
# high area and one two-way flow inside the middle area, a bastion per area: every rule kind, in about 800 resources.
TINY_CITY = """
municipality: {name: 試験市, name_en: Test City, code: "149993", class: other}
failure_domains:
  chassis:
    - {id: c1, availability_zone: az-c1, blades: [{id: c1-b1, vcpu: 64, ram_gb: 256, disk_gb: 4000}]}
    - {id: c2, availability_zone: az-c2, blades: [{id: c2-b1, vcpu: 64, ram_gb: 256, disk_gb: 4000}]}
    - {id: c3, blades: [{id: c3-b1, vcpu: 64, ram_gb: 256, disk_gb: 4000}]}
areas:
  - {id: secure, name: マイナンバー系, name_en: My Number, level: high, vlans: {first: 100, last: 199}, supernet: 10.10.0.0/16}
  - {id: office, name: LGWAN接続系, name_en: LGWAN, level: middle, vlans: {first: 200, last: 299}, supernet: 10.20.0.0/16}
middleware:
  integration_hub: {product: hub, replicas: 2, areas: [secure, office], ports: [443], vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
  job_management: {product: jobs, replicas: 2, areas: [secure, office], ports: [20240], vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
  load_balancer: {product: lb, replicas: 2, areas: [secure, office], ports: [443], vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
  database: {product: db, replicas: 2, areas: [office], ports: [5432], vcpu: 4, ram_gb: 16, disk: {tier: fast, size_gb: 200}}
  time_name: {product: ntp, replicas: 2, areas: [secure, office], ports: [123/udp, 53/udp, 53/tcp], vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 20}}
  monitoring: {product: logs, replicas: 1, redundant: false, areas: [secure, office], ports: [10051/tcp, 514/tcp], vcpu: 2, ram_gb: 4, disk: {tier: capacity, size_gb: 500}}
businesses:
  - id: juki
    name: 住民基本台帳
    name_en: Resident registry
    vendor: アルファ情報システム株式会社
    area: secure
    network_slot: 1
    tiers:
      web: {replicas: 2, vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 40}}
      app: {replicas: 3, vcpu: 4, ram_gb: 8, disk: {tier: fast, size_gb: 60}}
      db: {replicas: 2, vcpu: 4, ram_gb: 16, disk: {tier: fast, size_gb: 200}}
      batch: {replicas: 1, redundant: false, anti_affinity: false, vcpu: 2, ram_gb: 8, disk: {tier: capacity, size_gb: 100}}
    integrations: {publishes: [jumin]}
  - id: kyuyo
    name: 人事給与
    name_en: Payroll
    vendor: イータ行政システム株式会社
    area: office
    network_slot: 2
    tiers:
      web: {replicas: 2, vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 40}}
      app: {replicas: 2, vcpu: 4, ram_gb: 8, disk: {tier: fast, size_gb: 60}}
  - id: zaimu
    name: 財務会計
    name_en: Accounting
    vendor: イータ行政システム株式会社
    area: office
    network_slot: 3
    tiers:
      app: {replicas: 2, vcpu: 4, ram_gb: 8, disk: {tier: fast, size_gb: 60}}
flows:
  - id: eltax
    from: {external: eLTAX, area: office, cidr: 192.0.2.0/26}
    to: {middleware: integration_hub, area: secure}
    ports: [443/tcp]
    purpose: 特定通信
  - id: kyuyo-zaimu
    from: {business: kyuyo, tier: app}
    to: {business: zaimu, tier: app}
    ports: [8443/tcp]
    one_way: false
    purpose: payroll to accounts
management:
  operations_networks:
    - {id: ops-secure, area: secure, cidr: 172.16.10.0/28, purpose: 運用端末}
    - {id: ops-office, area: office, cidr: 172.16.20.0/28, purpose: 運用端末}
"""


def write_tiny_city(folder: Path) -> Path:
    path = folder / "tiny-city.yaml"
    path.write_text(TINY_CITY, encoding="utf-8")
    return path


def tiny_stack(spec: Path, settings: dict[str, Any] | None = None) -> StackConfig:
    stack = spec_stack_config(PROJECT_DIR, spec, "openstack")
    if settings is not None:
        stack.config[f"{stack.project}:openstack"] = json.dumps(settings)
    return stack


def render_tiny(folder: Path, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    return render(tiny_stack(write_tiny_city(folder), settings))


@functools.cache
def _tiny_state() -> dict[str, Any]:
    return render_tiny(Path(tempfile.mkdtemp(prefix="kiban-tiny-")))


def tiny_render() -> dict[str, Any]:
    """The tiny city rendered with default settings, once per session (a render takes seconds); a fresh copy.

    For tests that read a render; a test of rendering itself (settings, environment, two renders) calls
    ``render_tiny``.
    """
    return copy.deepcopy(_tiny_state())


def resources(document: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [resource for resource in document["deployment"]["resources"] if resource["type"] == type_]


def by_name(document: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {resource["urn"].split("::")[-1]: resource for resource in resources(document, type_)}


HostRule = tuple[str, str, str, str, int, int]  # group, direction, cidr, protocol, first, last


def openstack_host_rules(state: dict[str, Any]) -> set[HostRule]:
    """Each security-group rule of an OpenStack state as (group, direction, remote cidr, protocol, first, last)."""
    groups = {
        sg["id"]: next(tag.split(":", 1)[1] for tag in sg["inputs"]["tags"] if tag.startswith("group:"))
        for sg in resources(state, "openstack:networking/secGroup:SecGroup")
    }
    rules = set()
    for rule in resources(state, "openstack:networking/secGroupRule:SecGroupRule"):
        inputs = rule["inputs"]
        direction = "in" if inputs["direction"] == "ingress" else "out"
        rules.add(
            (
                groups[inputs["securityGroupId"]],
                direction,
                inputs["remoteIpPrefix"],
                inputs["protocol"],
                inputs["portRangeMin"],
                inputs["portRangeMax"],
            )
        )
    return rules


def aws_host_rules(state: dict[str, Any]) -> set[HostRule]:
    """The same for AWS: the rules of the groups instances sit in."""
    # The groups the instances sit in; a load balancer's own group and its health checks are not host rules.
    members = {}
    for instance in resources(state, "aws:ec2/instance:Instance"):
        for group_id in instance["inputs"]["vpcSecurityGroupIds"]:
            members[group_id] = instance["inputs"]["tags"]["kiban:group"]
    rules = set()
    for direction, type_ in (
        ("in", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
        ("out", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),
    ):
        for rule in resources(state, type_):
            inputs = rule["inputs"]
            if inputs["securityGroupId"] in members and "cidrIpv4" in inputs:
                rules.add(
                    (
                        members[inputs["securityGroupId"]],
                        direction,
                        inputs["cidrIpv4"],
                        inputs["ipProtocol"],
                        inputs["fromPort"],
                        inputs["toPort"],
                    )
                )
    return rules
