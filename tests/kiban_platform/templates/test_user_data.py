"""Cloud-init user data: valid for cloud-init's own schema, and the same whatever else the city changes.

Boot user data carries the host's own settings and its area's fixed platform addresses only; the flow
plan's rules, time sources and client lists are day-two files (tests/templates/test_config.py).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from kiban_platform.network.flows import BOOT_RULE_KINDS, FlowPlan, plan_flows
from kiban_platform.network.hosts import PlannedHost, plan_hosts
from kiban_platform.network.plan import plan_network
from kiban_platform.spec.load import load_spec
from kiban_platform.spec.model import MiddlewareRole
from kiban_platform.templates import area_services, render_user_data, template_name
from tests.conftest import SAMPLE_SPEC

# Debian's cloud-init package ships the schema its `cloud-init schema` command validates against.
CLOUD_INIT_SCHEMA = Path("/usr/lib/python3/dist-packages/cloudinit/config/schemas/schema-cloud-config-v1.json")
PASSWORD = "s3cret-for-test"
RULE = re.compile(r"^\s*ip saddr (\S+) (tcp|udp) dport (\d+(?:-\d+)?) accept$")


@pytest.fixture(scope="module")
def flows_and_hosts() -> tuple[FlowPlan, tuple[PlannedHost, ...]]:
    spec = load_spec(SAMPLE_SPEC)
    network = plan_network(spec)
    return plan_flows(spec, network), plan_hosts(spec, network)


@pytest.fixture(scope="module")
def user_data(flows_and_hosts: tuple[FlowPlan, tuple[PlannedHost, ...]]) -> dict[str, str]:
    """The user data of every VM of the sample city, by host name."""
    spec = load_spec(SAMPLE_SPEC)
    network = plan_network(spec)
    flows, hosts = flows_and_hosts
    services = {area.id: area_services(spec, network, hosts, area.id) for area in spec.areas}
    return {
        host.name: render_user_data(
            host,
            services[host.vm.area],
            flows,
            PASSWORD if host.vm.role == "database" else None,
        )
        for host in hosts
    }


def _hosts(flows_and_hosts: tuple[FlowPlan, tuple[PlannedHost, ...]]) -> tuple[PlannedHost, ...]:
    return flows_and_hosts[1]


def _file(document: dict[str, Any], path: str) -> str:
    content: str = next(item["content"] for item in document["write_files"] if item["path"] == path)
    return content


def test_every_user_data_passes_cloud_inits_schema(user_data: dict[str, str]) -> None:
    schema = json.loads(CLOUD_INIT_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=jsonschema.FormatChecker())
    known_keys = set(schema.get("properties", {})) | {
        key for part in schema.get("allOf", []) for key in _refs_properties(schema, part)
    }
    assert {"write_files", "ntp", "runcmd", "timezone"} <= known_keys
    for name, text in user_data.items():
        assert text.startswith("#cloud-config\n"), name
        document = yaml.safe_load(text)
        errors = [error.message for error in validator.iter_errors(document)]
        assert errors == [], name
        # The schema accepts unknown top-level keys; a typo there would be silently ignored at boot.
        assert set(document) <= known_keys, (name, set(document) - known_keys)


def _refs_properties(schema: dict[str, Any], part: dict[str, Any]) -> Iterator[str]:
    ref = part.get("$ref", "")
    if ref.startswith("#/$defs/"):
        yield from schema["$defs"][ref.removeprefix("#/$defs/")].get("properties", {})


def test_cloud_init_schema_command_accepts_each_template(
    user_data: dict[str, str], flows_and_hosts: tuple[FlowPlan, tuple[PlannedHost, ...]], tmp_path: Path
) -> None:
    """The real validator, once per template (it takes about half a second per file)."""
    one_per_template: dict[str, str] = {}
    for host in _hosts(flows_and_hosts):
        one_per_template.setdefault(template_name(host), host.name)
    assert len(one_per_template) == 8
    for template, name in sorted(one_per_template.items()):
        path = tmp_path / f"{name}.yaml"
        path.write_text(user_data[name], encoding="utf-8")
        result = subprocess.run(
            ["cloud-init", "schema", "--config-file", str(path)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, (template, result.stdout, result.stderr)
        assert "Valid cloud-config" in result.stdout


def test_boot_firewall_is_default_deny_with_the_management_path_only(
    user_data: dict[str, str], flows_and_hosts: tuple[FlowPlan, tuple[PlannedHost, ...]]
) -> None:
    flows, hosts = flows_and_hosts
    for host in hosts:
        ruleset = _file(yaml.safe_load(user_data[host.name]), "/etc/nftables.conf")
        assert "type filter hook input priority filter; policy drop;" in ruleset
        assert "0.0.0.0/0" not in ruleset
        accepted = {match.groups() for line in ruleset.splitlines() if (match := RULE.match(line))}
        planned = {
            (str(rule.source.cidr), rule.port.protocol.value, str(rule.port).split("/")[0])
            for rule in flows.rules
            if rule.destination.id == host.group and rule.kind in BOOT_RULE_KINDS
        }
        assert accepted == planned, host.name


@pytest.mark.skipif(shutil.which("nft") is None, reason="nftables is not installed (scripts/setup.sh installs it)")
def test_host_firewalls_are_valid_nftables(user_data: dict[str, str], tmp_path: Path) -> None:
    rulesets = sorted({_file(yaml.safe_load(text), "/etc/nftables.conf") for text in user_data.values()})
    # One `nft -c` for all of them: each ruleset gets its own table name so they can share a file.
    combined = "\n".join(
        ruleset.replace("table inet kiban {", f"table inet kiban{index} {{") for index, ruleset in enumerate(rulesets)
    )
    path = tmp_path / "all.nft"
    path.write_text(combined, encoding="utf-8")
    result = subprocess.run(["nft", "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert len(rulesets) > 50  # one per host group of the sample


def test_time_sync_starts_at_the_areas_time_service(
    user_data: dict[str, str], flows_and_hosts: tuple[FlowPlan, tuple[PlannedHost, ...]]
) -> None:
    spec = load_spec(SAMPLE_SPEC)
    network = plan_network(spec)
    for host in _hosts(flows_and_hosts):
        ntp = yaml.safe_load(user_data[host.name])["ntp"]
        assert ntp["enabled"] is True and ntp["ntp_client"] == "chrony"
        if host.vm.middleware_role == MiddlewareRole.TIME_NAME:
            assert ntp["servers"] == [], host.name
        else:
            service = network.role_subnet(host.vm.area, MiddlewareRole.TIME_NAME).service_address
            assert ntp["servers"] == [str(service)], host.name


def test_only_database_nodes_carry_the_password_in_a_root_only_file(user_data: dict[str, str]) -> None:
    for name, text in user_data.items():
        if name.startswith("database-"):
            files = yaml.safe_load(text)["write_files"]
            secret = next(item for item in files if item["path"] == "/etc/kiban/database/admin-password")
            assert secret["content"] == PASSWORD and secret["permissions"] == "0600"
        else:
            assert PASSWORD not in text, name


def test_database_node_needs_a_password(flows_and_hosts: tuple[FlowPlan, tuple[PlannedHost, ...]]) -> None:
    spec = load_spec(SAMPLE_SPEC)
    hosts = _hosts(flows_and_hosts)
    database = next(host for host in hosts if host.vm.middleware_role == MiddlewareRole.DATABASE)
    services = area_services(spec, plan_network(spec), hosts, database.vm.area)
    with pytest.raises(ValueError, match="database admin password"):
        render_user_data(database, services, plan_flows(spec, plan_network(spec)))


def test_no_boot_document_names_another_business(user_data: dict[str, str]) -> None:
    """What follows the city is day-two configuration: no host's boot data lists the businesses around it."""
    spec = load_spec(SAMPLE_SPEC)
    for name, text in user_data.items():
        others = [b.id for b in spec.businesses if not name.startswith(f"{b.id}-") and f"{b.id}." in text]
        assert others == [], name
        assert "haproxy.cfg" not in text and "access-control" not in text and "host all all" not in text, name


