"""Worker processes that end with their parent, however the parent ends.

A ``ProcessPoolExecutor`` cleans up its workers when its parent exits normally or raises, but a
parent killed with SIGKILL (or the OOM killer) runs no clean-up: its workers were left alive for
good, re-parented to PID 1, blocked writing a result nobody reads, each holding the collection
file and its ``-wal``/``-shm`` open (issue 21). Every pool srs starts comes from
:func:`process_pool`, whose workers run :func:`die_with_parent` first:

- on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the worker the moment the
  thread that started it ends (pools are started from the command's main thread);
- everywhere, a check that the parent is still the one that started the worker (it may have died
  between the fork and the ``prctl``), and a daemon thread that checks it again every
  :data:`WATCH_SECONDS` (a worker blocked on a pipe still runs that thread), for systems without
  a parent-death signal.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_SECONDS = 0.5


def _parent_death_signal() -> bool:
    """Ask the kernel to SIGKILL this process when its parent ends (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


def die_with_parent(parent: int) -> None:
    """The pool initializer: end this worker when process ``parent`` ends (module docstring).
    Ctrl-C is the parent's to handle: a worker ignores SIGINT (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _parent_death_signal()
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="srs-parent-watch").start()


def process_pool(workers: int, start_method: str | None = None) -> ProcessPoolExecutor:
    """A process pool of ``workers`` whose workers end with this process (module docstring).

    ``start_method`` is a :mod:`multiprocessing` start method (``None``: the platform's default).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(start_method)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=die_with_parent, initargs=(os.getpid(),))
