"""Intranet engines against loopback servers started here (fast; part of ``make test``).

The upstream is a tiny look-alike (tests/faultproxy.py); the same fault proxy runs
against the REAL llama.cpp and LibreTranslate servers in ``make test-intranet``.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from engines import offline
from engines.errors import Cancelled, NetworkBlocked
from engines.llm import GenerationOptions, Message
from engines.remote.config import ServerConfig, allow_pairs, load_servers, parse_servers
from engines.remote.errors import (
    CertificateProblem,
    RedirectRefused,
    ServerAuthError,
    ServerConfigError,
    ServerProtocolError,
    ServerUnavailable,
)
from engines.remote.http import ServerClient, retry_after_seconds, sse_events
from engines.remote.libretranslate import LibreTranslateTranslator
from engines.remote.openai import EstimateTokenizer, OpenAIEngine, RemoteLLMTranslator
from engines.translate.batch import translate_texts
from tests.faultproxy import FakeUpstream, FaultProxy, dead_port

MESSAGES = [Message("system", "Be brief."), Message("user", "Say something about Lyon.")]


@pytest.fixture()
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "key"
    path.write_text("sk-test\n")
    return path


@pytest.fixture()
def upstream():
    with FakeUpstream() as fake:
        yield fake


def server(kind: str, url: str, key_file: Path, **extra: object) -> ServerConfig:
    settings: dict[str, object] = {"backoff": 0.01, "max_backoff": 2, "timeout": 1,
                                   "connect_timeout": 1, **extra}
    lines = ["[servers.s]", f'kind = "{kind}"', f'url = "{url}"', f'api_key_file = "{key_file}"']
    lines += [f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v}" for k, v in settings.items()]
    return parse_servers("\n".join(lines))["s"]


class Waits(list[float]):
    """Records the backoff delays instead of sleeping them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


# --- configuration -----------------------------------------------------------------------

def test_servers_file_parsed_and_validated(tmp_path: Path, key_file: Path) -> None:
    unit = tmp_path / "unit.toml"
    unit.write_text(f'''
[servers.gpu]
kind = "openai"
url = "https://llm.intranet.example:8443/v1/"
api_key_file = "{key_file}"
max_concurrency = 4
[servers.nmt]
kind = "libretranslate"
url = "https://translate.intranet.example"
''')
    user = tmp_path / "user.toml"
    user.write_text('[servers.gpu]\nkind = "openai"\nurl = "http://127.0.0.1:9/v1"\n'
                    '[servers.mine]\nkind = "openai"\nurl = "http://localhost:8080/v1"\n')
    servers = load_servers([unit, user])
    assert servers["gpu"].url == "https://llm.intranet.example:8443/v1"  # unit wins
    assert servers["gpu"].origin == str(unit)
    assert servers["gpu"].api_key() == "sk-test"
    assert servers["mine"].pair == ("localhost", 8080)
    # loopback is always allowed; only the intranet pairs are added
    assert allow_pairs(servers.values()) == [("llm.intranet.example", 8443),
                                             ("translate.intranet.example", 443)]


@pytest.mark.parametrize("entry, message", [
    ('kind = "gpt"\nurl = "http://localhost/v1"', "kind must be"),
    ('kind = "openai"\nurl = "ftp://x/v1"', "url must be"),
    ('kind = "openai"\nurl = "http://llm.intranet.example/v1"', "unencrypted"),
    ('kind = "openai"\nurl = "https://user:pw@llm.example/v1"', "no credentials"),
    ('kind = "openai"\nurl = "https://llm.example:99999/v1"', "port in the url"),
    ('kind = "openai"\nurl = "https://llm.example:0/v1"', "port in the url"),
    ('kind = "openai"\nurl = "https://llm.example:x/v1"', "port in the url"),
    ('kind = "openai"\nurl = "https://llm.example/v1"\napi_key = "sk-123"', "unknown setting"),
    ('kind = "openai"\nurl = "https://llm.example/v1"\nmax_concurrency = 0', "max_concurrency"),
    ('kind = "openai"\nurl = "https://llm.example/v1"\nca_bundle = "/nonexistent.pem"',
     "CA bundle"),
])
def test_invalid_server_entries_refused(entry: str, message: str) -> None:
    with pytest.raises(ServerConfigError, match=message):
        parse_servers(f"[servers.x]\n{entry}\n")


def test_plain_http_to_intranet_only_when_asked() -> None:
    s = parse_servers('[servers.x]\nkind = "openai"\nurl = "http://llm.lan:8000/v1"\n'
                      'insecure_http = true\n')["x"]
    assert s.pair == ("llm.lan", 8000)


