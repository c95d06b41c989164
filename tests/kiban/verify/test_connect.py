"""How the suite reaches hosts: kiban's inventory by default, the operator's testinfra options when given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiban.lab.session import platform_inventory
from kiban.verify.connect import ConnectionOptions, HostSelectionError, host_spec, select_hosts
from kiban.verify.hostvars import expanded
from kiban.verify.inventory import ansible_inventory
from tests.conftest import SAMPLE_SPEC

# As the suite reads it (conftest): each host with the connection variables its groups give it.
INVENTORY = expanded(ansible_inventory(platform_inventory(SAMPLE_SPEC)))
HOSTS: dict[str, Any] = INVENTORY["all"]["hosts"]
KIBAN = Path("/srv/kiban/hosts.yaml")


def test_by_default_every_host_through_ansible_with_kibans_inventory() -> None:
    assert select_hosts(INVENTORY, None) == dict.fromkeys(HOSTS)
    spec, kwargs = host_spec("juki-app-2", HOSTS["juki-app-2"], KIBAN, ConnectionOptions())
    assert (spec, kwargs) == ("ansible://juki-app-2", {"ansible_inventory": str(KIBAN)})


def test_hosts_option_takes_names_groups_and_written_specs() -> None:
    selected = select_hosts(INVENTORY, "juki-app-2,role_bastion,ssh://ops@juki-web-1:2200")
    assert selected["juki-app-2"] is None
    assert selected["juki-web-1"] == "ssh://ops@juki-web-1:2200"
    assert {name for name in selected if name.startswith("bastion-")} == {
        f"bastion-{area}-{n}" for area in ("mynumber", "lgwan", "internet") for n in (1, 2)
    }
    assert len(selected) == 8
    spec, kwargs = host_spec(
        "juki-web-1", HOSTS["juki-web-1"], KIBAN, ConnectionOptions(sudo=True), selected["juki-web-1"]
    )
    assert (spec, kwargs) == ("ssh://ops@juki-web-1:2200", {"sudo": True})


def test_hosts_option_naming_nothing_is_refused() -> None:
    with pytest.raises(HostSelectionError, match="'nowhere' is neither a host nor a group"):
        select_hosts(INVENTORY, "nowhere")


def test_operators_ansible_inventory_ssh_config_and_sudo_are_passed_not_replaced() -> None:
    options = ConnectionOptions(
        ansible_inventory="/home/ops/site.yaml", ssh_config="/home/ops/.ssh/config", sudo=True, sudo_user="root"
    )
    spec, kwargs = host_spec("juki-app-2", HOSTS["juki-app-2"], KIBAN, options)
    assert spec == "ansible://juki-app-2"
    assert kwargs == {
        "ansible_inventory": "/home/ops/site.yaml",
        "ssh_config": "/home/ops/.ssh/config",
        "sudo": True,
        "sudo_user": "root",
    }


def test_ssh_connection_jumps_through_the_bastion_as_the_operations_account() -> None:
    spec, kwargs = host_spec("juki-app-2", HOSTS["juki-app-2"], KIBAN, ConnectionOptions(connection="ssh"))
    assert spec == "ssh://kiban-ops@10.10.5.5:22"
    assert kwargs == {"sudo": True, "ssh_extra_args": "-o ProxyJump=kiban-ops@10.10.3.4:22"}
    bastion_spec, bastion_kwargs = host_spec(
        "bastion-lgwan-1", HOSTS["bastion-lgwan-1"], KIBAN, ConnectionOptions(connection="ssh")
    )
    assert (bastion_spec, bastion_kwargs) == ("ssh://kiban-ops@10.20.3.4:22", {"sudo": True})


def test_ssh_config_or_extra_args_decide_the_way_in_instead_of_kiban() -> None:
    with_config = ConnectionOptions(connection="ssh", ssh_config="/home/ops/.ssh/config")
    _, kwargs = host_spec("juki-app-2", HOSTS["juki-app-2"], KIBAN, with_config)
    assert "ssh_extra_args" not in kwargs and kwargs["ssh_config"] == "/home/ops/.ssh/config"
    with_args = ConnectionOptions(connection="ssh", ssh_extra_args="-o ProxyJump=me@jump.example")
    _, kwargs = host_spec("juki-app-2", HOSTS["juki-app-2"], KIBAN, with_args)
    assert kwargs["ssh_extra_args"] == "-o ProxyJump=me@jump.example"


def test_paramiko_gets_no_ssh_command_arguments() -> None:
    spec, kwargs = host_spec("juki-app-2", HOSTS["juki-app-2"], KIBAN, ConnectionOptions(connection="paramiko"))
    assert spec == "paramiko://kiban-ops@10.10.5.5:22" and "ssh_extra_args" not in kwargs


def test_lab_hosts_stay_in_their_namespace_unless_a_connection_is_named() -> None:
    facts = {**HOSTS["juki-app-2"], "kiban_netns": "kb-juki-app"}
    assert host_spec("juki-app-2", facts, KIBAN, ConnectionOptions()) == ("netns://kb-juki-app", {})
    assert host_spec("juki-app-2", facts, KIBAN, ConnectionOptions(connection="ansible"))[0] == "ansible://juki-app-2"


def test_area_keeps_the_run_to_that_area_s_hosts() -> None:
    selected = select_hosts(INVENTORY, None, "mynumber")
    assert selected and set(selected) == {
        name for name, facts in HOSTS.items() if facts.get("kiban_area") == "mynumber"
    }
    bastions = select_hosts(INVENTORY, "role_bastion", "mynumber")
    assert set(bastions) == {"bastion-mynumber-1", "bastion-mynumber-2"}, "a group gives its members of the area"


def test_area_refuses_a_host_of_another_area_before_connecting() -> None:
    [lgwan_host] = [name for name, facts in HOSTS.items() if facts.get("kiban_area") == "lgwan"][:1]
    with pytest.raises(HostSelectionError, match=f"{lgwan_host} is in area lgwan: not reachable from area mynumber's"):
        select_hosts(INVENTORY, f"juki-app-2,{lgwan_host}", "mynumber")
    with pytest.raises(HostSelectionError, match="'area_lgwan' has no host in area mynumber"):
        select_hosts(INVENTORY, "area_lgwan", "mynumber")
    with pytest.raises(HostSelectionError, match="--area: 'lg' is not an area of the inventory"):
        select_hosts(INVENTORY, None, "lg")
