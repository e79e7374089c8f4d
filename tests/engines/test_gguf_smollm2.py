"""Exactness of the GGUF converter on the real SmolLM2-135M-Instruct (Q4_1 GGUF).

The GGUF comes from `scripts/prepare_demo_model.py` (run by `make demo-model`
before the tests); without it these tests are skipped.

Reference: engines.gguf.reference, float64 numpy, llama.cpp semantics (stored,
permuted Q/K weights with adjacent-pair RoPE), from the same dequantized weights.

Stated tolerances, on the logits of the last prompt position:
* float32 conversion: max |ct2 - ref| <= 1e-4 * std(ref) (measured ~1.3e-5),
  same top-1, and greedy output identical to the reference for 20 tokens.
* int8 conversion (CTranslate2 int8 weights *and* activations on top of Q4_1):
  Pearson correlation >= 0.98 (measured ~0.993), max |diff| <= 1.5 * std(ref)
  (measured ~0.97), same top-1 token. Greedy int8 output is *not* required to
  equal the reference for 20 tokens: it agrees on the first token and then
  drifts after a few tokens (7 here; measured 3-20 across prompts), which is the
  expected effect of int8 quantization on a 135M model; its length is logged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import ctranslate2
import numpy as np
import pytest

from engines.gguf import GGUFTokenizer, convert_gguf
from engines.gguf.reference import ReferenceModel

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
GGUF_PATH = Path(
    os.environ.get(
        "PASSERELLE_DEMO_GGUF", ROOT / ".cache" / "downloads" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    )
)
DEMO_DIR = ROOT / ".cache" / "models" / "smollm2-135m-instruct-demo"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

PROMPT = [{"role": "user", "content": "Write a short poem about the sea."}]
GREEDY_TOKENS = 20
FLOAT32_REL_TOL = 1e-4
INT8_MIN_CORR = 0.98
INT8_REL_TOL = 1.5

pytestmark = pytest.mark.skipif(
    not GGUF_PATH.is_file(),
    reason=f"SmolLM2 GGUF not found at {GGUF_PATH}: run `python scripts/prepare_demo_model.py`",
)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def smol(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    assert _sha256(GGUF_PATH) == GGUF_SHA256, f"{GGUF_PATH} is corrupt: rerun prepare_demo_model.py"
    base = tmp_path_factory.mktemp("smollm2")
    out_f32 = convert_gguf(GGUF_PATH, base / "f32", quantization="float32")
    out_i8 = convert_gguf(GGUF_PATH, base / "int8", quantization="int8")
    tok = GGUFTokenizer(out_f32)
    tokens = tok.encode_chat(PROMPT)
    ids = tok.tokens_to_ids(tokens)
    ref = ReferenceModel(GGUF_PATH)
    ref_last = ref.forward(ids, last_only=True)[-1]
    ref_greedy = ref.greedy(ids, GREEDY_TOKENS, tok.eos_token_ids)
    del ref
    return {
        "f32": out_f32,
        "int8": out_i8,
        "tok": tok,
        "tokens": tokens,
        "ref_last": ref_last,
        "ref_greedy": ref_greedy,
    }


def _generator(path: object, compute_type: str) -> ctranslate2.Generator:
    return ctranslate2.Generator(str(path), compute_type=compute_type, intra_threads=1)


def _last_logits(path: object, tokens: object, compute_type: str) -> np.ndarray:
    logits = _generator(path, compute_type).forward_batch([tokens])
    return np.asarray(logits)[0, -1].astype(np.float64)


def _greedy(path: object, tokens: object, compute_type: str, stop: list[str]) -> list[int]:
    result = _generator(path, compute_type).generate_batch(
        [tokens],
        max_length=GREEDY_TOKENS,
        sampling_topk=1,
        include_prompt_in_result=False,
        end_token=stop,
    )
    return list(result[0].sequences_ids[0])


def test_prompt_tokenization(smol: dict[str, object]) -> None:
    tokens = smol["tokens"]
    assert isinstance(tokens, list)
    # ChatML with SmolLM2's default system prompt; ids as in HF's SmolLM2 tokenizer.
    assert tokens[:3] == ["<|im_start|>", "system", "Ċ"]
    tok = smol["tok"]
    assert isinstance(tok, GGUFTokenizer)
    assert tok.tokens_to_ids(tokens[:3]) == [1, 9690, 198]
    # HF's SmolLM2 tokenizer also splits "assistant" into "ass" + "istant".
    assert tok.tokens_to_ids(tokens[-4:]) == [1, 520, 9531, 198]


def test_float32_logits_match_reference(smol: dict[str, object]) -> None:
    ref = smol["ref_last"]
    assert isinstance(ref, np.ndarray)
    got = _last_logits(smol["f32"], smol["tokens"], "float32")
    rel = float(np.abs(got - ref).max() / ref.std())
    logger.info("SmolLM2 float32: max|diff|/std = %.2e", rel)
    assert rel <= FLOAT32_REL_TOL, f"max|diff|/std = {rel:.2e}"
    assert got.argmax() == ref.argmax()


def test_float32_greedy_matches_reference_for_20_tokens(smol: dict[str, object]) -> None:
    tok = smol["tok"]
    assert isinstance(tok, GGUFTokenizer)
    got = _greedy(smol["f32"], smol["tokens"], "float32", tok.eos_tokens)
    assert len(smol["ref_greedy"]) == GREEDY_TOKENS  # type: ignore[arg-type]
    assert got == smol["ref_greedy"], (tok.decode(got), tok.decode(smol["ref_greedy"]))  # type: ignore[arg-type]


def test_int8_logits_close_to_reference(smol: dict[str, object]) -> None:
    ref = smol["ref_last"]
    assert isinstance(ref, np.ndarray)
    got = _last_logits(smol["int8"], smol["tokens"], "int8")
    corr = float(np.corrcoef(got, ref)[0, 1])
    rel = float(np.abs(got - ref).max() / ref.std())
    logger.info("SmolLM2 int8: corr = %.4f, max|diff|/std = %.3f", corr, rel)
    assert corr >= INT8_MIN_CORR, f"corr = {corr:.4f}"
    assert rel <= INT8_REL_TOL, f"max|diff|/std = {rel:.3f}"
    assert got.argmax() == ref.argmax()


def test_int8_greedy_starts_like_reference(smol: dict[str, object]) -> None:
    tok = smol["tok"]
    ref = smol["ref_greedy"]
    assert isinstance(tok, GGUFTokenizer) and isinstance(ref, list)
    got = _greedy(smol["int8"], smol["tokens"], "int8", tok.eos_tokens)
    common = next((i for i, (a, b) in enumerate(zip(got, ref)) if a != b), min(len(got), len(ref)))
    logger.info("SmolLM2 int8 greedy agrees with the reference for %d/%d tokens", common, len(ref))
    assert common >= 1
    assert tok.decode(got).strip()


def test_prepared_demo_folder(smol: dict[str, object]) -> None:
    if not (DEMO_DIR / "model.bin").is_file():
        pytest.skip(f"{DEMO_DIR} not prepared")
    info = json.loads((DEMO_DIR / "source_info.json").read_text(encoding="utf-8"))
    assert info["id"] == "smollm2-135m-instruct-demo" and info["demo"] is True
    assert (DEMO_DIR / "DEMO_MODEL.txt").is_file()
    tok = GGUFTokenizer(DEMO_DIR)
    assert tok.encode_chat(PROMPT) == smol["tokens"]
    got = _last_logits(DEMO_DIR, smol["tokens"], "int8")
    fresh = _last_logits(smol["int8"], smol["tokens"], "int8")
    # The prepared folder is what the converter produces today.
    np.testing.assert_allclose(
        got,
        fresh,
        rtol=0,
        atol=1e-5,
        err_msg="stale demo model: rerun prepare_demo_model.py --force",
    )