def test_api_key_from_the_os_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return {("passerelle", "nmt"): "sk-from-keyring"}.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

        def delete_password(self, service: str, username: str) -> None:
            raise NotImplementedError

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        entry = '[servers.nmt]\nkind = "libretranslate"\nurl = "http://127.0.0.1:1"\n'
        s = parse_servers(entry + 'api_key_keyring = "passerelle/nmt"\n')["nmt"]
        assert s.api_key() == "sk-from-keyring"
        missing = parse_servers(entry + 'api_key_keyring = "passerelle/other"\n')["nmt"]
        with pytest.raises(ServerConfigError, match="no API key in the OS keyring"):
            missing.api_key()
    finally:
        keyring.set_keyring(previous)


def test_unreadable_key_file_is_a_clear_error(tmp_path: Path) -> None:
    s = parse_servers(f'[servers.x]\nkind = "openai"\nurl = "http://127.0.0.1:1/v1"\n'
                      f'api_key_file = "{tmp_path / "absent"}"\n')["x"]
    with pytest.raises(ServerConfigError, match="cannot read its API key file"):
        s.api_key()


# --- HTTP behaviour under faults ------------------------------------------------------------

def test_retry_after_parsing() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_backoff_is_exponential_with_jitter_and_capped(key_file: Path) -> None:
    client = ServerClient(server("openai", "http://127.0.0.1:1/v1", key_file, backoff=1.0,
                                 max_backoff=8.0))
    for attempt, base in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (6, 8.0)):
        delays = {client.backoff(attempt) for _ in range(50)}
        assert all(base / 2 <= d <= base for d in delays), (attempt, delays)
        assert len(delays) > 1  # jitter
    assert client.backoff(1, retry_after=5.0) == 5.0
    assert client.backoff(1, retry_after=60.0) == 8.0  # capped


@pytest.mark.parametrize("faults", [["500"], ["500", "503"], ["stall"], ["malformed"],
                                    ["cut"]])
def test_transient_faults_are_retried(upstream: FakeUpstream, key_file: Path,
                                      faults: list[str]) -> None:
    with FaultProxy(upstream.port, faults, stall_s=2.0) as proxy:
        waits = Waits()
        engine = OpenAIEngine(server("openai", proxy.url + "/v1", key_file),
                              ServerClient(server("openai", proxy.url + "/v1", key_file),
                                           sleep=waits))
        assert engine.models() == ["fake-llm"]
        assert len(waits) == len(faults)
        assert [f for _, _, f in proxy.seen] == [*faults, "pass"]


def test_429_respects_retry_after(upstream: FakeUpstream, key_file: Path) -> None:
    with FaultProxy(upstream.port, ["429", "429"]) as proxy:
        waits = Waits()
        client = ServerClient(server("openai", proxy.url + "/v1", key_file), sleep=waits)
        assert client.get_json("models")["data"][0]["id"] == "fake-llm"
        assert waits == [1.0, 1.0]  # the proxy's Retry-After: 1, not the 0.01 s backoff


def test_persistent_500_gives_up_with_the_reason(upstream: FakeUpstream, key_file: Path
                                                 ) -> None:
    with FaultProxy(upstream.port, ["500"] * 10) as proxy:
        waits = Waits()
        client = ServerClient(server("openai", proxy.url + "/v1", key_file, retries=2),
                              sleep=waits)
        with pytest.raises(ServerUnavailable, match="after 3 attempts: HTTP 500: injected"):
            client.get_json("models")
        assert len(proxy.seen) == 3 and len(waits) == 2


def test_persistent_malformed_json_is_a_protocol_error(upstream: FakeUpstream,
                                                       key_file: Path) -> None:
    with FaultProxy(upstream.port, ["malformed"] * 10) as proxy:
        client = ServerClient(server("openai", proxy.url + "/v1", key_file, retries=1),
                              sleep=Waits())
        with pytest.raises(ServerProtocolError, match="malformed JSON"):
            client.get_json("models")


def test_refused_connection_then_fast_failure(key_file: Path) -> None:
    waits = Waits()
    client = ServerClient(server("openai", f"http://127.0.0.1:{dead_port()}/v1", key_file,
                                 retries=2), sleep=waits)
    with pytest.raises(ServerUnavailable, match="cannot connect"):
        client.get_json("models")
    assert len(waits) == 2
    with pytest.raises(ServerUnavailable, match="moments ago"):  # cool-down: no new attempts
        client.get_json("models")
    assert client.stats.requests == 3


def test_redirect_to_another_host_is_refused_and_not_followed(upstream: FakeUpstream,
                                                              key_file: Path) -> None:
    with FaultProxy(upstream.port, ["redirect"]) as proxy:
        client = ServerClient(server("openai", proxy.url + "/v1", key_file), sleep=Waits())
        with pytest.raises(RedirectRefused, match=r"intranet-evil\.example"):
            client.get_json("models")
        assert len(proxy.seen) == 1  # not retried, not followed


