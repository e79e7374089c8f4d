"""Child processes end with the application that started them.

A ``spawn`` child of a :class:`concurrent.futures.ProcessPoolExecutor` holds both ends of its
call queue's pipe, so it never sees end-of-file when the application dies or leaves through
``os._exit`` (a crash, a kill, ``PASSERELLE_EXIT_AFTER_SHOW``): it would wait for work forever.
:func:`exit_with_parent` watches the parent process id from a daemon thread and leaves as soon
as the child has been re-parented.  (``PR_SET_PDEATHSIG`` is no substitute: it fires when the
*thread* that started the child ends, and pools are started from worker threads.)
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

POLL_S = 0.5


def exit_with_parent(poll_s: float = POLL_S) -> None:
    """Start the watcher in this (child) process."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


BACKGROUND_NICE = 10


def lower_priority(increment: int = BACKGROUND_NICE) -> None:
    """Run this (child) process below the window's priority: on a 2-core machine its work
    would otherwise take the CPU the GUI thread needs to answer within a frame.  An idle
    machine still gives it every free core."""
    try:
        os.nice(increment)
    except OSError as exc:  # a sandbox may refuse: keep the normal priority
        logging.getLogger(__name__).debug("Could not lower the priority: %s", exc)


WORKER_NICE = 5  # the GUI's own worker threads: below the GUI thread, above the children


def lower_thread_priority(nice: int = WORKER_NICE) -> None:
    """Run this thread, and the threads it starts from now on (CTranslate2's, when it loads
    a model here), at ``nice`` at least: on two cores, a job's threads at the GUI thread's
    priority delay its repaints.  Linux keeps a nice value per thread; elsewhere nothing."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
    except OSError as exc:
        logging.getLogger(__name__).debug("Could not lower the thread's priority: %s", exc)
