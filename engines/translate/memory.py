"""Translation memory: SQLite (WAL), keyed by model, language pair and normalized sentence.

A re-run is instant: only the sentences the memory lacks reach the engine.  Machine
translations are committed as they stream back (every ``commit_every`` sentences), so a
run killed mid-document resumes where it stopped.  Corrections made by the user
(``origin="user"``) are stored for every model, take priority over machine entries, and
are never overwritten by machine output (they live in their own rows).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from engines.translate.base import Translator
from engines.translate.batch import Indexed, SentenceNotes, StreamingWrapper, stream

log = logging.getLogger(__name__)

MACHINE, USER = "machine", "user"
ANY_MODEL = ""  # user corrections serve every model
FILE_NAME = "memory.sqlite3"
_SQL_CHUNK = 400  # host parameters per query, below SQLite's limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tm (
    model TEXT NOT NULL,
    src TEXT NOT NULL,
    tgt TEXT NOT NULL,
    key TEXT NOT NULL,
    origin TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (key, src, tgt, model, origin)
) WITHOUT ROWID;
"""


def normalize(sentence: str) -> str:
    """The lookup key: NFC, whitespace collapsed, trimmed (case and punctuation kept)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", sentence)).strip()


class TranslationMemory:
    """A thread-safe store: one SQLite connection per thread, WAL journal."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        with self._db() as db:
            db.executescript(_SCHEMA)

    @classmethod
    def open_default(cls, data_dir: Path) -> TranslationMemory:
        return cls(Path(data_dir) / FILE_NAME)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(str(self.path), timeout=30.0)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    def lookup(self, sentences: Iterable[str], model: str, src: str,
               tgt: str) -> dict[str, str]:
        """Known translations of ``sentences`` (by their original text); user first."""
        keys: dict[str, list[str]] = {}
        for s in sentences:
            keys.setdefault(normalize(s), []).append(s)
        found: dict[str, tuple[int, str]] = {}  # key -> (rank, target)
        db = self._db()
        key_list = list(keys)
        for n in range(0, len(key_list), _SQL_CHUNK):
            chunk = key_list[n:n + _SQL_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                f"SELECT key, origin, model, target FROM tm WHERE key IN ({marks}) "
                "AND src = ? AND tgt = ? AND model IN (?, ?)",
                [*chunk, src, tgt, model, ANY_MODEL],
            ).fetchall()
            for key, origin, row_model, target in rows:
                rank = (0 if origin == USER else 2) + (0 if row_model == model else 1)
                if key not in found or rank < found[key][0]:
                    found[key] = (rank, target)
        return {s: target for key, (_, target) in found.items() for s in keys[key]}

    def store(self, pairs: Iterable[tuple[str, str]], model: str, src: str, tgt: str,
              origin: str = MACHINE) -> int:
        """Insert or update entries of ``origin`` (one transaction, committed)."""
        now = time.time()
        rows = [(normalize(s), src, tgt, model, origin, s, t, now) for s, t in pairs]
        if not rows:
            return 0
        db = self._db()
        with db:
            db.executemany(
                "INSERT INTO tm (key, src, tgt, model, origin, source, target, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key, src, tgt, model, origin) "
                "DO UPDATE SET target = excluded.target, updated = excluded.updated",
                rows,
            )
        return len(rows)

    def add_correction(self, source: str, target: str, src: str, tgt: str,
                       model: str = ANY_MODEL) -> None:
        """A user's correction: it wins over machine entries, for every model by default."""
        self.store([(source, target)], model, src, tgt, origin=USER)
        log.info("Correction stored in the translation memory (%s→%s)", src, tgt)

    def count(self, origin: str | None = None) -> int:
        if origin is None:
            return int(self._db().execute("SELECT COUNT(*) FROM tm").fetchone()[0])
        return int(self._db().execute("SELECT COUNT(*) FROM tm WHERE origin = ?",
                                      (origin,)).fetchone()[0])

    def close(self) -> None:
        with self._lock:
            for db in self._connections:
                try:
                    db.close()
                except sqlite3.ProgrammingError:  # closed from another thread's view
                    log.debug("Connection already closed", exc_info=True)
            self._connections.clear()
        self._local = threading.local()


class MemoryTranslator(StreamingWrapper):
    """Serve known sentences from the memory; translate and store only the misses."""

    def __init__(self, inner: Translator, memory: TranslationMemory, model_key: str = "",
                 commit_every: int = 32) -> None:
        super().__init__(inner)
        self.memory = memory
        info = inner.info
        self.model_key = model_key or f"{info.engine}:{info.model_id}:{info.checksum}"
        self.commit_every = max(1, commit_every)
        self.hits = 0
        self.misses = 0

    def translate_unordered(self, texts: Sequence[str], src: str, tgt: str,
                            cancel: threading.Event | None = None) -> Iterator[Indexed]:
        self._notes = {}
        known = self.memory.lookup(texts, self.model_key, src, tgt)
        misses = [i for i, t in enumerate(texts) if t not in known]
        self.hits, self.misses = len(texts) - len(misses), len(misses)
        log.info("Translation memory: %d/%d sentences known", self.hits, len(texts))
        for i, t in enumerate(texts):
            if t in known:
                self._note(t, SentenceNotes(from_memory=True), None)
                yield i, known[t]
        if not misses:
            return
        pending: list[tuple[str, str]] = []
        try:
            for j, out in stream(self.inner, [texts[i] for i in misses], src, tgt, cancel):
                i = misses[j]
                self._note(texts[i], None, texts[i])
                pending.append((texts[i], out))
                if len(pending) >= self.commit_every:
                    self.memory.store(pending, self.model_key, src, tgt)
                    pending = []
                yield i, out
        finally:  # also on cancel or engine failure: keep what was computed
            self.memory.store(pending, self.model_key, src, tgt)

    def close(self) -> None:
        """Release the engine and the memory's connections (the wrapper owns both)."""
        super().close()
        self.memory.close()
