"""Two app sessions acting at once, as two threads of one process (Streamlit runs each session
in its own thread): session A is held inside its action (at the action's `pause` seam) until
session B has started its own and had time to reach the warehouse, then both finish."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

HOLD_SECONDS = 0.5  # how long A stays paused after B started: B is at the warehouse by then
TIMEOUT = 60.0


@dataclass
class Outcome:
    """What one session's action returned, or the exception it raised."""

    value: Any = None
    error: BaseException | None = None
    started: float = 0.0
    finished: float = 0.0

    @property
    def seconds(self) -> float:
        return self.finished - self.started


def overlap(
    first: Callable[[Callable[[], None]], Any], second: Callable[[], Any]
) -> tuple[Outcome, Outcome]:
    """Runs first(pause) in thread A; when A calls pause(), runs second() in thread B and keeps
    A paused HOLD_SECONDS more; returns both outcomes once both threads are done."""
    a_paused, b_started = threading.Event(), threading.Event()
    outcomes = (Outcome(), Outcome())

    def pause() -> None:
        a_paused.set()
        assert b_started.wait(TIMEOUT), "session B never started"
        time.sleep(HOLD_SECONDS)

    def run(index: int, action: Callable[[], Any], started: threading.Event | None) -> None:
        outcome = outcomes[index]
        outcome.started = time.perf_counter()
        if started is not None:
            started.set()
        try:
            outcome.value = action()
        except BaseException as err:  # noqa: BLE001 - the test asserts which, if any
            outcome.error = err
        outcome.finished = time.perf_counter()

    a = threading.Thread(target=run, args=(0, lambda: first(pause), None))
    a.start()
    if not a_paused.wait(TIMEOUT):
        a.join(TIMEOUT)
        raise AssertionError(f"session A never reached its pause: {outcomes[0].error!r}")
    b = threading.Thread(target=run, args=(1, second, b_started))
    b.start()
    a.join(TIMEOUT)
    b.join(TIMEOUT)
    assert not a.is_alive() and not b.is_alive(), "a session hung"
    return outcomes
