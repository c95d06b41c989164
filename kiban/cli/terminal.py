"""Tables on the terminal (rich), or their plain text in an ``--out`` file.

Command modules import this module inside their command functions: rich is not needed to list the
commands or to run one that prints JSON.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from rich.console import Console, RenderableType

from kiban.cli.common import emit


def stdout_console() -> Console:
    # A pipe gets a wide, colourless console so tables stay on one line per row in logs and files.
    interactive = sys.stdout.isatty()
    return Console(width=None if interactive else 160, no_color=not interactive, highlight=False)


def plain_text(renderable: RenderableType) -> str:
    """A table as plain text 160 columns wide, the form a file gets."""
    capture = Console(width=160, no_color=True, highlight=False, record=True, file=io.StringIO())
    capture.print(renderable)
    return capture.export_text()


def show(renderable: RenderableType, out: Path | None) -> None:
    """A table on the terminal, or its plain text written whole to ``out``."""
    if out is None:
        stdout_console().print(renderable)
    else:
        emit(plain_text(renderable), out)
