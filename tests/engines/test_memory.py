"""Translation memory: instant re-runs, user corrections first, thread safety, resume."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from engines.errors import Cancelled
from engines.translate.base import EngineInfo, Translator
from engines.translate.batch import collect, translate_texts
from engines.translate.chain import build_chain
from engines.translate.memory import (
    FILE_NAME,
    USER,
    MemoryTranslator,
    TranslationMemory,
    normalize,
)

ROOT = Path(__file__).resolve().parents[2]


class Counting(Translator):
    """Upper-cases each sentence; counts the sentences it is asked to translate."""

    def __init__(self, model_id: str = "rev") -> None:
        self.calls = 0
        self.model_id = model_id

    @property
    def info(self) -> EngineInfo:
        return EngineInfo("test", self.model_id)

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        self.calls += len(texts)
        return [t.upper() for t in texts]


SENTENCES = [f"Phrase numéro {i} du rapport." for i in range(40)]


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[TranslationMemory]:
    tm = TranslationMemory(tmp_path / FILE_NAME)
    yield tm
    tm.close()


def test_rerun_is_served_from_memory(memory: TranslationMemory) -> None:
    engine = Counting()
    first = MemoryTranslator(engine, memory).translate_batch(SENTENCES, "fr", "en")
    assert engine.calls == len(SENTENCES)
    again = MemoryTranslator(engine, memory)
    second = again.translate_batch(SENTENCES + ["Une nouvelle phrase."], "fr", "en")
    assert engine.calls == len(SENTENCES) + 1  # only the new sentence reached the engine
    assert second[:-1] == first and again.hits == len(SENTENCES) and again.misses == 1
    notes = again.notes_for(SENTENCES[0])
    assert notes is not None and notes.from_memory


def test_keys_are_model_pair_and_normalized_sentence(memory: TranslationMemory) -> None:
    engine = Counting()
    MemoryTranslator(engine, memory).translate_batch(["Le  rapport\u00a0est prêt."], "fr", "en")
    assert normalize("  Le rapport est prêt. ") == normalize("Le  rapport\u00a0est prêt.")
    MemoryTranslator(engine, memory).translate_batch([" Le rapport est prêt."], "fr", "en")
    assert engine.calls == 1  # whitespace variants share an entry
    MemoryTranslator(engine, memory).translate_batch(["Le rapport est prêt."], "fr", "de")
    other = Counting(model_id="other")
    MemoryTranslator(other, memory).translate_batch(["Le rapport est prêt."], "fr", "en")
    assert engine.calls == 2 and other.calls == 1  # another pair, another model: misses


def test_user_corrections_win_and_are_never_overwritten(memory: TranslationMemory) -> None:
    engine = Counting()
    chain = MemoryTranslator(engine, memory)
    chain.translate_batch(["Le convoi part."], "fr", "en")
    memory.add_correction("Le convoi part.", "The convoy leaves.", "fr", "en")
    assert chain.translate_batch(["Le convoi part."], "fr", "en") == ["The convoy leaves."]
    # Machine output for the same sentence (another run, a forced store) does not win.
    memory.store([("Le convoi part.", "machine text")], chain.model_key, "fr", "en")
    assert chain.translate_batch(["Le convoi part."], "fr", "en") == ["The convoy leaves."]
    assert engine.calls == 1
    # Corrections serve every model.
    other = Counting(model_id="other")
    assert MemoryTranslator(other, memory).translate_batch(
        ["Le convoi part."], "fr", "en") == ["The convoy leaves."]
    assert other.calls == 0 and memory.count(USER) == 1


def test_wal_mode_and_default_location(tmp_path: Path) -> None:
    tm = TranslationMemory.open_default(tmp_path / "data")
    assert tm.path == tmp_path / "data" / FILE_NAME
    tm.store([("a", "b")], "m", "fr", "en")
    mode = sqlite3.connect(tm.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    tm.close()


def test_threads_share_one_memory(memory: TranslationMemory) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for k in range(25):
                memory.store([(f"t{n} s{k}", f"x{k}")], "m", "fr", "en")
                assert memory.lookup([f"t{n} s{k}"], "m", "fr", "en") == {f"t{n} s{k}": f"x{k}"}
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and memory.count() == 150


def test_cancel_keeps_what_was_translated(memory: TranslationMemory) -> None:
    engine = Counting()
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 10:
            cancel.set()

    with pytest.raises(Cancelled):
        collect(MemoryTranslator(engine, memory, commit_every=4), SENTENCES, "fr", "en",
                cancel=cancel, progress=progress)
    stored = memory.count()
    assert 10 <= stored < len(SENTENCES)
    engine.calls = 0
    MemoryTranslator(engine, memory).translate_batch(SENTENCES, "fr", "en")
    assert engine.calls == len(SENTENCES) - stored


def test_chain_model_key_follows_the_glossary(memory: TranslationMemory,
                                              tmp_path: Path) -> None:
    from engines.translate.glossary import Glossary, Term

    engine = Counting()
    build_chain(engine, memory=memory).translate_batch(["Le convoi part."], "fr", "en")
    glossary = Glossary([Term("convoi", "convoy")])
    build_chain(engine, memory=memory, glossary=glossary).translate_batch(
        ["Le convoi part."], "fr", "en")
    assert engine.calls == 2  # a new glossary does not reuse translations made without it


# --- Keys follow decoding settings and model files; notes survive (issue 14) -----------

class DropsCodes(Counting):
    """Translates by upper-casing, but always loses the reference codes."""

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        self.calls += len(texts)
        return [re.sub(r"FR-\d{4}-\d{4}|<\d+>", "", t).upper() for t in texts]


def test_memory_hits_keep_their_flags(memory: TranslationMemory) -> None:
    texts = ["Le dossier FR-2024-0173 est clos.", "Rien à signaler."]
    first = translate_texts(build_chain(DropsCodes(), memory=memory), texts, "fr", "en")
    assert first[0].flags() == ["protected: restored FR-2024-0173"]
    engine = DropsCodes()
    again = translate_texts(build_chain(engine, memory=memory), texts, "fr", "en")
    assert engine.calls == 0  # all from the memory…
    assert [r.text for r in again] == [r.text for r in first]
    assert [r.flags() for r in again] == [r.flags() for r in first]  # …with the same flags
    assert again[0].from_memory and again[0].lost_spans == ["FR-2024-0173"]


def test_memory_from_before_notes_is_migrated(tmp_path: Path) -> None:
    db = tmp_path / FILE_NAME
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE tm (model TEXT NOT NULL, src TEXT NOT NULL, tgt TEXT NOT NULL, "
                    "key TEXT NOT NULL, origin TEXT NOT NULL, source TEXT NOT NULL, target TEXT "
                    "NOT NULL, updated REAL NOT NULL, PRIMARY KEY (key, src, tgt, model, origin)"
                    ") WITHOUT ROWID")
        con.execute("INSERT INTO tm VALUES ('m', 'fr', 'en', 'a', 'machine', 'a', 'b', 0)")
    tm = TranslationMemory(db)
    assert tm.entries(["a"], "m", "fr", "en") == {"a": ("b", "")}
    tm.store([("c", "d")], "m", "fr", "en", notes={"c": '{"debris": ["x>"]}'})
    assert tm.entries(["c"], "m", "fr", "en") == {"c": ("d", '{"debris": ["x>"]}')}
    tm.close()


def _ct2(model: Path, beam: int) -> Translator:
    from engines.translate.ct2 import CT2Translator, DecodeOptions

    return CT2Translator(model, threads=1, options=DecodeOptions(beam_size=beam))


def _misses(chain: Translator, texts: list[str]) -> int:
    translate_texts(chain, texts, "en", "xx")
    assert isinstance(chain, MemoryTranslator)
    return chain.misses


def test_other_beam_is_not_served_the_stale_entry(memory: TranslationMemory,
                                                  toy_model: Path) -> None:
    texts = ["the cat sees the dog .", "the dog sees the cat ."]
    assert _misses(build_chain(_ct2(toy_model, 2), memory=memory), texts) == 2
    assert _misses(build_chain(_ct2(toy_model, 2), memory=memory), texts) == 0
    assert _misses(build_chain(_ct2(toy_model, 4), memory=memory), texts) == 2  # not stale
    assert _misses(build_chain(_ct2(toy_model, 4), memory=memory), texts) == 0


def test_changed_model_folder_invalidates(memory: TranslationMemory, toy_model: Path,
                                          tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(toy_model, folder)
    texts = ["the cat sees the dog ."]
    assert _misses(build_chain(_ct2(folder, 2), memory=memory), texts) == 1
    assert _misses(build_chain(_ct2(folder, 2), memory=memory), texts) == 0
    bin_path = folder / "model.bin"  # "retrained" in place: same name, new file
    data = bin_path.read_bytes()
    bin_path.unlink()
    bin_path.write_bytes(data)
    os.utime(bin_path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert _misses(build_chain(_ct2(folder, 2), memory=memory), texts) == 1


class Paragraphs(Counting):
    def whole_paragraphs(self) -> bool:
        return True


def test_sentence_corrections_serve_paragraph_units(memory: TranslationMemory,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The review pane stores corrections per sentence; an engine that translates whole
    paragraphs still gets them: that paragraph goes sentence by sentence."""
    from engines.translate import memory as memory_module

    split: list[str] = []
    real_split = memory_module.split_sentences
    monkeypatch.setattr(memory_module, "split_sentences",
                        lambda t, lang: split.append(t) or real_split(t, lang))
    engine = Paragraphs()
    paragraph = "Le convoi part. Le rapport est prêt."
    memory.add_correction("Le convoi part.", "The convoy leaves.", "fr", "en")
    result = translate_texts(build_chain(engine, memory=memory), [paragraph, "Autre."],
                             "fr", "en")
    assert result[0].text == "The convoy leaves. LE RAPPORT EST PRÊT."
    assert result[1].text == "AUTRE."
    assert engine.calls == 2  # "Le rapport est prêt." and "Autre."
    assert split == [paragraph]  # only the text holding a corrected sentence was split
    twice = MemoryTranslator(Paragraphs(), memory).translate_batch(
        [paragraph, paragraph], "fr", "en")  # the same paragraph twice in one request
    assert twice == ["The convoy leaves. LE RAPPORT EST PRÊT."] * 2


