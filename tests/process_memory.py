"""Peak memory of a process and its descendants (the fork server, the sheet reader), read
from /proc: for the hostile-input tests and the import benchmark."""

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:  # the process ended meanwhile (a reader that has finished)
        return found
    for task in tasks:
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        total += _status_kib(current, "VmRSS") * 1024
        pending += _children(current)
    return total


@dataclass
class Peak:
    bytes: int = 0


class PeakMemory:
    """``with memory.measure() as peak:`` the highest resident size of the process tree while
    the block ran: the server's own high-water mark (reset first) or a 10 ms sample of the
    whole tree, whichever is higher."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    @contextmanager
    def measure(self) -> Iterator[Peak]:
        peak = Peak()
        # "5" resets VmHWM to the current RSS (Linux; needs the process's owner or root).
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak.bytes = max(peak.bytes, tree_rss(self.pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield peak
        finally:
            stop.set()
            sampler.join()
            peak.bytes = max(peak.bytes, _status_kib(self.pid, "VmHWM") * 1024)
