"""Capture real `nft -j list ruleset` JSON for the host-firewall tests (run as root; needs nft and unshare).

Each ruleset is the firewall `kiban playbook` writes for juki-app-1 of the sample city (a My Number
host), as is or with one planted change, loaded by nftables itself in a throwaway network namespace
of this process (`unshare -n`: nothing on the machine is touched) and listed back as libnftables' JSON:

    .venv/bin/python -m tests.kiban.verify.firewalls.capture
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from kiban.lab.session import platform_inventory
from kiban_platform.templates.config import host_files
from tests.conftest import SAMPLE_SPEC

HERE = Path(__file__).resolve().parent
HOST = "juki-app-1"
PLANNED_WEB_RULE = "        ip saddr 10.10.4.0/24 tcp dport 8443 accept\n"
INPUT_RULES_END = '        iif "lo" accept\n'
OTHER_INPUT_TABLE = """
table ip other {
    chain input {
        type filter hook input priority -10; policy accept;
        tcp dport 5432 accept
    }
}
"""
JUMP_CHAIN = """
table inet kiban {
    chain extra {
        tcp dport 9000 accept
    }
    chain input {
        ip saddr 10.10.3.0/25 tcp dport 22 jump extra
        jump extra
    }
}
"""


def playbook_firewall() -> str:
    """The nftables file `kiban playbook` renders for HOST."""
    from kiban_platform.templates.config import _hosts

    document = platform_inventory(SAMPLE_SPEC)
    [host] = [host for host in _hosts(document) if host.name == HOST]
    [nftables] = [file for file in host_files(document, host) if file.key == "nftables"]
    return nftables.content


def planted(base: str) -> dict[str, str]:
    """Each planted ruleset by name: the tester's three widenings, and the other ways a firewall drifts."""

    def added(rule: str) -> str:
        return base.replace(INPUT_RULES_END, INPUT_RULES_END + f"        {rule}\n")

    return {
        "playbook": base,
        "lgwan-onto-ssh": added("ip saddr 10.20.0.0/16 tcp dport 22 accept"),
        "interface-wide": added('iifname "eth0" accept'),
        "ct-state-new": added("ct state new accept"),
        "jump-to-accepting-chain": base + JUMP_CHAIN,
        "policy-accept": base.replace("priority filter; policy drop;", "priority filter; policy accept;", 1),
        "second-table-input-hook": base + OTHER_INPUT_TABLE,
        "wider-port-range": base.replace("ip saddr 10.10.7.0/24 tcp dport 8443 accept", "ip saddr 10.10.7.0/24 tcp dport 8443-8450 accept"),
        "missing-planned-rule": base.replace(PLANNED_WEB_RULE, ""),
        "drop-before-planned-rule": added("ip saddr 10.10.4.0/24 drop"),
        "within-the-plan": added("ip saddr 10.10.4.128/25 tcp dport 8443 counter accept"),
    }  # fmt: skip


def listed(ruleset: str) -> dict[str, Any]:
    """``ruleset`` loaded by nft in a network namespace of its own, listed back as JSON."""
    shown = subprocess.run(
        ["unshare", "-n", "sh", "-c", "nft -f - && nft -j list ruleset"],
        input=ruleset,
        capture_output=True,
        text=True,
        check=True,
    )
    document: dict[str, Any] = json.loads(shown.stdout)
    return document


def main() -> None:
    base = playbook_firewall()
    (HERE / "playbook.nft").write_text(base, encoding="utf-8")
    for name, ruleset in planted(base).items():
        (HERE / f"{name}.json").write_text(json.dumps(listed(ruleset), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
