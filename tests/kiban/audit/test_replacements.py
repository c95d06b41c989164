"""The force-new table: every type kiban declares is in it, every property it names is a real input of the pinned SDK."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from kiban.audit.replacements import FORCE_NEW, PROVIDER_KEY, forcing, normalized_path, replace_keys

ROOT = Path(__file__).resolve().parents[3]
_CONSTRUCTOR = re.compile(r"\b(openstack|aws)\.([a-z0-9_]+)\.([A-Z][A-Za-z0-9]+)\(")
_TOKEN = re.compile(r"'((?:openstack|aws):[A-Za-z0-9/]+:[A-Za-z0-9]+)'")


def _resource_class(package: str, module: str, name: str) -> type | None:
    found = getattr(importlib.import_module(f"pulumi_{package}.{module}"), name, None)
    return found if inspect.isclass(found) and not name.endswith("Args") and hasattr(found, "_internal_init") else None


def declared_types() -> set[str]:
    """The type token of every provider resource the backends construct (read from the SDK's own class)."""
    tokens = set()
    for source in (ROOT / "kiban_platform" / "backends").rglob("*.py"):
        for package, module, name in _CONSTRUCTOR.findall(source.read_text(encoding="utf-8")):
            cls = _resource_class(package, module, name)
            if cls is not None:
                (token,) = set(_TOKEN.findall(inspect.getsource(cls._internal_init)))  # type: ignore[attr-defined]
                tokens.add(token)
    return tokens


def test_every_type_the_backends_declare_has_force_new_facts() -> None:
    declared = declared_types()
    assert len(declared) >= 48  # 22 OpenStack and 26 AWS types today
    assert sorted(declared - set(FORCE_NEW)) == []


def _inputs(cls: type) -> dict[str, tuple[str, type | None]]:
    """Pulumi input name -> (python name, nested Args class) of an ``...Args`` class."""
    module = importlib.import_module(cls.__module__.rsplit(".", 1)[0] + "._inputs")
    found: dict[str, tuple[str, type | None]] = {}
    for python_name, member in inspect.getmembers(cls):
        if isinstance(member, property) and hasattr(member.fget, "_pulumi_name"):
            annotation = str(inspect.signature(cls.__init__).parameters[python_name].annotation)  # type: ignore[misc]
            nested = re.search(r"'(\w+Args)'", annotation)
            pulumi_name: str = getattr(member.fget, "_pulumi_name")  # noqa: B009 - set by @pulumi.getter
            found[pulumi_name] = (python_name, getattr(module, nested.group(1)) if nested else None)
    return found


@pytest.mark.parametrize("type_", sorted(FORCE_NEW))
def test_every_force_new_property_is_an_input_of_the_pinned_sdk(type_: str) -> None:
    package, rest = type_.split(":", 1)
    module, name = rest.split(":")
    args = getattr(importlib.import_module(f"pulumi_{package}.{module.split('/')[0]}"), f"{name}Args")
    entry = FORCE_NEW[type_]
    assert entry.source
    keys = set(entry.keys) | {key for condition in entry.conditions for key in getattr(condition, "keys", ())}
    for key in sorted(keys):
        level: type | None = args
        for part in key.split("."):
            assert level is not None, f"{type_}: {key}: {part} is inside a plain value"
            inputs = _inputs(level)
            assert part in inputs, f"{type_}: {key}: no input {part!r}"
            level = inputs[part][1]


def test_changes_that_force_a_new_server_and_changes_that_do_not() -> None:
    server = "openstack:compute/instance:Instance"
    assert forcing(server, ["metadata.kiban-role", "tags"], {}, {}) == ()
    assert forcing(server, ["schedulerHints[0].group"], {}, {}) == ("schedulerHints",)
    assert forcing(server, ["networks[0].port", "userData"], {}, {}) == ("networks", "userData")
    assert forcing(server, [PROVIDER_KEY], {}, {}) == (PROVIDER_KEY,)
    assert forcing("openstack:unknown/thing:Thing", ["name"], {}, {}) is None
    assert forcing("openstack:unknown/thing:Thing", [PROVIDER_KEY], {}, {}) == (PROVIDER_KEY,)
    assert normalized_path("ebsBlockDevices[0].volumeSize") == "ebsBlockDevices.volumeSize"


def test_aws_user_data_replaces_only_with_user_data_replace_on_change() -> None:
    instance = "aws:ec2/instance:Instance"
    assert forcing(instance, ["userDataBase64"], {}, {"userDataReplaceOnChange": True}) == ("userDataBase64",)
    assert forcing(instance, ["userDataBase64"], {}, {"userDataReplaceOnChange": False}) == ()
    assert forcing(instance, ["rootBlockDevice.encrypted", "metadataOptions.httpTokens"], {}, {}) == (
        "rootBlockDevice.encrypted",
    )
    assert forcing(instance, ["rootBlockDevice.volumeType"], {}, {}) == ()
    # The convenience form bench/day_two.py calls: changed property names, the inputs optional.
    assert replace_keys(instance, {"userDataBase64", "tags"}) == ()
    assert replace_keys(instance, {"userDataBase64"}, {}, {"userDataReplaceOnChange": True}) == ("userDataBase64",)
    assert replace_keys("aws:unknown/thing:Thing", {"name"}) is None


def test_conditional_replacements() -> None:
    rule = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
    to_group = ({"cidrIpv4": "10.0.0.0/8"}, {"referencedSecurityGroupId": "sg-1"})
    assert forcing(rule, ["cidrIpv4", "referencedSecurityGroupId"], *to_group) == (
        "cidrIpv4",
        "referencedSecurityGroupId",
    )
    assert forcing(rule, ["cidrIpv4"], {"cidrIpv4": "10.0.0.0/8"}, {"cidrIpv4": "10.0.0.0/16"}) == ()
    balancer = "aws:lb/loadBalancer:LoadBalancer"
    network = {"loadBalancerType": "network"}
    assert forcing(balancer, ["subnets"], network, network) == ("subnets",)
    assert forcing(balancer, ["subnets"], {}, {"loadBalancerType": "application"}) == ()
    assert forcing(balancer, ["securityGroups"], network, {**network, "securityGroups": ["sg-1"]}) == (
        "securityGroups",
    )
    vpc = "aws:ec2/vpc:Vpc"
    assert forcing(vpc, ["instanceTenancy"], {"instanceTenancy": "dedicated"}, {"instanceTenancy": "default"}) == ()
    assert forcing(vpc, ["instanceTenancy"], {"instanceTenancy": "default"}, {"instanceTenancy": "dedicated"}) == (
        "instanceTenancy",
    )


def test_turning_a_transit_gateways_default_tables_back_on_replaces_it() -> None:
    gateway = "aws:ec2transitgateway/transitGateway:TransitGateway"
    off, on = {"defaultRouteTableAssociation": "disable"}, {"defaultRouteTableAssociation": "enable"}
    assert forcing(gateway, ["defaultRouteTableAssociation"], off, on) == ("defaultRouteTableAssociation",)
    assert forcing(gateway, ["defaultRouteTableAssociation"], on, off) == ()
    assert forcing(gateway, ["amazonSideAsn"], {"amazonSideAsn": 64512}, {"amazonSideAsn": 64513}) == ()
