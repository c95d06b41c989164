"""Stand-ins for each role's service: one process listening in every lab namespace.

A socket belongs to the network namespace it was created in, so one process can enter
each namespace in turn, open that host's sockets, and serve them all from one event
loop: a few megabytes for the whole lab instead of a process per host. TCP connections
are accepted and closed after a greeting; UDP datagrams are echoed, which is how the
probe tells a reachable UDP service from silence.

Run as ``python -m lab.listener PLAN.json``; PLAN lists namespaces and their ports.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys
from pathlib import Path
from typing import cast

from pyroute2 import netns


def _open_sockets(namespace: str, ports: list[str]) -> list[tuple[socket.socket, str]]:
    netns.pushns(namespace)
    try:
        opened = []
        for port in ports:
            span, protocol = port.split("/")
            first, _, last = span.partition("-")
            for number in range(int(first), int(last or first) + 1):
                kind = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
                sock = socket.socket(socket.AF_INET, kind)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("0.0.0.0", number))
                if protocol == "tcp":
                    sock.listen(64)
                sock.setblocking(False)
                opened.append((sock, protocol))
        return opened
    finally:
        netns.popns()


class _Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's datagram transport has sendto() without subclassing DatagramTransport.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | bytes | int, ...]) -> None:
        self.transport.sendto(data, addr)


async def _greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"kiban-lab\n")
    await writer.drain()
    writer.close()


async def serve(plan: dict[str, list[str]]) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    servers = []
    for namespace, ports in sorted(plan.items()):
        for sock, protocol in _open_sockets(namespace, ports):
            if protocol == "tcp":
                servers.append(await asyncio.start_server(_greet, sock=sock))
            else:
                await loop.create_datagram_endpoint(_Echo, sock=sock)
    print("ready", flush=True)  # the parent waits for this line before it reports the lab up
    await stop.wait()
    for server in servers:
        server.close()


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    asyncio.run(serve(plan))


if __name__ == "__main__":
    main()