def test_whole_block_correction_serves_sentence_engines(memory: TranslationMemory) -> None:
    """A block corrected in one piece (its sentences did not pair up) is used whole by
    an engine that translates sentence by sentence."""
    engine = Counting()
    block = "Le convoi part. Le rapport est prêt."
    memory.add_correction(block, "The convoy and its report leave.", "fr", "en")
    result = translate_texts(build_chain(engine, memory=memory), ["  " + block, "Autre."],
                             "fr", "en")
    assert result[0].text == "  The convoy and its report leave." and result[0].from_memory
    assert result[1].text == "AUTRE." and engine.calls == 1


# --- Crash and resume (issue 8) --------------------------------------------------------

CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from engines.translate.base import EngineInfo, Translator
    from engines.translate.batch import translate_texts
    from engines.translate.chain import build_chain
    from engines.translate.memory import TranslationMemory

    class Held(Translator):
        info = EngineInfo("test", "rev")
        done = 0
        def translate_batch(self, texts, src, tgt):
            if Held.done >= 40:  # the crash comes here, mid-run, however fast the machine
                time.sleep(3600)
            Held.done += len(texts)
            return [t.upper() for t in texts]

    blocks = [f"Paragraphe {{i}} : le convoi numéro {{i}} est arrivé." for i in range(200)]
    memory = TranslationMemory(Path({db!r}))
    translate_texts(build_chain(Held(), memory=memory), blocks, "fr", "en")
    print("finished")
""")


def _rows(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return int(con.execute("SELECT COUNT(*) FROM tm").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_killed_run_resumes_with_only_the_missing_sentences(tmp_path: Path) -> None:
    db = tmp_path / FILE_NAME
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=str(ROOT), db=str(db)), encoding="utf-8")
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 120  # a wait, not a speed check
    while _rows(db) < 40 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL  # killed mid-run, not finished
    stored = _rows(db)
    assert 40 <= stored < 200

    class Rev(Counting):
        @property
        def info(self) -> EngineInfo:
            return EngineInfo("test", "rev")

    engine = Rev()
    memory = TranslationMemory(db)
    blocks = [f"Paragraphe {i} : le convoi numéro {i} est arrivé." for i in range(200)]
    results = translate_texts(build_chain(engine, memory=memory), blocks, "fr", "en")
    memory.close()
    assert engine.calls == 200 - stored  # only the sentences the crash lost
    assert [r.text for r in results] == [b.upper() for b in blocks]
