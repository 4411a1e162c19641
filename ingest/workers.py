"""Reading and embedding files in worker processes (``xxgk ingest --workers N``).

Workers only read: each parses one file and embeds its passages, and hands both back.
The parent writes every report in its own transaction, in the order the files were
given, so a batch read by many workers is stored exactly as a batch read by one, and a
worker that is killed can leave nothing half-written. A file whose worker died is read
once more in a fresh pool; if that one dies too, the file fails with the reason.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .models import ParsedReport

WORKER_DIED = ("the process reading this file stopped (killed, or out of memory) twice; "
               "ingest it alone to see why")


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass(frozen=True)
class EmbeddingRecipe:
    """How a worker builds its own copy of the parent's embedding function (Chroma's
    get_config / build_from_config), with its share of the cores."""

    kind: type
    config: dict[str, Any]

    @classmethod
    def of(cls, embedding: Any, workers: int) -> EmbeddingRecipe:
        config = dict(embedding.get_config())
        if hasattr(embedding, "threads"):  # a model that takes a thread count (USE)
            config["threads"] = max(1, available_cores() // max(1, workers))
        return cls(type(embedding), config)

    def build(self) -> Any:
        return self.kind.build_from_config(self.config)


@dataclass(frozen=True)
class ReadOutcome:
    """A file read by a worker: the parsed report and one vector per passage, or why not."""

    parsed: ParsedReport | None = None
    vectors: list | None = None
    error: str | None = None


# read(path, overrides, max_bytes) -> ParsedReport, raising InputError: pipeline.read_report
# (passed in, and pickled by name, so this module needs nothing of the pipeline's)
Reader = Callable[[Path, Any, int], ParsedReport]

_EMBEDDING: Any = None
_READ: Reader | None = None
_MAX_BYTES = 0


def _die_with(parent: int) -> None:
    """A worker whose parent is killed (kill -9, out of memory) must not live on, holding
    the parent's terminal and pipes: it exits when the parent is gone."""
    try:  # Linux: the kernel sends the signal the moment the parent dies
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # died before the signal was asked for
        os._exit(1)

    def watch() -> None:  # elsewhere, and as a second line: poll for the parent
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="xxgk-parent-watch", daemon=True).start()


def _start_worker(recipe: EmbeddingRecipe, read: Reader, max_bytes: int, parent: int) -> None:
    global _EMBEDDING, _READ, _MAX_BYTES
    _die_with(parent)
    _EMBEDDING = recipe.build()
    _READ = read
    _MAX_BYTES = max_bytes


def _read_and_embed(path: Path, overrides: Any) -> ReadOutcome:
    assert _READ is not None, "the worker was not started by ReadingPool"
    try:
        parsed = _READ(path, overrides, _MAX_BYTES)
    except InputError as exc:
        return ReadOutcome(error=str(exc))
    texts = [p.text for p in parsed.passages]
    vectors = list(_EMBEDDING(texts)) if texts else []
    return ReadOutcome(parsed, vectors)


class ReadingPool:
    """Worker processes reading files; results come back in the order asked."""

    def __init__(self, workers: int, recipe: EmbeddingRecipe, read: Reader, max_bytes: int):
        self.workers = workers
        self.recipe = recipe
        self.read_file = read
        self.max_bytes = max_bytes

    def _pool(self) -> ProcessPoolExecutor:
        # spawn: a fork of a process holding Chroma's and torch's threads can hang
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker,
                                   initargs=(self.recipe, self.read_file, self.max_bytes, os.getpid()))

    def read(self, files: Sequence[tuple[Path, Any]]) -> Iterator[ReadOutcome]:
        """One outcome per (path, overrides), in order; at most a few files ahead in memory."""
        pool = self._pool()
        window = 2 * self.workers
        pending: dict[int, Future] = {}
        try:
            for n in range(len(files)):
                for ahead in range(n, min(len(files), n + window)):
                    if ahead not in pending:
                        pending[ahead] = pool.submit(_read_and_embed, *files[ahead])
                try:
                    outcome = pending.pop(n).result()
                except BrokenProcessPool:  # files in flight are read again, this one first
                    pending.clear()
                    pool = self._replace(pool)
                    try:
                        outcome = pool.submit(_read_and_embed, *files[n]).result()
                    except BrokenProcessPool:
                        pool = self._replace(pool)
                        outcome = ReadOutcome(error=f"{files[n][0]}: {WORKER_DIED}")
                yield outcome
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _replace(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        broken.shutdown(wait=False, cancel_futures=True)
        return self._pool()
