"""Test-only entry points for the PDF reader's child processes (fault injection, probes).

The product has no fault hook (no option, no environment variable).  A test replaces the
reader's process target with ``functools.partial(hooked_worker, hook, out)``::

    monkeypatch.setattr(pdf_reader, "worker_main", functools.partial(hooked_worker, "crash"))

``hooked_worker`` runs in the child: it swaps one of :mod:`app.formats.pdf_worker`'s
functions for a faulty one (only in that child), then runs the real ``worker_main``.

* ``crash``: abort when the PDF is opened; ``hang``: sleep forever when it is opened;
* ``oom``: allocate until the memory cap when it is opened;
* ``hang-page``: sleep forever on the worker's second page;
* ``probe``: arm the network sentinels before ``worker_main`` installs its guard, then
  probe from inside the worker and write the answers to ``out`` (JSON).
"""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection
from typing import Any

from app.formats import pdf_worker
from tests import offline_probe


def _forever(*_args: Any) -> Any:
    while True:
        time.sleep(3600)


def _abort(*_args: Any) -> Any:
    os.abort()


def _hog(pymupdf: Any, task: pdf_worker.WorkerTask) -> Any:
    hog = [bytearray(64 * 1024 * 1024) for _ in range(1 << 16)]
    del hog
    return _real_open(pymupdf, task)


_real_open = pdf_worker.open_document
_real_extract = pdf_worker.extract_page


def _hang_second_page() -> Any:
    seen: list[int] = []

    def extract(doc: Any, index: int, task: pdf_worker.WorkerTask) -> Any:
        seen.append(index)
        if len(seen) == 2:
            _forever()
        return _real_extract(doc, index, task)
    return extract


def _probing(out: str) -> Any:
    def open_document(pymupdf: Any, task: pdf_worker.WorkerTask) -> Any:
        offline_probe.write(out)
        return _real_open(pymupdf, task)
    return open_document


def hooked_worker(hook: str, out: str | None, conn: Connection,
                  task: pdf_worker.WorkerTask) -> None:
    if hook == "hang-page":
        pdf_worker.extract_page = _hang_second_page()
    elif hook == "probe":
        assert out is not None
        offline_probe.arm()
        pdf_worker.open_document = _probing(out)
    else:
        faulty = {"crash": _abort, "hang": _forever, "oom": _hog}[hook]
        setattr(pdf_worker, "open_document", faulty)  # noqa: B010 (types differ on purpose)
    pdf_worker.worker_main(conn, task)
