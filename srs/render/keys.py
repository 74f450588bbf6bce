"""The terminal key reader of ``srs review``: one key press per action, in cbreak mode, with
resizes read as a redraw (see :class:`TerminalKeys`). A :class:`srs.app.review.KeySource`."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from srs.app.review import END, PAGE, QUIT, Action, Key
from srs.domain.scheduling import Rating

_RESIZED = "\x00resized"  # what TerminalKeys._chars returns when the terminal was resized
_TERMINAL_KEYS: dict[str, Key] = {
    " ": Key(Action.REVEAL),
    "\r": Key(Action.REVEAL),
    "\n": Key(Action.REVEAL),
    **{str(int(r)): Key(Action.ANSWER, r) for r in Rating},
    "u": Key(Action.UNDO),
    "s": Key(Action.SUSPEND),
    "b": Key(Action.BURY),
    "e": Key(Action.EDIT),
    "?": Key(Action.HELP),
    "h": Key(Action.HELP),
    "q": QUIT,
    "\x1b": QUIT,
    "j": Key(Action.SCROLL, lines=1),
    "k": Key(Action.SCROLL, lines=-1),
    "f": Key(Action.SCROLL, lines=PAGE),
}
# Escape sequences of the keys that scroll a long answer (xterm and VT220 forms).
_SEQUENCES: dict[str, Key] = {
    "\x1b[B": Key(Action.SCROLL, lines=1),
    "\x1bOB": Key(Action.SCROLL, lines=1),
    "\x1b[A": Key(Action.SCROLL, lines=-1),
    "\x1bOA": Key(Action.SCROLL, lines=-1),
    "\x1b[6~": Key(Action.SCROLL, lines=PAGE),
    "\x1b[5~": Key(Action.SCROLL, lines=-PAGE),
    "\x1b[H": Key(Action.SCROLL, lines=-END),
    "\x1b[1~": Key(Action.SCROLL, lines=-END),
    "\x1b[F": Key(Action.SCROLL, lines=END),
    "\x1b[4~": Key(Action.SCROLL, lines=END),
}


def _leave_on_signals() -> dict[int, object]:
    """SIGTERM and SIGHUP end the session by unwinding (so the terminal mode is restored and
    a transaction in flight rolls back) instead of killing the process where it stands."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous: dict[int, object] = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, leave)
    return previous


class TerminalKeys:
    """One key press per action (no Enter needed). Ctrl-C and Ctrl-D quit.

    Used as a context manager on a real terminal, it keeps the terminal in cbreak mode (no
    line buffering, no echo; Ctrl-C still interrupts) for the whole session, so a key typed
    while the next card is being saved or drawn is kept, not flushed away as happens when
    the mode is switched for every key (click's ``getchar``), and is not echoed over the
    screen. :meth:`paused` gives the terminal back (for the editor). With a ``getchar`` given
    (tests), keys come from it; without termios, from ``fallback`` (click's, from the command).

    A resized terminal (SIGWINCH) is read as :attr:`Action.REDRAW`: the signal's wake-up byte
    arrives on a pipe that is watched beside the terminal, so nothing is raised inside other
    code and the wait for a key simply ends.
    """

    interactive = True

    def __init__(self, getchar: Callable[[], str] | None = None, fd: int | None = None, fallback: Callable[[], str] | None = None) -> None:
        self._getchar = getchar
        self._fd = fd
        self._fallback = fallback
        self._saved: list[Any] | None = None  # termios attributes
        self._pending: list[str] = []
        self._wakeup: tuple[int, int, int] | None = None  # (read end, write end, previous wake-up fd)

    def __enter__(self) -> TerminalKeys:
        if self._getchar is None and self._fd is not None:
            try:
                import termios
                import tty

                self._saved = termios.tcgetattr(self._fd)
                tty.setcbreak(self._fd, termios.TCSANOW)
            except (ImportError, OSError):
                self._saved = None
            else:
                self._handlers = _leave_on_signals()
                self._watch_resizes()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._restore()
        for signum, handler in getattr(self, "_handlers", {}).items():
            signal.signal(signum, handler)
        if self._wakeup is not None:
            signal.set_wakeup_fd(self._wakeup[2])
            for fd in self._wakeup[:2]:
                os.close(fd)
            self._wakeup = None

    def _watch_resizes(self) -> None:
        winch = getattr(signal, "SIGWINCH", None)
        if winch is None or threading.current_thread() is not threading.main_thread():
            return
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        os.set_blocking(write_end, False)
        previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        self._handlers[winch] = signal.signal(winch, lambda _signum, _frame: None)
        self._wakeup = (read_end, write_end, previous)

    def _restore(self) -> None:
        if self._saved is not None and self._fd is not None:
            import termios

            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The terminal as it was (cooked mode) while another program uses it."""
        if self._saved is None or self._fd is None:
            yield
            return
        import termios
        import tty

        self._restore()
        try:
            yield
        finally:
            tty.setcbreak(self._fd, termios.TCSANOW)

    def _chars(self) -> str:
        if self._getchar is not None:
            return self._getchar()
        if self._saved is not None and self._fd is not None:
            if self._wakeup is not None:
                import select

                ready, _, _ = select.select([self._fd, self._wakeup[0]], [], [])
                if self._wakeup[0] in ready:
                    try:
                        os.read(self._wakeup[0], 512)  # the signals' wake-up bytes
                    except BlockingIOError:
                        pass
                    if self._fd not in ready:
                        return _RESIZED
            data = os.read(self._fd, 64)
            if not data:
                raise EOFError
            return data.decode("utf-8", errors="ignore")
        if self._fallback is None:
            raise EOFError  # no way to read a key: quit
        return self._fallback()

    def read(self) -> Key | None:
        if not self._pending:
            try:
                chars = self._chars()
            except (KeyboardInterrupt, EOFError):
                return QUIT
            if chars == _RESIZED:
                return Key(Action.REDRAW)
            # One read of the terminal may hold several keys typed quickly ("3 "); an escape
            # sequence (an arrow key) is one key, and means nothing here.
            if chars.startswith("\x1b") and len(chars) > 1:
                return _SEQUENCES.get(chars, Key(Action.OTHER))
            self._pending = list(chars)
            if not self._pending:
                return Key(Action.OTHER)
        char = self._pending.pop(0)
        if char in ("\x03", "\x04"):
            return QUIT
        return _TERMINAL_KEYS.get(char.lower(), Key(Action.OTHER))