def test_bastion_allows_only_forwarding_to_sshd_and_admits_its_terminals(user_data: dict[str, str]) -> None:
    document = yaml.safe_load(user_data["bastion-mynumber-1"])
    files = {entry["path"]: entry["content"] for entry in document["write_files"]}
    sshd = files["/etc/ssh/sshd_config.d/91-kiban-bastion.conf"]
    settings = dict(line.split(" ", 1) for line in sshd.splitlines() if line and not line.startswith("#"))
    assert settings == {
        "AllowTcpForwarding": "local",
        "PermitOpen": "*:22",
        "AllowAgentForwarding": "no",
        "AllowStreamLocalForwarding": "no",
        "GatewayPorts": "no",
        "PermitTunnel": "no",
        "X11Forwarding": "no",
    }
    # The port itself is every host's (base sshd settings): where the management path arrives.
    assert "      Port 22\n" in user_data["bastion-mynumber-1"] and "      Port 22\n" in user_data["juki-app-1"]
    accepted = {match.groups() for line in files["/etc/nftables.conf"].splitlines() if (match := RULE.match(line))}
    assert ("192.168.10.0/28", "tcp", "22") in accepted
    assert not [rule for rule in accepted if rule[2] == "22" and rule[0] != "192.168.10.0/28"]


def test_every_other_host_admits_ssh_from_its_areas_bastion_only(user_data: dict[str, str]) -> None:
    bastion_subnets = {"mynumber": "10.10.3.0/25", "lgwan": "10.20.3.0/25", "internet": "10.30.3.0/25"}
    for name, text in user_data.items():
        if name.startswith("bastion-"):
            continue
        area = re.search(r"^\s*KIBAN_AREA=(\S+)$", text, re.MULTILINE)
        assert area is not None
        ssh = {match.group(1) for line in text.splitlines() if (match := RULE.match(line)) and match.group(3) == "22"}
        assert ssh == {bastion_subnets[area.group(1)]}, name
