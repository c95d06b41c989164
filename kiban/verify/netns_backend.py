"""A testinfra backend for a host that is a network namespace on this machine: ``netns://NAME``.

Like testinfra's lxc backend, it runs each command through a prefix, here
``ip netns exec NAME``; the lab's hosts are reached this way, and so is any
namespace an operator builds by hand.
"""

from __future__ import annotations

from typing import Any

import testinfra.backend
from testinfra.backend import base


class NetnsBackend(base.BaseBackend):  # type: ignore[misc]
    NAME = "netns"

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.name = name
        super().__init__(name, *args, **kwargs)

    def run(self, command: str, *args: str, **kwargs: Any) -> base.CommandResult:
        cmd = self.get_command(command, *args)
        out = self.run_local("ip netns exec %s /bin/sh -c %s", self.name, cmd)
        out.command = self.encode(cmd)
        return out


def register() -> None:
    """Make ``netns://`` host specs known to testinfra (idempotent)."""
    testinfra.backend.BACKENDS.setdefault("netns", f"{__name__}.NetnsBackend")
