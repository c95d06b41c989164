"""KB-NET-004: packet filtering on."""

from __future__ import annotations

from kiban.audit.rules.net_004_filtering_on import RULE
from tests.kiban.audit.builders import NETWORK, Export
from tests.kiban.audit.rules.helpers import verdicts


def test_port_security_and_security_groups() -> None:
    export = Export()
    export.add(NETWORK, "ok", {"portSecurityEnabled": True})
    export.add(NETWORK, "flat", {"portSecurityEnabled": False})
    export.add("openstack:networking/port:Port", "bare", {"noSecurityGroups": True})
    assert verdicts(RULE, export) == [
        (True, "ok", ""),
        (False, "flat", "port security disabled on the network"),
        (False, "bare", "port without security groups"),
    ]