def test_offline_guard_blocks_what_a_redirect_would_reach() -> None:
    """Second line of defence: even a client that followed redirects could not get out."""
    offline.install([("llm.intranet.example", 8443)])
    try:
        with pytest.raises(NetworkBlocked):
            __import__("socket").getaddrinfo("intranet-evil.example", 8080)
        with pytest.raises(NetworkBlocked):
            __import__("socket").getaddrinfo("llm.intranet.example", 8080)  # wrong port
    finally:
        offline.uninstall()


def test_wrong_api_key_is_not_retried(upstream: FakeUpstream, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_text("sk-wrong")
    engine = OpenAIEngine(server("openai", upstream.url + "/v1", bad))
    with pytest.raises(ServerAuthError, match="refused the API key"):
        engine.generate(MESSAGES)
    assert len(upstream.requests) == 1


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl command not available")
def test_untrusted_certificate_is_a_clear_error_and_ca_bundle_fixes_it(
        upstream: FakeUpstream, tmp_path: Path, key_file: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), upstream.handler)
    httpd.owner = upstream  # type: ignore[attr-defined]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"https://127.0.0.1:{httpd.server_address[1]}/v1"
    try:
        with pytest.raises(CertificateProblem, match="set ca_bundle"):
            ServerClient(server("openai", url, key_file), sleep=Waits()).get_json("models")
        trusted = ServerClient(server("openai", url, key_file, ca_bundle=str(cert)))
        assert trusted.get_json("models")["data"][0]["id"] == "fake-llm"
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- OpenAI-compatible engine --------------------------------------------------------------

def test_sse_parsing() -> None:
    lines = iter([": keep-alive", "data: {\"a\": 1}", "", "data: line1", "data: line2", "",
                  "event: x", "data: [DONE]", "", "data: {\"cut"])
    assert list(sse_events(lines)) == ['{"a": 1}', "line1\nline2", "[DONE]"]


def test_stream_and_provenance(upstream: FakeUpstream, key_file: Path) -> None:
    engine = OpenAIEngine(server("openai", upstream.url + "/v1", key_file))
    pieces = list(engine.stream(MESSAGES))
    assert len(pieces) > 3
    assert "".join(pieces).strip() == "Answer to: Say something about Lyon."
    prov = engine.provenance()
    assert prov["server"] == "s" and prov["url"] == upstream.url + "/v1"
    assert prov["model_reported"] == "fake-llm" and prov["server_version"] == "fake-1"
    assert engine.info.model_id == "s:fake-llm"
    sent = upstream.requests[-1][1]
    assert sent["stream"] is True and sent["temperature"] == 0.0 and sent["model"] == "fake-llm"


def test_cut_stream_is_requested_again_without_repeating_text(upstream: FakeUpstream,
                                                              key_file: Path) -> None:
    upstream.extra_words = 40
    reference = "".join(OpenAIEngine(server("openai", upstream.url + "/v1", key_file))
                        .stream(MESSAGES))
    with FaultProxy(upstream.port, ["cut@chat"], cut_after=300) as proxy:
        engine = OpenAIEngine(server("openai", proxy.url + "/v1", key_file))
        shown: list[str] = []
        text = engine.generate(MESSAGES, on_text=shown.append)
        assert [f for _, path, f in proxy.seen if "chat" in path] == ["cut", "pass"]
    assert "".join(shown) == reference  # nothing shown twice, nothing lost
    assert text == reference.strip()


def test_cancel_closes_the_stream(key_file: Path) -> None:
    with FakeUpstream(token_delay=0.02, extra_words=400) as slow:
        engine = OpenAIEngine(server("openai", slow.url + "/v1", key_file))
        cancel = threading.Event()
        got = []
        with pytest.raises(Cancelled):
            for piece in engine.stream(MESSAGES, cancel=cancel):
                got.append(piece)
                if len(got) == 3:
                    cancel.set()
        deadline = __import__("time").monotonic() + 5
        while slow.disconnects == 0 and __import__("time").monotonic() < deadline:
            __import__("time").sleep(0.05)
        assert slow.disconnects == 1  # the server saw the connection close mid-answer
        assert len(got) == 3


def test_generate_many_keeps_order_and_parallelism(upstream: FakeUpstream, key_file: Path
                                                   ) -> None:
    engine = OpenAIEngine(server("openai", upstream.url + "/v1", key_file, max_concurrency=3))
    prompts = [[Message("user", f"question {i}")] for i in range(7)]
    done: list[int] = []
    out = engine.generate_many(prompts, GenerationOptions(max_new_tokens=20), on_done=done.append)
    assert out == [f"Answer to: question {i}" for i in range(7)]
    assert sorted(done) == list(range(7))


