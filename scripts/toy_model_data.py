"""The toy language of the toy CTranslate2 model: lexicon, fixed sentences, reference
translation and the Transformer's size (used by scripts/make_toy_model.py)."""

from __future__ import annotations

import random
from dataclasses import dataclass

# English word -> made-up target word (1:1, lower case, all distinct).
LEXICON: dict[str, str] = {
    # articles / determiners / pronouns
    "the": "la",
    "a": "un",
    "this": "tiu",
    "my": "mia",
    "it": "gi",
    # nouns
    "cat": "kato",
    "dog": "hundo",
    "house": "domo",
    "report": "raporto",
    "officer": "oficiro",
    "book": "libro",
    "city": "urbo",
    "tree": "arbo",
    "car": "auto",
    "child": "infano",
    "water": "akvo",
    "letter": "letero",
    # verbs
    "sees": "vidas",
    "reads": "legas",
    "writes": "skribas",
    "likes": "satas",
    "has": "havas",
    "finds": "trovas",
    "opens": "malfermas",
    "eats": "mangas",
    # adjectives
    "red": "ruga",
    "big": "granda",
    "small": "eta",
    "old": "malnova",
    "new": "nova",
    "green": "verda",
    "good": "bona",
    # function words
    "and": "kaj",
    "in": "en",
    "with": "kun",
    "not": "ne",
}
# Punctuation pieces are copied unchanged.
PUNCTUATION: tuple[str, ...] = (".", ",", "?", "!")

# Fixed sentences whose translations are recorded in expected.json.
TEST_SENTENCES: tuple[str, ...] = (
    "the cat sees the dog",
    "the officer reads the report.",
    "cat",
    "Dog.",
    "my dog likes water",
    "a small child finds the old book.",
    "the child sees the green tree?",
    "this new car has a red house!",
    "the old officer opens the letter, and the dog eats.",
    "the cat sees the cat and the dog sees the dog.",
    "dog dog dog dog",
    "the good child reads a new book in the big city.",
    "my officer writes a letter with the red car and not the green car",
    "The Officer Reads The Report.",
)

UNK, BOS, EOS, PAD = "<unk>", "<s>", "</s>", "<pad>"
LAYER_NORM_EPS = 1e-6
EOS_FLOOR = 20.0  # target for -log p(</s>) wherever </s> is not the gold token


@dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters of the toy Transformer."""

    d_model: int = 64
    num_heads: int = 4
    ffn_dim: int = 128
    num_layers: int = 2


def translate_text(text: str) -> str:
    """Reference translation: lower-case, map every word, keep punctuation."""
    out: list[str] = []
    for raw in text.lower().split():
        word = raw.rstrip("".join(PUNCTUATION))
        tail = raw[len(word) :]
        if word and word not in LEXICON:
            raise ValueError(f"word {word!r} is not in the lexicon")
        if any(ch not in PUNCTUATION for ch in tail):
            raise ValueError(f"unexpected token {raw!r}")
        out.append((LEXICON[word] if word else "") + tail)
    return " ".join(out)


def random_sentence(rng: random.Random, max_words: int) -> str:
    """A random (ungrammatical) English sentence drawn from the lexicon."""
    words = list(LEXICON)
    n = rng.randint(1, max_words)
    tokens = [rng.choice(words) for _ in range(n)]
    for i in range(n - 1):
        if rng.random() < 0.08:
            tokens[i] += ","
    r = rng.random()
    if r < 0.45:
        tokens[-1] += "."
    elif r < 0.55:
        tokens[-1] += rng.choice(("?", "!"))
    elif r < 0.60:
        tokens.append(rng.choice(PUNCTUATION))  # detached: "dog ."
    if rng.random() < 0.25:
        tokens[0] = tokens[0].capitalize()
    return " ".join(tokens)
