"""The rehearsal's files, computed without root: the lab's playbook, sshd configuration and accounts."""

from __future__ import annotations

from pathlib import Path

import yaml

from kiban.lab.session import platform_inventory
from kiban.lab.ssh import SshFiles, lab_playbook, passwd_with, ssh_inventory, sshd_config
from kiban.verify.hostvars import connection_vars
from tests.conftest import SMALL_CITY, SMALL_MANAGEMENT


def _document(tmp_path: Path) -> dict[str, object]:
    spec = tmp_path / "city.yaml"
    spec.write_text(SMALL_CITY + SMALL_MANAGEMENT, encoding="utf-8")
    return platform_inventory(spec)


class _KeepUnsafe(yaml.SafeLoader):
    pass


_KeepUnsafe.add_constructor("!unsafe", lambda loader, node: ("unsafe", loader.construct_scalar(node)))  # type: ignore[arg-type]


def test_the_lab_playbook_keeps_the_host_firewall_task_and_its_handler_only(tmp_path: Path) -> None:
    play = yaml.load(lab_playbook(_document(tmp_path)), Loader=_KeepUnsafe)[0]
    copies = [task["ansible.builtin.copy"]["dest"] for task in play["tasks"] if "ansible.builtin.copy" in task]
    assert copies == ["/etc/nftables.conf"]
    assert [handler["name"] for handler in play["handlers"]] == ["Load the host firewall"]
    assert play["become"] is True and play["hosts"] == "all"
    kind, firewall = play["vars"]["kiban_config"]["full-app-1"]["nftables"]
    assert kind == "unsafe", "the file contents stay !unsafe: Ansible must not template them"
    assert "table inet kiban" in firewall and "tcp dport 2222 accept" in firewall


def test_sshd_follows_the_management_section(tmp_path: Path) -> None:
    ssh = SshFiles(tmp_path / "ssh")
    config = sshd_config({"user": "kiban-ops", "ssh_port": 2222}, ssh, "kr-full-app-1")
    assert "Port 2222\n" in config and "AllowUsers kiban-ops\n" in config
    assert "AuthorizedKeysFile /etc/ssh/authorized_keys\n" in config and "PasswordAuthentication no\n" in config
    assert f"PidFile {ssh.pid_file('kr-full-app-1')}\n" in config
    accounts = passwd_with("kiban-ops", ssh.home).splitlines()
    assert accounts[-1] == f"kiban-ops:*:0:0:kiban lab management:{ssh.home}:/bin/sh"
    assert sum(line.startswith("kiban-ops:") for line in accounts) == 1
    assert any(line.startswith("root:") for line in accounts), "this machine's accounts are kept"


def test_the_ssh_inventory_is_kiban_inventorys_with_the_lab_client_configuration(tmp_path: Path) -> None:
    ssh = SshFiles(tmp_path / "ssh")
    inventory = ssh_inventory(_document(tmp_path), ssh)
    # What Ansible gives the host: kiban's inventory keeps what hosts share in group variables.
    app = connection_vars(inventory, "full-app-1") | inventory["all"]["hosts"]["full-app-1"]
    assert (app["ansible_user"], app["ansible_port"], app["ansible_become"]) == ("kiban-ops", 2222, True)
    assert app["ansible_ssh_common_args"] == "-o ProxyJump=kiban-ops@10.20.3.4:2222"
    assert "kiban_netns" not in app, "reached over SSH, not through its namespace"
    assert inventory["all"]["vars"]["ansible_ssh_extra_args"] == f"-F {ssh.client_config}"