def test_documents_share_the_servers_slots(upstream: FakeUpstream, key_file: Path) -> None:
    """Three documents at once, each with its own engine: at most max_concurrency requests
    reach the server together, and it is kept that busy."""
    upstream.answer_delay = 0.1
    config = server("openai", upstream.url + "/v1", key_file, max_concurrency=2)
    engines = [OpenAIEngine(config) for _ in range(3)]
    prompts = [[Message("user", f"part {i}")] for i in range(4)]
    threads = [threading.Thread(target=e.generate_many, args=(prompts,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert upstream.max_inflight == 2


def test_prefill_ignored_by_the_server_is_not_doubled(upstream: FakeUpstream,
                                                      key_file: Path) -> None:
    engine = OpenAIEngine(server("openai", upstream.url + "/v1", key_file))
    # The fake answers "Answer to: <last message>", here the prefill itself.
    text = engine.generate([Message("user", "facts?")], prefix="Answer to:")
    assert not text.startswith("Answer")
    sent = upstream.requests[-1][1]["messages"]
    assert sent[-1] == {"role": "assistant", "content": "Answer to:"}


def test_estimate_tokenizer_round_trips_and_over_counts() -> None:
    tok = EstimateTokenizer()
    text = "Le 12/03/2024, l'unité 3e RI a reçu 4 500 € — «OTAN» 🙂 naïve."
    assert tok.decode(tok.encode(text)) == text
    assert tok.decode(tok.encode(text)[:5]) == "".join(tok.pieces(text)[:5])
    demo = Path(__file__).resolve().parents[2] / ".cache" / "models" / \
        "smollm2-135m-instruct-demo"
    if not (demo / "model.bin").is_file():
        pytest.skip("demo LLM not prepared (make demo-model): no real tokenizer to compare")
    from engines.gguf.tokenizer import GGUFTokenizer

    real = GGUFTokenizer(demo)
    corpus = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "real-fr"
    samples = [text] + [p.read_text(errors="ignore")[:4000] for p in sorted(corpus.glob("*.txt"))
                        ][:5]
    for sample in samples:
        assert len(tok.pieces(sample)) >= len(real.encode(sample, add_special_tokens=False))


def test_llm_translation_on_a_server_names_it(upstream: FakeUpstream, key_file: Path) -> None:
    engine = OpenAIEngine(server("openai", upstream.url + "/v1", key_file))
    translator = RemoteLLMTranslator(engine)
    assert translator.translate_batch(["Bonjour.", "Merci."], "fr", "en") == [
        "Answer to: Bonjour.", "Answer to: Merci."]
    info = translator.info
    assert info.engine == "openai" and info.extra["url"] == upstream.url + "/v1"
    assert info == translator.info  # stable: the translation memory keys on it


# --- LibreTranslate ----------------------------------------------------------------------

def test_libretranslate_batches_q_arrays_in_order(upstream: FakeUpstream, key_file: Path
                                                 ) -> None:
    nmt = LibreTranslateTranslator(server("libretranslate", upstream.url, key_file,
                                          batch_size=3, max_concurrency=2))
    assert nmt.supports("fr", "en") and not nmt.supports("en", "fr")
    texts = [f"Phrase {i}." for i in range(10)]
    assert nmt.translate_batch(texts, "fr", "en") == [f"EN[{t}]" for t in texts]
    posts = [body for path, body, _ in upstream.requests if path == "/translate"]
    assert sorted(len(b["q"]) for b in posts) == [1, 3, 3, 3]
    assert all(b["format"] == "text" and b["api_key"] == "sk-test" for b in posts)
    info = nmt.info
    assert info.engine == "libretranslate" and info.extra["server_version"] == "0.0-fake"


def test_a_failing_block_fails_alone_and_is_listed(upstream: FakeUpstream, key_file: Path
                                                   ) -> None:
    nmt = LibreTranslateTranslator(server("libretranslate", upstream.url, key_file,
                                          batch_size=4, retries=1))
    nmt.client._sleep = Waits()
    texts = ["Premier bloc. Deuxième phrase.", "Un bloc POISON ici.", "Dernier bloc."]
    results = translate_texts(nmt, texts, "fr", "en")
    assert [r.ok for r in results] == [True, False, True]
    assert "crashed on this input" in results[1].error
    assert results[0].text == "EN[Premier bloc.] EN[Deuxième phrase.]"


def test_libretranslate_wrong_key(upstream: FakeUpstream, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_text("nope")
    nmt = LibreTranslateTranslator(server("libretranslate", upstream.url, bad))
    with pytest.raises(ServerAuthError, match="Invalid API key"):
        nmt.translate_batch(["Bonjour."], "fr", "en")
