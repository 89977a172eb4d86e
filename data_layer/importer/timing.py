"""Wall and CPU time per step of one load (read, validate, write, status periods, commit), kept in
`LoadResult.phases` for benchmarks/ingest.py. CPU counts this process and its finished child
processes (the bounded reader of data_layer/importer/sandbox.py)."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager


def cpu_seconds() -> float:
    """user + sys CPU of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class Phases(dict[str, tuple[float, float]]):
    """step name -> (wall seconds, CPU seconds), summed when a step runs more than once."""

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        t0, c0 = time.perf_counter(), cpu_seconds()
        try:
            yield
        finally:
            wall, cpu = self.get(name, (0.0, 0.0))
            self[name] = (wall + time.perf_counter() - t0, cpu + cpu_seconds() - c0)
