"""Each host runs its role's service on its declared ports, nothing else listens, and time is in sync."""

from __future__ import annotations

from typing import Any

import pytest

from kiban.verify.reachability import management_port

# Besides its service, a host may listen for management (sshd, on the management port) and its DHCP client.
ALWAYS_ALLOWED = {"68/udp"}


def _expand(port: str) -> list[tuple[str, int]]:
    span, protocol = port.split("/")
    first, _, last = span.partition("-")
    return [(protocol, number) for number in range(int(first), int(last or first) + 1)]


def _open_to_others(spec: str) -> str | None:
    """'tcp://0.0.0.0:443' -> '443/tcp'; None for loopback-only and unix sockets."""
    protocol, _, rest = spec.partition("://")
    if protocol not in ("tcp", "udp"):
        return None
    address, _, port = rest.rpartition(":")
    if address.startswith("127.") or address in ("::1", "[::1]"):
        return None
    return f"{port}/{protocol}"


_LISTENING: dict[str, set[str]] = {}


def _listening(host: Any, host_name: str) -> set[str]:
    """Ports the host listens on for other hosts (any address but loopback), asked once per run."""
    if host_name not in _LISTENING:
        sockets = host.socket.get_listening_sockets()
        _LISTENING[host_name] = {port for spec in sockets if (port := _open_to_others(spec))}
    return _LISTENING[host_name]


def _declared(facts: dict[str, Any]) -> set[str]:
    return {f"{number}/{protocol}" for port in facts["kiban_ports"] for protocol, number in _expand(port)}


def test_declared_ports_listen(host: Any, host_name: str, facts: dict[str, Any]) -> None:
    closed = sorted(_declared(facts) - _listening(host, host_name))
    assert not closed, f"{host_name} ({facts['kiban_role']}, area {facts['kiban_area']}) does not listen on {closed}"


def test_nothing_unexpected_listens(
    host: Any, host_name: str, facts: dict[str, Any], inventory: dict[str, Any]
) -> None:
    declared, listening = _declared(facts), _listening(host, host_name)
    unexpected = sorted(listening - declared - ALWAYS_ALLOWED - {management_port(inventory)})
    assert not unexpected, (
        f"{host_name} ({facts['kiban_role']}, area {facts['kiban_area']}) also listens on {unexpected}"
    )


def test_time_is_in_sync(host: Any, host_name: str, facts: dict[str, Any], in_lab: bool) -> None:
    if in_lab:
        pytest.skip("lab namespaces share this machine's clock; reaching the time service is checked as a flow")
    tracking = host.run("chronyc -n tracking")
    assert tracking.rc == 0, f"{host_name}: chrony is not running: {tracking.stderr.strip()}"
    assert "Leap status     : Normal" in tracking.stdout, f"{host_name}: time not in sync:\n{tracking.stdout}"
