"""What every command shares: exit codes, bad input answered as located lines, and ``--out`` files.

- Exit codes: 0 done (or no change, or clean), 1 changes (``diff``) or a failed check (``verify``),
  2 bad input, 3 a finding at or above ``--fail-on`` (``diff``, ``audit``).
- Bad input: a ``SpecError`` becomes its ``FILE: field.path: problem`` lines on stderr and exit 2,
  never a traceback (``or_exit``); ``GuardedGroup`` is the last resort for input that exhausts
  the interpreter.
- ``--out`` files: written whole or not at all (``write_output``). The text goes to a temporary
  file in the target's own directory (so the final rename stays on one file system and is
  atomic), which then replaces the target. A reader never sees half a state, a failure leaves an
  existing file byte for byte, and a missing directory is an error rather than a directory
  created on the user's behalf.

Only the standard library, typer and the located-problem types are imported here: every command
loads this module, so what it imports is paid by ``kiban --help`` too.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer import _click as click
from typer.core import TyperGroup

from kiban_platform.spec.problems import Problem, SpecError

EXIT_OK = 0
EXIT_CHANGES = 1
EXIT_BAD_INPUT = 2
EXIT_FINDINGS = 3

Result = TypeVar("Result")

SpecArgument = Annotated[Path, typer.Argument(help="platform spec file (YAML), e.g. specs/sample-city.yaml")]
QuietOption = Annotated[bool, typer.Option("--quiet", help="no progress display on the terminal (stderr)")]


class GuardedGroup(TyperGroup):
    """The last resort: input that exhausts the interpreter is bad input (exit 2, the files named), not a traceback.

    Every reader refuses deep nesting and alias bombs itself (spec/source.py, spec/jsonsource.py); this
    catches what a reader missed, so the documented exit codes hold whatever the input. Other exceptions
    are bugs and stay tracebacks, where tests see them.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["kiban.arguments"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (RecursionError, MemoryError) as error:
            arguments: list[str] = ctx.meta.get("kiban.arguments", [])
            outputs = {after for before, after in itertools.pairwise(arguments) if before in ("--out", "-o")}
            files = [a for a in arguments if a not in outputs and Path(a).is_file()] or ["input"]
            for file in files:
                typer.echo(
                    f"{file}: (top level): too large or too deeply nested to read ({type(error).__name__}): refused",
                    err=True,
                )
            raise typer.Exit(EXIT_BAD_INPUT) from None


def or_exit(action: Callable[[], Result]) -> Result:
    """Run ``action``; on bad input print each located problem to stderr and exit 2."""
    try:
        return action()
    except SpecError as error:
        for line in error.lines():
            typer.echo(line, err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def fail(message: str) -> typer.Exit:
    """Print ``message`` to stderr; return the exit (2) for the caller to raise."""
    typer.echo(message, err=True)
    return typer.Exit(EXIT_BAD_INPUT)


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


def write_atomically(out: Path, text: str) -> None:
    """Write the whole file or nothing; a file that cannot be written is bad input, exit 2."""
    or_exit(lambda: write_output(out, text))


def emit(text: str, out: Path | None) -> None:
    """``text`` to stdout, or the whole of it to ``out`` (then ``wrote OUT`` on stderr)."""
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomically(out, text)
        typer.echo(f"wrote {out}", err=True)
