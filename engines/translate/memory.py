"""Translation memory: SQLite (WAL), keyed by model, language pair and normalized sentence.

A re-run is instant: only the sentences the memory lacks reach the engine, and a
remembered translation comes back with the notes it was made with (spans repaired,
debris removed, text split), so a re-run reports what the first run did.  The model
key (:func:`engine_key`) holds the engine, the model id and checksum, and the
decoding settings the engine puts in ``EngineInfo.extra`` (beam, files fingerprint
of a model folder…): a different beam or a retrained model never gets stale entries.  Machine
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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from engines.segment import Segment, join_segments, split_sentences
from engines.translate.base import EngineInfo, Translator
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
    notes TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (key, src, tgt, model, origin)
) WITHOUT ROWID;
"""


def engine_key(info: EngineInfo) -> str:
    """The memory's model key for an engine: id, checksum and decoding settings."""
    key = f"{info.engine}:{info.model_id}:{info.checksum}"
    extra = ";".join(f"{k}={v}" for k, v in sorted(info.extra.items()))
    return f"{key}:{extra}" if extra else key


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
            columns = {row[1] for row in db.execute("PRAGMA table_info(tm)")}
            if "notes" not in columns:  # a memory from before notes were kept
                db.execute("ALTER TABLE tm ADD COLUMN notes TEXT NOT NULL DEFAULT ''")

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
        return {s: target for s, (target, _) in self.entries(sentences, model, src, tgt).items()}

    def entries(self, sentences: Iterable[str], model: str, src: str, tgt: str,
                origins: tuple[str, ...] = (USER, MACHINE)) -> dict[str, tuple[str, str]]:
        """``(target, notes JSON)`` of the known ``sentences``; user entries first."""
        keys: dict[str, list[str]] = {}
        for s in sentences:
            keys.setdefault(normalize(s), []).append(s)
        found: dict[str, tuple[int, str, str]] = {}  # key -> (rank, target, notes)
        db = self._db()
        key_list = list(keys)
        for n in range(0, len(key_list), _SQL_CHUNK):
            chunk = key_list[n:n + _SQL_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                f"SELECT key, origin, model, target, notes FROM tm WHERE key IN ({marks}) "
                f"AND src = ? AND tgt = ? AND model IN (?, ?) "
                f"AND origin IN ({','.join('?' * len(origins))})",
                [*chunk, src, tgt, model, ANY_MODEL, *origins],
            ).fetchall()
            for key, origin, row_model, target, notes in rows:
                rank = (0 if origin == USER else 2) + (0 if row_model == model else 1)
                if key not in found or rank < found[key][0]:
                    found[key] = (rank, target, notes)
        return {s: (target, notes) for key, (_, target, notes) in found.items()
                for s in keys[key]}

    def has_corrections(self, src: str, tgt: str) -> bool:
        return self._db().execute("SELECT 1 FROM tm WHERE origin = ? AND src = ? AND tgt = ? "
                                  "LIMIT 1", (USER, src, tgt)).fetchone() is not None

    def correction_keys(self, model: str, src: str, tgt: str) -> list[str]:
        """The (normalized) sources of the user's corrections serving ``model``."""
        rows = self._db().execute(
            "SELECT DISTINCT key FROM tm WHERE origin = ? AND src = ? AND tgt = ? "
            "AND model IN (?, ?)", (USER, src, tgt, model, ANY_MODEL)).fetchall()
        return [str(r[0]) for r in rows]

    def store(self, pairs: Iterable[tuple[str, str]], model: str, src: str, tgt: str,
              origin: str = MACHINE, notes: Mapping[str, str] | None = None) -> int:
        """Insert or update entries of ``origin`` (one transaction, committed);
        ``notes`` maps a source to the JSON notes kept with it."""
        now = time.time()
        notes = notes or {}
        rows = [(normalize(s), src, tgt, model, origin, s, t, now, notes.get(s, ""))
                for s, t in pairs]
        if not rows:
            return 0
        db = self._db()
        with db:
            db.executemany(
                "INSERT INTO tm (key, src, tgt, model, origin, source, target, updated, notes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key, src, tgt, model, origin) "
                "DO UPDATE SET target = excluded.target, updated = excluded.updated, "
                "notes = excluded.notes",
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
    """Serve known units from the memory; translate and store only the misses.

    A unit may be a whole paragraph (engines that translate paragraphs) while the
    user's corrections are stored sentence by sentence: a paragraph the memory lacks
    whose sentences have corrections is translated sentence by sentence, corrected
    sentences from the memory (that composed paragraph is not stored).
    """

    def __init__(self, inner: Translator, memory: TranslationMemory, model_key: str = "",
                 commit_every: int = 32) -> None:
        super().__init__(inner)
        self.memory = memory
        self.model_key = model_key or engine_key(inner.info)
        self.commit_every = max(1, commit_every)
        self.hits = 0
        self.misses = 0

    def translate_unordered(self, texts: Sequence[str], src: str, tgt: str,
                            cancel: threading.Event | None = None) -> Iterator[Indexed]:
        self._notes = {}
        known = self.memory.entries(texts, self.model_key, src, tgt)
        misses = [i for i, t in enumerate(texts) if t not in known]
        self.hits, self.misses = len(texts) - len(misses), len(misses)
        log.info("Translation memory: %d/%d units known", self.hits, len(texts))
        for i, t in enumerate(texts):
            if t in known:
                target, notes = known[t]
                self._note(t, SentenceNotes.from_json(notes).merge(
                    SentenceNotes(from_memory=True)), None)
                yield i, target
        if not misses:
            return
        composed = self._corrected_sentences([texts[i] for i in misses], src, tgt)
        waiting: dict[str, list[int]] = {}
        for i in misses:
            if texts[i] in composed:
                waiting.setdefault(texts[i], []).append(i)
        by_unit: dict[str, list[int]] = {}
        for i in misses:
            if texts[i] not in composed:
                by_unit.setdefault(texts[i], []).append(i)
        units = list(dict.fromkeys([*by_unit, *(
            s.text for t in waiting for s in composed[t][0] if s.text not in composed[t][1])]))
        done: dict[str, str] = {}
        pending: list[tuple[str, str]] = []
        try:
            yield from self._finish_composed(waiting, composed, done)  # all corrected
            for j, out in stream(self.inner, units, src, tgt, cancel):
                unit = units[j]
                self._note(unit, None, unit)
                done[unit] = out
                if unit in by_unit:
                    pending.append((unit, out))
                    if len(pending) >= self.commit_every:
                        self._store(pending, src, tgt)
                        pending = []
                    for i in by_unit[unit]:
                        yield i, out
                yield from self._finish_composed(waiting, composed, done)
        finally:  # also on cancel or engine failure: keep what was computed
            self._store(pending, src, tgt)

    def corrections_for(self, texts: Sequence[str], src: str, tgt: str) -> dict[str, str]:
        """The user's corrections of whole ``texts`` (blocks corrected in one piece)."""
        if not texts or not self.memory.has_corrections(src, tgt):
            return {}
        found = self.memory.entries(texts, self.model_key, src, tgt, origins=(USER,))
        return {t: target for t, (target, _) in found.items()}

    def _store(self, pairs: list[tuple[str, str]], src: str, tgt: str) -> None:
        notes = {s: self._notes[s].to_json() for s, _ in pairs if s in self._notes}
        self.memory.store(pairs, self.model_key, src, tgt, notes=notes)

    def _corrected_sentences(self, texts: list[str], src: str,
                             tgt: str) -> dict[str, tuple[list[Segment], dict[str, str]]]:
        """The texts with a user-corrected sentence: (sentences, corrections)."""
        keys = self.memory.correction_keys(self.model_key, src, tgt) if texts else []
        if not keys:
            return {}
        # Only texts holding a corrected sentence are split (pysbd costs milliseconds).
        holds = re.compile("|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)))
        split = {t: segs for t in dict.fromkeys(texts) if holds.search(normalize(t))
                 and len(segs := split_sentences(t, src)) > 1}
        found = self.memory.entries([s.text for segs in split.values() for s in segs],
                                    self.model_key, src, tgt, origins=(USER,))
        out = {}
        for text, segs in split.items():
            corrections = {s.text: found[s.text][0] for s in segs if s.text in found}
            if corrections:
                out[text] = (segs, corrections)
        return out

    def _finish_composed(self, waiting: dict[str, list[int]],
                         composed: dict[str, tuple[list[Segment], dict[str, str]]],
                         done: dict[str, str]) -> Iterator[Indexed]:
        for text in [t for t in waiting if all(
                s.text in done or s.text in composed[t][1] for s in composed[t][0])]:
            segs, corrections = composed[text]
            outs = [corrections.get(s.text, done.get(s.text, "")) for s in segs]
            notes = SentenceNotes(from_memory=True)
            for s in segs:
                if s.text not in corrections:
                    notes.merge(self._notes.get(s.text))
            self._note(text, notes, None)
            out = join_segments(segs, outs)
            for i in waiting.pop(text):
                yield i, out
    def close(self) -> None:
        """Release the engine and the memory's connections (the wrapper owns both)."""
        super().close()
        self.memory.close()
