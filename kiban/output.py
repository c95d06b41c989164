"""Writing a command's ``--out`` file: the whole file or nothing, and never a directory made from a typo.

Every command that writes a file goes through ``write_output``: the text goes to a temporary file
in the target's own directory (so the final rename stays on one file system and is atomic), which
then replaces the target. A reader never sees half a state, a failure leaves an existing file byte
for byte, and a missing directory is an error rather than a directory created on the user's behalf.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from kiban_platform.spec.problems import Problem, SpecError


def write_output(out: Path, text: str) -> None:
    """Write ``text`` to ``out`` atomically; SpecError (exit 2) naming the file when it cannot be written."""
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise SpecError(out, [Problem((), "is a directory: give a file name to write")])
    if not folder.is_dir():
        reason = "is not a directory" if folder.exists() else "does not exist"
        raise SpecError(out, [Problem((), f"cannot write: the folder {folder} {reason} (kiban does not create it)")])
    partial = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, prefix=f".{out.name}.", suffix=".partial", delete=False
        ) as handle:
            partial = Path(handle.name)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # A new file gets the usual permissions (mkstemp makes 0600), an existing one keeps its own.
        mode = out.stat().st_mode & 0o777 if out.exists() else 0o666 & ~_umask()
        partial.chmod(mode)
        partial.replace(out)
    except OSError as error:
        if partial is not None:
            with contextlib.suppress(OSError):
                partial.unlink()
        raise SpecError(out, [Problem((), f"cannot write: {error.strerror or error}")]) from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
