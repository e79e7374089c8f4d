"""Tokenizers rebuilt from GGUF metadata (byte-level BPE and SentencePiece)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from engines.gguf import GGUFTokenizer, GGUFTokenizerError, convert_gguf
from engines.gguf.tiny import TinyConfig, write_tiny_gguf
from engines.gguf.tokenizer import render_chat_template


@pytest.fixture(scope="module")
def bpe_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("bpe")
    gguf_path = write_tiny_gguf(base / "m.gguf", TinyConfig())
    return convert_gguf(gguf_path, base / "model", quantization="int8")


def test_bpe_merges_and_specials(bpe_model: Path) -> None:
    tok = GGUFTokenizer(bpe_model)
    assert tok.encode_tokens("the cat sat on the mat") == [
        "th", "e", "Ġcat", "Ġsat", "Ġon", "Ġthe", "Ġmat",
    ]  # fmt: skip
    assert tok.encode_tokens("<|im_start|>user\nhi<|im_end|>") == [
        "<|im_start|>", "u", "s", "er", "Ċ", "h", "i", "<|im_end|>",
    ]  # fmt: skip
    assert tok.add_bos is False
    assert tok.bos_token == "<|im_start|>" and tok.eos_token == "<|im_end|>"
    assert tok.eos_token_ids == [2] and tok.is_eos(2)


@pytest.mark.parametrize("text", ["héllo wörld ✓ 123", "  two  spaces\n\ttab", "日本語", ""])
def test_bpe_round_trip(bpe_model: Path, text: str) -> None:
    tok = GGUFTokenizer(bpe_model)
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert tok.decode_tokens(tok.ids_to_tokens(ids)) == text


def test_decode_skips_specials_by_default(bpe_model: Path) -> None:
    tok = GGUFTokenizer(bpe_model)
    ids = tok.encode("<|im_start|>the cat<|im_end|>")
    assert tok.decode(ids) == "the cat"
    assert tok.decode(ids, skip_special_tokens=False) == "<|im_start|>the cat<|im_end|>"


def test_chat_template(bpe_model: Path) -> None:
    tok = GGUFTokenizer(bpe_model)
    prompt = tok.apply_chat_template([{"role": "user", "content": "hi"}])
    assert prompt == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    assert tok.encode_chat([{"role": "user", "content": "hi"}])[0] == "<|im_start|>"


def test_chat_template_errors_are_typed() -> None:
    template = "{{ raise_exception('only user and assistant roles') }}"
    with pytest.raises(GGUFTokenizerError, match="only user and assistant"):
        render_chat_template(template, [])


def test_unknown_ids_and_tokens(bpe_model: Path) -> None:
    tok = GGUFTokenizer(bpe_model)
    with pytest.raises(GGUFTokenizerError):
        tok.ids_to_tokens([10**6])
    with pytest.raises(GGUFTokenizerError):
        tok.tokens_to_ids(["not-a-token"])


def test_missing_folder_is_typed(tmp_path: Path) -> None:
    with pytest.raises(GGUFTokenizerError):
        GGUFTokenizer(tmp_path)


# -- SentencePiece ("llama" tokenizer model) ------------------------------------

SPM_TEXTS = [
    "the cat sat on the mat",
    "hello world, this is a test of the tokenizer",
    "Le chat est sur le tapis.",
    "héllo  wörld ✓\nnew line 12345 !?",
    " leading space",
    "testing tokenizers hello",
]


def _train_spm() -> object:
    spm = pytest.importorskip("sentencepiece")
    corpus = [
        "the cat sat on the mat",
        "hello world, this is a test of the tokenizer",
        "Le chat est sur le tapis.",
        "numbers 12345 and symbols !?",
    ] * 50
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus),
        model_writer=buffer,
        vocab_size=340,
        model_type="bpe",
        byte_fallback=True,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return spm.SentencePieceProcessor(model_proto=buffer.getvalue())


def test_spm_tokenizer_matches_sentencepiece(tmp_path: Path) -> None:
    sp = _train_spm()
    size = sp.get_piece_size()  # type: ignore[attr-defined]
    tokens = [sp.id_to_piece(i) for i in range(size)]  # type: ignore[attr-defined]
    scores = [sp.get_score(i) for i in range(size)]  # type: ignore[attr-defined]

    def token_type(i: int) -> int:  # as llama.cpp's converter maps them
        if sp.is_unknown(i):  # type: ignore[attr-defined]
            return 2
        if sp.is_control(i):  # type: ignore[attr-defined]
            return 3
        if sp.is_byte(i):  # type: ignore[attr-defined]
            return 6
        return 1

    types = [token_type(i) for i in range(size)]
    gguf_path = write_tiny_gguf(
        tmp_path / "spm.gguf",
        TinyConfig(),
        tokens=tokens,
        token_types=types,
        scores=scores,
        tokenizer_model="llama",
        add_bos=True,
        chat_template=None,
    )
    out = convert_gguf(gguf_path, tmp_path / "model", quantization="int8")
    tok = GGUFTokenizer(out)
    assert tok.chat_template is None
    for text in SPM_TEXTS:
        expected = sp.encode(text)  # type: ignore[attr-defined]
        assert tok.encode(text, add_special_tokens=False) == expected, text
        assert tok.encode(text) == [1, *expected]  # add_bos from the GGUF
        assert tok.decode(expected) == sp.decode(expected), text  # type: ignore[attr-defined]
