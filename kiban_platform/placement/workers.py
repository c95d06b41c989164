"""Worker processes that solve sub-problems side by side: ``python -m placement.workers``.

Each worker reads pickled ``(function, arguments)`` frames on stdin and writes the
pickled result for each on stdout. Plain subprocesses, not ``multiprocessing``:
those would fork a process that may run threads (the Pulumi runtime does) or
re-import the caller's main module, and a Pulumi program or a script without a
``__main__`` guard would run again inside every worker. Frames carry only this
package's own data between processes it started itself.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

Result = TypeVar("Result")

_HEADER = struct.Struct("!Q")
_ROOT = str(Path(__file__).resolve().parents[2])


def _write(stream: IO[bytes], value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("worker stream closed")
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("worker stream closed mid-frame")
    return pickle.loads(data)


class WorkerPool:
    """``count`` worker processes; ``map`` runs one call per worker at a time, results in order.

    If a worker cannot be started or dies, the calls run in this process instead: the
    functions are deterministic, so the answers are the same, only slower.
    """

    def __init__(self, count: int) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        # The workers import this package the way this process did, wherever it was run from.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
        try:
            for _ in range(count):
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "kiban_platform.placement.workers"],
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        env=env,
                    )
                )
        except OSError:
            self.close()

    def map(self, function: Callable[..., Result], calls: Sequence[tuple[Any, ...]]) -> list[Result]:
        results: list[Result] = []
        for start in range(0, len(calls), max(1, len(self.processes))):
            batch = calls[start : start + max(1, len(self.processes))]
            results += self._batch(function, batch)
        return results

    def _batch(self, function: Callable[..., Result], batch: Sequence[tuple[Any, ...]]) -> list[Result]:
        if not self.processes:
            return [function(*arguments) for arguments in batch]
        try:
            for process, arguments in zip(self.processes, batch, strict=False):
                assert process.stdin is not None
                _write(process.stdin, (function, arguments))
            answers = []
            for process, _ in zip(self.processes, batch, strict=False):
                assert process.stdout is not None
                answers.append(_read(process.stdout))
        except (OSError, EOFError, pickle.UnpicklingError):
            self.close()
            return [function(*arguments) for arguments in batch]
        results: list[Result] = []
        for answer, arguments in zip(answers, batch, strict=True):
            kind, value = answer
            # A worker that raised is asked again here, so the error surfaces with a local traceback.
            results.append(value if kind == "ok" else function(*arguments))
        return results

    def close(self) -> None:
        for process in self.processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        self.processes = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """Answer frames until the caller closes the stream."""
    while True:
        try:
            function, arguments = _read(source)
        except EOFError:
            return
        try:
            _write(sink, ("ok", function(*arguments)))
        except Exception as error:
            _write(sink, ("error", repr(error)))


if __name__ == "__main__":
    frames = os.fdopen(os.dup(1), "wb")
    # Anything else written to stdout, by Python or by a C library, goes to stderr and cannot corrupt a frame.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, frames)
