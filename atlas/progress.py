"""Progress of a build: stage timings always, bars on long stages when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator


class Progress:
    """`with p.stage("read") as tick:` times a stage into `p.seconds`; `tick(done, total)` moves its bar."""

    def __init__(self, quiet: bool = False, stream=None):
        self.seconds: dict[str, float] = {}
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    @contextmanager
    def stage(self, name: str) -> Iterator[Callable[[int, int], None]]:
        start = time.perf_counter()
        last = [0.0]

        def tick(done: int, total: int) -> None:
            now = time.perf_counter()
            if self.quiet or not self.tty or (now - last[0] < 0.1 and done < total):
                return
            last[0] = now
            width = 30
            fill = int(width * done / max(total, 1))
            self.stream.write(f"\r  {name:<10} [{'#' * fill}{'.' * (width - fill)}] {done}/{total}")
            self.stream.flush()

        try:
            yield tick
        finally:
            secs = time.perf_counter() - start
            self.seconds[name] = self.seconds.get(name, 0.0) + secs
            if not self.quiet:
                pre = "\r" if self.tty else ""
                self.stream.write(f"{pre}  {name:<10} {secs:7.2f} s{' ' * 30}\n")
                self.stream.flush()

    def note(self, text: str) -> None:
        if not self.quiet:
            self.stream.write(text + "\n")
            self.stream.flush()
