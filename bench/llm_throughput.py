"""LLM throughput: prompt tokens/s, decode tokens/s, time to first token, and the
memory-bandwidth bound of decoding, on the demo model and a random 1B-Llama shape.

Decoding one token reads every weight once, so decode speed cannot exceed
``bandwidth / bytes_of_weights``.  The bandwidth is measured as the best of several
multi-threaded reads (numpy sums over slices, one thread per core) of a 1 GB array.

Usage: python bench/llm_throughput.py [--quick] [--skip-1b]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CACHE = ROOT / ".cache" / "bench"
LLAMA_1B = dict(layers=16, d=2048, ff=8192, heads=32, kv=8, vocab=128256)


def measure_bandwidth(size_mb: int = 1024, repeats: int = 5) -> tuple[float, str]:
    """Best read bandwidth in GB/s over ``repeats`` multi-threaded passes."""
    threads = len(os.sched_getaffinity(0))
    data = np.ones(size_mb * 1024 * 1024 // 8, dtype=np.float64)
    slices = np.array_split(data, threads)
    best = 0.0
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for _ in range(repeats):
            t0 = time.perf_counter()
            list(pool.map(np.sum, slices))  # numpy releases the GIL inside the reduction
            best = max(best, data.nbytes / (time.perf_counter() - t0) / 1e9)
    method = (f"best of {repeats} reads of a {size_mb} MB float64 array, numpy.sum over "
              f"{threads} slices in {threads} threads")
    return best, method


def build_random_llama(out: Path, shape: dict[str, int]) -> Path:
    """An int8 CTranslate2 Llama with random weights (cached)."""
    if (out / "model.bin").is_file():
        return out
    from ctranslate2.converters import Converter
    from ctranslate2.specs import common_spec, transformer_spec

    rng = np.random.default_rng(0)
    d, ff, heads, kv, vocab = shape["d"], shape["ff"], shape["heads"], shape["kv"], shape["vocab"]
    head_dim = d // heads

    def w(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols), dtype=np.float32) * 0.02).astype(np.float16)

    class RandomLlama(Converter):
        def _load(self):  # type: ignore[no-untyped-def]
            spec = transformer_spec.TransformerDecoderModelSpec.from_config(
                shape["layers"], heads, pre_norm=True, activation=common_spec.Activation.SWISH,
                ffn_glu=True, rms_norm=True, rotary_dim=0, rotary_interleave=False,
                num_heads_kv=kv)
            dec = spec.decoder
            dec.scale_embeddings = False
            dec.embeddings.weight = w(vocab, d)
            dec.projection.weight = dec.embeddings.weight
            dec.layer_norm.gamma = np.ones(d, np.float32)
            for layer in dec.layer:
                layer.self_attention.layer_norm.gamma = np.ones(d, np.float32)
                layer.self_attention.linear[0].weight = w(d + 2 * kv * head_dim, d)
                layer.self_attention.linear[1].weight = w(d, d)
                layer.ffn.layer_norm.gamma = np.ones(d, np.float32)
                layer.ffn.linear_0.weight = w(ff, d)
                layer.ffn.linear_0_noact.weight = w(ff, d)
                layer.ffn.linear_1.weight = w(d, ff)
            spec.config.bos_token, spec.config.eos_token, spec.config.unk_token = "<s>", "</s>", "<unk>"
            spec.register_vocabulary(["<unk>", "<s>", "</s>"] + [f"t{i}" for i in range(vocab - 3)])
            return spec

    RandomLlama().convert(str(out), quantization="int8", force=True)
    return out


def model_bytes(path: Path) -> int:
    return (path / "model.bin").stat().st_size


def run_model(name: str, path: Path, vocab_tokens: list[str], bandwidth: float,
              decode_tokens: int, prompt_len: int = 1000) -> dict[str, float]:
    import ctranslate2

    threads = len(os.sched_getaffinity(0))
    gen = ctranslate2.Generator(str(path), device="cpu", compute_type="int8",
                                intra_threads=threads)
    rng = np.random.default_rng(1)
    prompt = [vocab_tokens[i] for i in rng.integers(10, len(vocab_tokens), prompt_len)]
    short = prompt[:16]
    gen.generate_batch([short], max_length=4, min_length=4)  # warm-up
    # Time to first token on a 1,000-token prompt (= prompt processing + one step).
    t0 = time.perf_counter()
    for _ in gen.generate_tokens(prompt, max_length=1, min_length=1, sampling_topk=1):
        break
    ttft = time.perf_counter() - t0
    # Decode: a short prompt, a forced number of new tokens.
    best_decode = 0.0
    for _ in range(2):
        t0 = time.perf_counter()
        n = 0
        for _step in gen.generate_tokens(short, max_length=decode_tokens,
                                         min_length=decode_tokens, sampling_topk=1):
            n += 1
        best_decode = max(best_decode, n / (time.perf_counter() - t0))
    bound = bandwidth * 1e9 / model_bytes(path)
    return {
        "prompt_tok_s": prompt_len / ttft,
        "decode_tok_s": best_decode,
        "ttft_1000_s": ttft,
        "bound_tok_s": bound,
        "ratio": best_decode / bound,
        "model_mb": model_bytes(path) / 1e6,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer decode tokens")
    parser.add_argument("--skip-1b", action="store_true", help="demo model only")
    args = parser.parse_args()
    decode = 16 if args.quick else 48

    bandwidth, method = measure_bandwidth()
    print(f"memory bandwidth: {bandwidth:.1f} GB/s ({method})")
    results: dict[str, dict[str, float]] = {}

    from app.pipeline.llm_select import demo_dir

    demo = demo_dir()
    if (demo / "model.bin").is_file():
        from engines.gguf.tokenizer import GGUFTokenizer

        tok = GGUFTokenizer(demo)
        vocab = [tok.id_to_token(i) or "" for i in range(tok.vocab_size)]
        results["smollm2-135m-demo"] = run_model("demo", demo, vocab, bandwidth, decode)
    else:
        print("demo model not prepared (make demo-model): skipped")
    if not args.skip_1b:
        t0 = time.perf_counter()
        path = build_random_llama(CACHE / "llama-1b-random-int8", LLAMA_1B)
        print(f"random 1B Llama ready in {time.perf_counter() - t0:.0f}s: {path}")
        vocab = ["<unk>", "<s>", "</s>"] + [f"t{i}" for i in range(LLAMA_1B["vocab"] - 3)]
        results["llama-1b-random"] = run_model("1b", path, vocab, bandwidth, decode)

    for name, r in results.items():
        print(f"{name}: model {r['model_mb']:.0f} MB, prompt {r['prompt_tok_s']:.0f} tok/s, "
              f"decode {r['decode_tok_s']:.1f} tok/s, TTFT(1000 tok) {r['ttft_1000_s']:.2f} s, "
              f"bound {r['bound_tok_s']:.1f} tok/s, decode/bound {r['ratio']:.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")
    last = results.get("llama-1b-random") or next(iter(results.values()), None)
    if last:
        print(f"decode_tok_s={last['decode_tok_s']:.2f} bound_tok_s={last['bound_tok_s']:.2f} "
              f"ratio_decode_vs_bound={last['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
