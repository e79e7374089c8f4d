"""Rebuild a Hugging Face `tokenizer.json` from GGUF tokenizer metadata.

Two GGUF tokenizer models are handled:

* ``gpt2``: byte-level BPE (SmolLM2, Llama 3, Qwen2, ...). Tokens and merges
  come straight from ``tokenizer.ggml.tokens`` / ``tokenizer.ggml.merges``; the
  pre-tokenizer is chosen from ``tokenizer.ggml.pre`` like llama.cpp does.
* ``llama``: SentencePiece BPE with byte fallback (Llama 2, Mistral v0.1).
  Merges are derived from the piece scores the way Hugging Face's
  ``SentencePieceExtractor`` does it, which reproduces SentencePiece's BPE.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
from tokenizers.processors import TemplateProcessing

from engines.gguf.errors import GGUFTokenizerError
from engines.gguf.reader import GGUFFile

logger = logging.getLogger(__name__)

# llama.cpp token types (llama_token_type / gguf.TokenType)
TOKEN_NORMAL = 1
TOKEN_UNKNOWN = 2
TOKEN_CONTROL = 3
TOKEN_USER_DEFINED = 4
TOKEN_UNUSED = 5
TOKEN_BYTE = 6

# Pre-tokenizer regexes, as in llama.cpp's llama-vocab.cpp.
_LLAMA3_REGEX = (
    r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|"
    r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_QWEN2_REGEX = (
    r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|"
    r"\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_GPT2_PRE = {"default", "gpt2", "gpt-2", "starcoder", "refact", "olmo"}
_LLAMA3_PRE = {"llama3", "llama-v3", "llama-bpe", "falcon3", "smaug-bpe", "dbrx"}
_QWEN2_PRE = {"qwen2", "deepseek-r1-qwen", "megrez", "stablelm2"}
_SMOLLM_PRE = {"smollm"}


@dataclass
class TokenizerInfo:
    """Tokenizer facts read from GGUF metadata (ids may be None when absent)."""

    model: str
    pre: str
    tokens: list[str]
    token_types: list[int]
    bos_token_id: int | None
    eos_token_id: int | None
    unk_token_id: int | None
    pad_token_id: int | None
    eot_token_id: int | None
    eom_token_id: int | None
    add_bos: bool
    add_eos: bool
    add_space_prefix: bool
    chat_template: str | None
    merges: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)

    def token(self, token_id: int | None) -> str | None:
        if token_id is None or not 0 <= token_id < len(self.tokens):
            return None
        return self.tokens[token_id]

    @property
    def stop_token_ids(self) -> list[int]:
        """EOS plus end-of-turn / end-of-message ids, deduplicated, in that order."""
        ids: list[int] = []
        for tid in (self.eos_token_id, self.eot_token_id, self.eom_token_id):
            if tid is not None and 0 <= tid < len(self.tokens) and tid not in ids:
                ids.append(tid)
        return ids


def _opt_int(value: object) -> int | None:
    if value is None:
        return None
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return None


def read_tokenizer_info(gguf: GGUFFile) -> TokenizerInfo:
    model = gguf.get("tokenizer.ggml.model")
    tokens = gguf.get("tokenizer.ggml.tokens")
    if not isinstance(model, str) or not tokens:
        raise GGUFTokenizerError("The GGUF file has no embedded tokenizer (tokenizer.ggml.*).")
    types = gguf.get("tokenizer.ggml.token_type") or [TOKEN_NORMAL] * len(tokens)
    template = gguf.get("tokenizer.chat_template")
    add_bos_default = model == "llama"
    return TokenizerInfo(
        model=model,
        pre=str(gguf.get("tokenizer.ggml.pre") or "default"),
        tokens=[str(t) for t in tokens],
        token_types=[int(t) for t in types],
        bos_token_id=_opt_int(gguf.get("tokenizer.ggml.bos_token_id")),
        eos_token_id=_opt_int(gguf.get("tokenizer.ggml.eos_token_id")),
        unk_token_id=_opt_int(gguf.get("tokenizer.ggml.unknown_token_id")),
        pad_token_id=_opt_int(gguf.get("tokenizer.ggml.padding_token_id")),
        eot_token_id=_opt_int(gguf.get("tokenizer.ggml.eot_token_id")),
        eom_token_id=_opt_int(gguf.get("tokenizer.ggml.eom_token_id")),
        add_bos=bool(gguf.get("tokenizer.ggml.add_bos_token", add_bos_default)),
        add_eos=bool(gguf.get("tokenizer.ggml.add_eos_token", False)),
        add_space_prefix=bool(gguf.get("tokenizer.ggml.add_space_prefix", model == "llama")),
        chat_template=template if isinstance(template, str) and template else None,
        merges=[str(m) for m in (gguf.get("tokenizer.ggml.merges") or [])],
        scores=[float(s) for s in (gguf.get("tokenizer.ggml.scores") or [])],
    )


def _vocab_dict(tokens: Sequence[str]) -> dict[str, int]:
    vocab: dict[str, int] = {}
    duplicates = 0
    for index, token in enumerate(tokens):
        if token in vocab:
            duplicates += 1
            continue
        vocab[token] = index
    if duplicates:
        logger.warning(
            "tokenizer has %d duplicate token strings; kept the first of each", duplicates
        )
    return vocab


def _special_tokens(info: TokenizerInfo) -> list[AddedToken]:
    special_ids = {
        i for i, t in enumerate(info.token_types) if t in (TOKEN_CONTROL, TOKEN_USER_DEFINED)
    }
    for tid in (info.bos_token_id, info.eos_token_id, info.eot_token_id, info.eom_token_id):
        if tid is not None and 0 <= tid < len(info.tokens):
            special_ids.add(tid)
    if info.unk_token_id is not None and info.model == "gpt2":
        special_ids.add(info.unk_token_id)
    return [
        AddedToken(
            info.tokens[i],
            special=info.token_types[i] != TOKEN_USER_DEFINED
            if i < len(info.token_types)
            else True,
            normalized=False,
        )
        for i in sorted(special_ids)
        if info.tokens[i]
    ]


def _pre_tokenizer(pre: str) -> pre_tokenizers.PreTokenizer:
    byte_level_no_regex = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    if pre in _LLAMA3_PRE:
        split = pre_tokenizers.Split(Regex(_LLAMA3_REGEX), behavior="isolated", invert=False)
        return pre_tokenizers.Sequence([split, byte_level_no_regex])
    if pre in _QWEN2_PRE:
        split = pre_tokenizers.Split(Regex(_QWEN2_REGEX), behavior="isolated", invert=False)
        return pre_tokenizers.Sequence([split, byte_level_no_regex])
    if pre in _SMOLLM_PRE:
        return pre_tokenizers.Sequence(
            [
                pre_tokenizers.Digits(individual_digits=True),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
            ]
        )
    if pre not in _GPT2_PRE:
        logger.warning("unknown GGUF pre-tokenizer %r; using GPT-2 byte-level splitting", pre)
    return pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)


def _build_gpt2(info: TokenizerInfo) -> Tokenizer:
    if not info.merges:
        raise GGUFTokenizerError("The GGUF BPE tokenizer has no merges (tokenizer.ggml.merges).")
    merges: list[tuple[str, str]] = []
    for merge in info.merges:
        left, sep, right = merge.partition(" ")
        if not sep:
            raise GGUFTokenizerError(f"Malformed BPE merge in GGUF metadata: {merge!r}.")
        merges.append((left, right))
    bpe = models.BPE(vocab=_vocab_dict(info.tokens), merges=merges, fuse_unk=False)
    tok = Tokenizer(bpe)
    if info.pre in _QWEN2_PRE:
        tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = _pre_tokenizer(info.pre)
    tok.decoder = decoders.ByteLevel()
    return tok


def spm_merges(
    tokens: Sequence[str], scores: Sequence[float], types: Sequence[int]
) -> list[tuple[str, str]]:
    """BPE merges equivalent to a SentencePiece BPE model (HF's SentencePieceExtractor).

    Every normal piece that can be split into two known pieces yields a merge;
    merges are ranked by the score of the merged piece (higher first).
    """
    vocab = {t: i for i, t in enumerate(tokens) if types[i] in (TOKEN_NORMAL, TOKEN_USER_DEFINED)}
    candidates: list[tuple[float, int, int, str, str]] = []
    for piece, piece_id in vocab.items():
        local: list[tuple[int, int, str, str]] = []
        for cut in range(1, len(piece)):
            left, right = piece[:cut], piece[cut:]
            if left in vocab and right in vocab:
                local.append((vocab[left], vocab[right], left, right))
        local.sort()
        score = scores[piece_id] if piece_id < len(scores) else 0.0
        candidates.extend(
            (-score, n, piece_id, lft, rgt) for n, (_, _, lft, rgt) in enumerate(local)
        )
    candidates.sort(key=lambda c: (c[0], c[2], c[1]))
    return [(c[3], c[4]) for c in candidates]


def _build_spm(info: TokenizerInfo) -> Tokenizer:
    if not info.scores:
        raise GGUFTokenizerError("The GGUF SentencePiece tokenizer has no scores.")
    unk = info.token(info.unk_token_id) or "<unk>"
    merges = spm_merges(info.tokens, info.scores, info.token_types)
    bpe = models.BPE(
        vocab=_vocab_dict(info.tokens),
        merges=merges,
        unk_token=unk,
        fuse_unk=True,
        byte_fallback=True,
    )
    tok = Tokenizer(bpe)
    steps: list[normalizers.Normalizer] = []
    if info.add_space_prefix:
        steps.append(normalizers.Prepend("\u2581"))
    steps.append(normalizers.Replace(" ", "\u2581"))
    tok.normalizer = normalizers.Sequence(steps)
    dec: list[decoders.Decoder] = [
        decoders.Replace("\u2581", " "),
        decoders.ByteFallback(),
        decoders.Fuse(),
    ]
    if info.add_space_prefix:
        dec.append(decoders.Strip(content=" ", left=1, right=0))
    tok.decoder = decoders.Sequence(dec)
    return tok


def build_tokenizer(info: TokenizerInfo) -> Tokenizer:
    """Build a `tokenizers.Tokenizer` equivalent to the GGUF's embedded tokenizer."""
    if info.model == "gpt2":
        tok = _build_gpt2(info)
    elif info.model == "llama":
        tok = _build_spm(info)
    else:
        raise GGUFTokenizerError(
            f"Unsupported GGUF tokenizer model {info.model!r}; "
            "supported: gpt2 (BPE), llama (SentencePiece)."
        )
    tok.add_special_tokens(_special_tokens(info))
    pieces_single: list[str] = []
    specials: list[tuple[str, int]] = []
    bos = info.token(info.bos_token_id)
    eos = info.token(info.eos_token_id)
    if info.add_bos and bos is not None:
        pieces_single.append(bos)
        specials.append((bos, int(info.bos_token_id or 0)))
    pieces_single.append("$A")
    if info.add_eos and eos is not None:
        pieces_single.append(eos)
        specials.append((eos, int(info.eos_token_id or 0)))
    if specials:
        tok.post_processor = TemplateProcessing(
            single=pieces_single, pair=pieces_single + ["$B"], special_tokens=specials
        )
    return tok
