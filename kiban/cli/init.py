"""``kiban init DIR``: a city's own Pulumi project, outside kiban's checkout, that calls kiban's program.

The project holds what is the city's (its Pulumi.yaml, its stacks, specs and plans) and a
three-line ``__main__.py`` calling ``kiban_platform.program.main``; kiban itself comes from
``requirements.txt``. Everything is written in a scratch folder first and then moved into place,
so a failure leaves no half-made project.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

EXIT_BAD_INPUT = 2
DEFAULT_STACK = "city-openstack"
SPEC_FILE = "specs/city.yaml"
# Pulumi's rule for stack names: letters, digits, hyphens, underscores and periods.
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class InitError(Exception):
    """The project cannot be made there; the message says why."""


def _scaffold(name: str) -> str:
    return (importlib.resources.files("kiban") / "scaffold" / name).read_text(encoding="utf-8")


def _kiban_requirement() -> str:
    try:
        version = importlib.metadata.version("kiban")
    except importlib.metadata.PackageNotFoundError:
        return "kiban"
    return f"kiban=={version}"


def stack_file_text(stack: str) -> str:
    """A starting stack: the starting spec on OpenStack with default settings."""
    return f"""# Stack {stack}: the platform of {SPEC_FILE} on OpenStack (every key: docs/OPENSTACK.md in kiban).
# Render it offline with `kiban render --stack {stack} --out state.json` from this project.
# Placement comes from plans/city.json once you make it (kiban plan {SPEC_FILE} --format json
# --out plans/city.json), else it is planned on each run.
config:
  kiban:spec: {SPEC_FILE}
  kiban:target: openstack
  kiban:openstack: {{}}
"""


def project_files(stack: str) -> dict[str, str]:
    """Every file of a new project, by path relative to it."""
    requirements = (
        "# What the Pulumi program needs: kiban and, through it, Pulumi and the providers.\n"
        "# Pin the kiban you tested with (or name its wheel file).\n"
        f"{_kiban_requirement()}\n"
    )
    return {
        "Pulumi.yaml": _scaffold("Pulumi.yaml"),
        "__main__.py": _scaffold("__main__.py"),
        "requirements.txt": requirements,
        f"stacks/Pulumi.{stack}.yaml": stack_file_text(stack),
        SPEC_FILE: _scaffold(SPEC_FILE),
        "plans/.gitkeep": "",
    }


def init_project(folder: Path, stack: str = DEFAULT_STACK, force: bool = False) -> list[Path]:
    """Write a new project into ``folder``; InitError when it is not empty (unless ``force``) or cannot be made.

    ``force`` writes into a non-empty folder, replacing the project's own files and leaving others.
    Returns the files written.
    """
    if not STACK_NAME.match(stack):
        raise InitError(f"--stack {stack!r}: a stack name has only letters, digits, '-', '_' and '.'")
    if folder.exists() and not folder.is_dir():
        raise InitError(f"{folder}: exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise InitError(f"{folder}: not empty; give an empty or new folder (or --force to write into it)")
    parent = folder.resolve().parent
    if not parent.is_dir():
        raise InitError(f"{folder}: the folder {parent} does not exist (kiban does not create it)")
    files = project_files(stack)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".init", dir=parent))
    except OSError as error:
        raise InitError(f"{folder}: cannot write in {parent}: {error.strerror}") from None
    try:
        for relative, text in files.items():
            path = scratch / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if not folder.exists():
            # mkdtemp makes a private folder; the project gets the permissions any new folder would.
            umask = os.umask(0)
            os.umask(umask)
            scratch.chmod(0o777 & ~umask)
            scratch.rename(folder)
        else:
            for relative in files:
                (folder / relative).parent.mkdir(parents=True, exist_ok=True)
                (scratch / relative).replace(folder / relative)
    except OSError as error:
        raise InitError(f"{folder}: cannot write: {error.strerror}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [folder / relative for relative in files]


def init_command(
    folder: Annotated[Path, typer.Argument(help="the new project's folder (empty or new)")],
    stack: Annotated[str, typer.Option(help="the starting stack's name: stacks/Pulumi.<STACK>.yaml")] = DEFAULT_STACK,
    force: Annotated[bool, typer.Option(help="write into a non-empty folder, replacing the project's files")] = False,
) -> None:
    """Make a city's own Pulumi project: Pulumi.yaml, a __main__.py calling kiban, a stack, a starting spec."""
    try:
        written = init_project(folder, stack, force)
    except InitError as error:
        typer.echo(f"init: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for path in written:
        typer.echo(f"wrote {path}", err=True)
    typer.echo(
        f"next: cd {folder} && kiban validate {SPEC_FILE} && kiban render --stack {stack} --out state.json\n"
        f"      (pulumi up --stack {stack} needs the Pulumi CLI and `pip install -r requirements.txt` in .venv)"
    )
