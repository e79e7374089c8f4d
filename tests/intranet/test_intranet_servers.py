"""End to end against REAL servers on loopback: llama.cpp's llama-server (SmolLM2 demo GGUF,
2 parallel slots, API key) and LibreTranslate (the lohelp fr→en model as an Argos package,
API keys required), directly and through the fault proxy."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from engines.errors import Cancelled, ModelNotFound
from engines.llm import GenerationOptions, Message
from engines.remote.config import ServerConfig, parse_servers
from engines.remote.errors import RedirectRefused, ServerAuthError, ServerUnavailable
from engines.remote.http import ServerClient
from engines.remote.libretranslate import LibreTranslateTranslator
from engines.remote.openai import OpenAIEngine, RemoteLLMTranslator
from engines.translate.batch import translate_texts
from engines.translate.chain import build_chain
from engines.translate.memory import TranslationMemory
from tests.faultproxy import FaultProxy, dead_port
from tests.intranet.conftest import RunningServer, servers_toml, wait_until

pytestmark = pytest.mark.intranet

LOHELP = ["Cliquez sur OK.", "Saisissez le texte dans la cellule.",
          "Choisissez Format - Caractères.", "Ouvrez le menu Fichier.",
          "Sélectionnez la cellule à modifier.", "Cliquez sur le bouton Enregistrer."]
ASK = [Message("system", "You are a careful analyst."),
       Message("user", "In one sentence: the committee met on 12 March 2024 in Lyon and "
                       "approved a budget of 4,500 euros for new printers.")]


def config(server: RunningServer, tmp: Path, url: str | None = None, **settings: object
           ) -> ServerConfig:
    key = tmp / f"{server.name}.key"
    key.write_text(server.key)
    extra = "".join(f"{k} = {v}\n" for k, v in settings.items())
    return parse_servers(f'[servers.{server.name}]\nkind = "{server.kind}"\n'
                         f'url = "{url or server.url}"\napi_key_file = "{key}"\n'
                         f"backoff = 0.05\nmax_backoff = 5\n{extra}")[server.name]


def proxied(server: RunningServer, proxy: FaultProxy) -> str:
    return proxy.url + ("/v1" if server.kind == "openai" else "")


# --- LibreTranslate -----------------------------------------------------------------------

def test_libretranslate_translates_with_the_real_model(lt_server: RunningServer,
                                                       tmp_path: Path) -> None:
    nmt = LibreTranslateTranslator(config(lt_server, tmp_path, batch_size=4))
    assert nmt.supports("fr", "en") and not nmt.supports("en", "fr")
    out = nmt.translate_batch(LOHELP, "fr", "en")
    assert "OK" in out[0] and "cell" in out[1].lower() and "Format" in out[2]
    info = nmt.info
    assert info.engine == "libretranslate" and info.extra["url"] == lt_server.url
    assert re.fullmatch(r"\d+\.\d+\.\d+", info.version)  # LibreTranslate's own version
    assert "fr-en" in info.extra["model_reported"]
    log = lt_server.log_text()
    assert "Offline boot" in log and "Offline guard: blocked" not in log  # never tried out


def test_libretranslate_requires_the_api_key(lt_server: RunningServer, tmp_path: Path
                                             ) -> None:
    wrong = RunningServer(lt_server.name, lt_server.kind, lt_server.port, "lt-wrong",
                          lt_server.process, lt_server.log, [], None)
    with pytest.raises(ServerAuthError, match="Invalid API key"):
        LibreTranslateTranslator(config(wrong, tmp_path)).translate_batch(["Bonjour."], "fr",
                                                                          "en")


def test_libretranslate_under_the_wrappers_keeps_protected_spans(lt_server: RunningServer,
                                                                 tmp_path: Path) -> None:
    nmt = LibreTranslateTranslator(config(lt_server, tmp_path))
    chain = build_chain(nmt, memory=TranslationMemory(tmp_path / "tm.sqlite3"))
    texts = ["Cliquez sur OK dans la fenêtre ISO-9001 du 12/03/2024."]
    result = translate_texts(chain, texts, "fr", "en")[0]
    assert result.ok and "ISO-9001" in result.text and "12/03/2024" in result.text


def test_libretranslate_faults_through_the_proxy(lt_server: RunningServer, tmp_path: Path
                                                 ) -> None:
    reference = LibreTranslateTranslator(config(lt_server, tmp_path)).translate_batch(
        LOHELP, "fr", "en")
    with FaultProxy(lt_server.port, ["500@translate", "429@translate", "malformed@translate",
                                     "stall@translate"], stall_s=2.0) as proxy:
        nmt = LibreTranslateTranslator(config(lt_server, tmp_path, proxied(lt_server, proxy),
                                              timeout=1, max_concurrency=1))
        assert nmt.translate_batch(LOHELP, "fr", "en") == reference
        faults = [f for _, path, f in proxy.seen if path == "/translate"]
        # Each fault was met once and retried; on a loaded machine an ordinary answer may
        # also miss the 1-s timeout and be retried (more "pass" entries, never fewer).
        assert faults[:4] == ["500", "429", "malformed", "stall"]
        assert faults[4:] and set(faults[4:]) == {"pass"}
        assert nmt.client.stats.retries >= 4


def test_interrupted_job_resumes_from_the_translation_memory(lt_server: RunningServer,
                                                             tmp_path: Path) -> None:
    """The server goes down mid-job: done sentences are in the memory, the others fail and
    are listed; when it is back, only those go to the server."""
    first, second = LOHELP[:3], LOHELP[3:]
    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    with FaultProxy(lt_server.port) as proxy:
        server = config(lt_server, tmp_path, proxied(lt_server, proxy), retries=1)
        chain = build_chain(LibreTranslateTranslator(server), memory=memory)
        assert all(r.ok for r in translate_texts(chain, first, "fr", "en"))
        lt_server.stop()  # outage in the middle of the job
        try:
            results = translate_texts(chain, first + second, "fr", "en")
            assert [r.ok for r in results] == [True] * 3 + [False] * 3
            assert all("HTTP 502" in r.error for r in results[3:])
        finally:
            lt_server.start()
        proxy.seen.clear()
        chain = build_chain(LibreTranslateTranslator(server), memory=memory)  # job re-run
        results = translate_texts(chain, first + second, "fr", "en")
    assert all(r.ok for r in results)
    sent = [p for _, p, _ in proxy.seen if p == "/translate"]
    assert len(sent) == 1  # one batch: only the three sentences that had failed


def test_refused_connection_and_redirect(lt_server: RunningServer, tmp_path: Path) -> None:
    down = config(lt_server, tmp_path, f"http://127.0.0.1:{dead_port()}", retries=1)
    with pytest.raises(ServerUnavailable, match="cannot connect"):
        LibreTranslateTranslator(down).translate_batch(["Bonjour."], "fr", "en")
    with FaultProxy(lt_server.port, ["redirect@translate"]) as proxy:
        nmt = LibreTranslateTranslator(config(lt_server, tmp_path, proxied(lt_server, proxy)))
        with pytest.raises(RedirectRefused, match="never followed"):
            nmt.translate_batch(["Bonjour."], "fr", "en")
        assert len(proxy.seen) == 1


# --- llama.cpp server (OpenAI API) ----------------------------------------------------------

def test_openai_engine_streams_and_names_the_server(llama_server: RunningServer,
                                                    tmp_path: Path) -> None:
    llm = OpenAIEngine(config(llama_server, tmp_path))
    pieces = list(llm.stream(ASK, GenerationOptions(max_new_tokens=48)))
    assert len(pieces) > 3 and "".join(pieces).strip()
    prov = llm.provenance()
    assert prov["url"] == llama_server.url and prov["model_reported"] == "smollm2-135m-instruct"
    assert prov["server_version"]  # llama.cpp's build_info from /props
    assert llm.answered_model == "smollm2-135m-instruct"


def test_wrong_key_refused_by_llama(llama_server: RunningServer, tmp_path: Path) -> None:
    wrong = RunningServer(llama_server.name, llama_server.kind, llama_server.port, "sk-no",
                          llama_server.process, llama_server.log, [], None)
    with pytest.raises(ServerAuthError):
        OpenAIEngine(config(wrong, tmp_path)).models()


def test_cancel_closes_the_connection_and_the_server_stops(llama_server: RunningServer,
                                                           tmp_path: Path) -> None:
    llm = OpenAIEngine(config(llama_server, tmp_path))
    before = llama_server.log_text().count("cancel task")
    cancel = threading.Event()
    got: list[str] = []
    with pytest.raises(Cancelled):
        for piece in llm.stream(ASK, GenerationOptions(max_new_tokens=400), cancel=cancel):
            got.append(piece)
            if len(got) == 3:
                cancel.set()
    assert len(got) == 3
    assert wait_until(lambda: llama_server.log_text().count("cancel task") > before)


def test_cut_stream_is_retried_and_nothing_is_shown_twice(llama_server: RunningServer,
                                                          tmp_path: Path) -> None:
    opts = GenerationOptions(max_new_tokens=64)
    reference = OpenAIEngine(config(llama_server, tmp_path)).generate(ASK, opts)
    with FaultProxy(llama_server.port, ["cut@chat"], cut_after=700) as proxy:
        llm = OpenAIEngine(config(llama_server, tmp_path, proxied(llama_server, proxy)))
        shown: list[str] = []
        text = llm.generate(ASK, opts, on_text=shown.append)
        assert [f for _, p, f in proxy.seen if "chat" in p] == ["cut", "pass"]
    assert text == reference and "".join(shown).strip() == reference


@pytest.mark.parametrize("fault", ["500@chat", "429@chat", "malformed@chat", "stall@models"])
def test_llm_faults_through_the_proxy(llama_server: RunningServer, tmp_path: Path,
                                      fault: str) -> None:
    opts = GenerationOptions(max_new_tokens=24)
    reference = OpenAIEngine(config(llama_server, tmp_path)).generate_many([ASK], opts)
    name, _, where = fault.partition("@")
    # A 2-s stall against a 1-s read timeout, on the model list: a whole completion can
    # take longer than 1 s on a loaded CPU, so the short timeout would fail it too.
    timeout = 1 if name == "stall" else 60
    with FaultProxy(llama_server.port, [fault], stall_s=2.0) as proxy:
        llm = OpenAIEngine(config(llama_server, tmp_path, proxied(llama_server, proxy),
                                  timeout=timeout))
        if name == "stall":
            assert llm.models() == ["smollm2-135m-instruct"]
        else:
            assert llm.generate_many([ASK], opts) == reference
        met = [f for _, p, f in proxy.seen if where in p]
        assert met[0] == name and met[1:] and set(met[1:]) == {"pass"}


def test_redirect_from_the_llm_server_is_refused(llama_server: RunningServer,
                                                 tmp_path: Path) -> None:
    with FaultProxy(llama_server.port, ["redirect@models"]) as proxy:
        llm = OpenAIEngine(config(llama_server, tmp_path, proxied(llama_server, proxy)))
        with pytest.raises(RedirectRefused, match="intranet-evil"):
            llm.models()


def test_two_slots_are_used_at_once(llama_server: RunningServer, tmp_path: Path) -> None:
    llm = OpenAIEngine(config(llama_server, tmp_path, max_concurrency=2))
    busy: list[int] = []
    stop = threading.Event()
    probe = ServerClient(config(llama_server, tmp_path), bounded=False)
    root = llama_server.url.removesuffix("/v1")

    def watch() -> None:
        while not stop.is_set():
            slots = probe.get_json(f"{root}/slots")
            busy.append(sum(1 for s in slots if s.get("is_processing")))
            stop.wait(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        prompts = [[Message("user", f"Write a short paragraph about the number {i}.")]
                   for i in range(4)]
        out = llm.generate_many(prompts, GenerationOptions(max_new_tokens=96))
    finally:
        stop.set()
        watcher.join()
    assert all(out) and max(busy) == 2


def test_llm_translation_on_the_server(llama_server: RunningServer, tmp_path: Path) -> None:
    translator = RemoteLLMTranslator(OpenAIEngine(config(llama_server, tmp_path)))
    out = translator.translate_batch(["Bonjour.", "Merci beaucoup."], "fr", "en")
    assert len(out) == 2 and all(out)
    assert translator.info.extra["server"] == llama_server.name


# --- the application, from the CLI --------------------------------------------------------------

def test_cli_translate_and_summarize_on_servers(lt_server: RunningServer,
                                                llama_server: RunningServer,
                                                isolated_env: Path, lohelp_docx: Path) -> None:
    from app.cli import main as cli

    servers = servers_toml(isolated_env, lt_server, llama_server)
    servers.rename(isolated_env / "unit-servers.toml")
    out = isolated_env / "out.docx"
    assert cli(["translate", str(lohelp_docx), "--from", "fr", "--to", "en", "--engine",
                f"libretranslate:{lt_server.name}", "--out", str(out), "--quiet"]) == 0
    assert out.is_file()
    audit = "\n".join(p.read_text() for p in (isolated_env / "data").rglob("*.jsonl"))
    assert lt_server.url in audit and '"libretranslate"' in audit
    summary = isolated_env / "summary.md"
    assert cli(["summarize", str(lohelp_docx), "--engine", f"openai:{llama_server.name}",
                "--no-key-facts", "--length", "brief", "--out", str(summary), "--quiet"]) == 0
    text = summary.read_text()
    assert f"Made on the intranet server {llama_server.name} ({llama_server.url})" in text
    assert "DEMO-quality model" in text  # the servers file says demo = true


def test_report_names_both_servers(lt_server: RunningServer, llama_server: RunningServer,
                                   isolated_env: Path, lohelp_docx: Path) -> None:
    import docx

    from app.cli import main as cli

    servers_toml(isolated_env, lt_server, llama_server).rename(
        isolated_env / "unit-servers.toml")
    report = isolated_env / "report.docx"
    assert cli(["report", str(lohelp_docx), "--from", "fr", "--to", "en", "--engine",
                f"libretranslate:{lt_server.name}", "--summary-engine",
                f"openai:{llama_server.name}", "--summary-length", "brief",
                "--out", str(report), "--quiet"]) == 0
    cells = "\n".join(c.text for t in docx.Document(str(report)).tables for row in t.rows
                      for c in row.cells)
    assert f"on server {lt_server.name} ({lt_server.url})" in cells
    assert f"on server {llama_server.name} ({llama_server.url}), model smollm2" in cells
    audit = (isolated_env / "data" / "audit.jsonl").read_text()
    assert llama_server.url in audit and lt_server.url in audit


def test_unknown_server_name_is_a_clear_error(isolated_env: Path, lohelp_docx: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main as cli

    assert cli(["summarize", str(lohelp_docx), "--engine", "openai:nowhere", "--quiet"]) == 1
    assert "No openai server named 'nowhere'" in capsys.readouterr().err


def test_server_without_the_pair_says_what_it_offers(lt_server: RunningServer,
                                                     isolated_env: Path) -> None:
    from app.core.config import JobConfig
    from app.pipeline.remote_select import make_remote_translator

    servers_toml(isolated_env, lt_server).rename(isolated_env / "unit-servers.toml")
    job = JobConfig(input=Path("x.docx"), target_lang="fr",
                    engine=f"libretranslate:{lt_server.name}")
    with pytest.raises(ModelNotFound, match="offers fr→en"):
        make_remote_translator(job, "en")


@pytest.fixture()
def lohelp_docx(tmp_path: Path) -> Path:
    """A small French DOCX of LibreOffice-help sentences (the lohelp model's domain)."""
    import docx

    document = docx.Document()
    document.add_heading("Insérer des caractères spéciaux", level=1)
    for sentence in LOHELP:
        document.add_paragraph(sentence)
    path = tmp_path / "aide.docx"
    document.save(str(path))
    return path
