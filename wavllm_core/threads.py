"""Running model work in a thread of its own that ends with it.

Why: torch's CPU kernels parallelise with GNU OpenMP, which gives every thread that runs a parallel
region a team of helper threads that lives as long as that thread. Once more threads belong to
teams than there are cores, OpenMP stops spinning between regions and wakes its helpers through the
kernel at every one: on 2 cores a decoding step of wavllm-mini took ~2x as long in a second thread
after the main thread had loaded the model (its team still alive) as in a thread alone. So a
process's long-lived threads (the CLI's main thread, the UI's worker pool) load models and decode
through short-lived threads, and at most one team is alive at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def in_fresh_thread(work: Callable[[], T], name: str = "wavllm-work") -> T:
    """work()'s result, computed in a new thread that ends with it; its exception is raised here."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as error:  # re-raised in the caller's thread below
            failure.append(error)

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
    return result[0]
