"""Progress of long work (rich's progress display) on stderr, for a person watching.

It is drawn only when stderr is a terminal and ``--quiet`` is not given, on stderr only, and erased
when the work ends, so that stdout (a table, ``--format json``, a state) is never mixed with it and
a log or a pipe gets none of it. The tools report their progress through plain callbacks
(``kiban.render.render(progress=...)``, ``kiban.lab.session.up(progress=...)``) and never import rich;
rich itself is imported only when the display may be shown.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID


def stderr_console() -> Console:
    """Where progress is drawn; tests replace it with a ``Console(force_terminal=True)`` of their own."""
    from rich.console import Console

    return Console(stderr=True)


class Steps:
    """Progress of one command: the step it is on and, where the step counts things, how many so far.

    Use as a context manager; ``step`` is the callback handed to the tools, and does nothing when
    progress is not shown. It may be called from several threads at once (the mock runtime registers
    resources on several); rich's progress takes its own lock.
    """

    def __init__(self, quiet: bool, unit: str = "") -> None:
        self.unit = unit
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self.shown = False
        console = None if quiet else stderr_console()
        if console is not None and console.is_terminal:
            self.shown = True
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.fields[counted]}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
                # stdout stays the command's own: rich would otherwise carry prints during the display to stderr.
                redirect_stdout=False,
            )

    def __enter__(self) -> Steps:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task("starting", total=None, counted="")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def step(self, description: str, done: int | None = None, total: int | None = None) -> None:
        """Now doing ``description``, with ``done`` things (of ``total`` when known) so far, if it counts."""
        if self._progress is None or self._task is None:
            return
        counted = "" if done is None else f"{done}{'' if total is None else f'/{total}'} {self.unit}".rstrip()
        self._progress.update(self._task, description=description, counted=counted)
