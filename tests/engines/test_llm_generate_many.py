"""``LLMEngine.generate_many``: prompts of far-apart lengths never share a CTranslate2 batch
(a batch feeds its longer prompts token by token, without the cancel callback), results and
``on_done`` indices follow the caller's order, and cancel lands within a few steps."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from engines.errors import Cancelled
from engines.llm import GenerationOptions, LLMEngine, Message
from engines.llm.generator import MAX_FORCED_STEPS, length_groups


@pytest.fixture(scope="module")
def tiny_llm(tmp_path_factory: pytest.TempPathFactory) -> LLMEngine:
    from engines.gguf import convert_gguf
    from engines.gguf.tiny import TinyConfig, write_tiny_gguf

    folder = tmp_path_factory.mktemp("tiny_llm_many")
    gguf = write_tiny_gguf(folder / "tiny.gguf", TinyConfig(context_length=2048))
    return LLMEngine(convert_gguf(gguf, folder / "ct2", quantization="int8"), device="cpu",
                     threads=1)


@dataclass
class _Step:
    step: int
    batch_id: int
    is_last: bool


@dataclass
class _Result:
    sequences_ids: list[list[int]]


@dataclass
class FakeGenerator:
    """Decodes like ``ctranslate2.Generator.generate_batch`` with greedy search: every prompt
    starts at the batch's shortest prompt length; a longer one gets its remaining prompt tokens
    one step at a time (forced, no callback), then ``max_length`` new tokens, one callback each.
    A callback returning True stops that prompt only, as CTranslate2 4.x does (checked: the
    others go on, forced steps included). Its "tokens" are the prompt's length."""

    on_step: Callable[[int], None] = lambda n: None
    calls: list[list[int]] = field(default_factory=list)
    steps: int = 0  # decoding steps run, forced or not, over all calls

    def generate_batch(self, prompts: Sequence[Sequence[str]], *, max_length: int,
                       callback: Callable[[_Step], bool], **_: Any) -> list[_Result]:
        lengths = [len(p) for p in prompts]
        self.calls.append(lengths)
        start = min(lengths)
        made = [0] * len(prompts)
        stopped = [False] * len(prompts)
        position = start
        while not all(stop or n == max_length for stop, n in zip(stopped, made, strict=True)):
            position += 1
            self.steps += 1
            self.on_step(self.steps)
            for b, length in enumerate(lengths):
                if position <= length or stopped[b] or made[b] == max_length:
                    continue  # a forced prompt token, or already finished
                made[b] += 1
                stopped[b] = callback(_Step(made[b] - 1, b, made[b] == max_length))
        return [_Result([[n] * m]) for n, m in zip(lengths, made, strict=True)]


def _prompt(words: int) -> list[Message]:
    return [Message("user", "mot " * words)]


def _with_fake(llm: LLMEngine, monkeypatch: pytest.MonkeyPatch, fake: FakeGenerator) -> None:
    monkeypatch.setattr(llm, "_model", fake)
    # The fake's token "ids" are prompt lengths: show them as such.
    monkeypatch.setattr(llm.tokenizer, "decode", lambda ids: f"{ids[0]}x{len(ids)}")


def test_length_groups_bound_the_spread_and_cover_every_index() -> None:
    lengths = [3745, 709, 712, 3760, 709 + MAX_FORCED_STEPS, 709 + MAX_FORCED_STEPS + 1]
    groups = length_groups(lengths)
    assert groups == [[1, 2, 4], [5], [0, 3]]
    assert length_groups([]) == []
    assert length_groups([5, 5, 5], tolerance=0) == [[0, 1, 2]]


def test_far_apart_prompts_never_share_a_batch_and_keep_their_order(
        tiny_llm: LLMEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeGenerator()
    _with_fake(tiny_llm, monkeypatch, fake)
    prompts = [_prompt(400), _prompt(20), _prompt(21), _prompt(200)]
    lengths = [len(tiny_llm.prompt_tokens(p)) for p in prompts]
    assert lengths[1] < lengths[2] <= lengths[1] + MAX_FORCED_STEPS < lengths[3] < lengths[0]
    done: list[int] = []
    out = tiny_llm.generate_many(prompts, GenerationOptions(max_new_tokens=5),
                                 on_done=done.append)
    assert out == [f"{n}x5" for n in lengths]  # the caller's order, not the batches'
    assert sorted(map(sorted, fake.calls)) == [sorted(lengths[1:3]), [lengths[3]], [lengths[0]]]
    assert all(max(c) - min(c) <= MAX_FORCED_STEPS for c in fake.calls)
    assert sorted(done) == [0, 1, 2, 3]  # indices into ``prompts``, each once
    assert set(done[:2]) == {1, 2}  # the short pair ran first, reported by their own index


def test_cancel_lands_within_a_few_steps_next_to_a_long_prompt(
        tiny_llm: LLMEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    # The user stops while the short prompt's answer is done and the long one still waits:
    # in one shared batch the long prompt's ~900 forced steps would run before any callback.
    cancel = threading.Event()
    cancelled_at: list[int] = []

    def stop(_index: int) -> None:
        cancel.set()
        cancelled_at.append(fake.steps)

    fake = FakeGenerator()
    _with_fake(tiny_llm, monkeypatch, fake)
    prompts = [_prompt(300), _prompt(10)]
    with pytest.raises(Cancelled):
        tiny_llm.generate_many(prompts, GenerationOptions(max_new_tokens=8), cancel, stop)
    assert cancelled_at and fake.steps - cancelled_at[0] <= 1
    assert len(fake.calls) == 1  # the long prompt's batch never started


def test_cancel_during_a_batch_stops_it_at_the_next_step(
        tiny_llm: LLMEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    cancel = threading.Event()
    fake = FakeGenerator(on_step=lambda n: cancel.set() if n == 12 else None)
    _with_fake(tiny_llm, monkeypatch, fake)
    # Step 12 falls in the long prompt's batch (the short one ends after 8 steps). Sharing one
    # batch, it would be among the long prompt's forced steps, with no callback to stop it.
    with pytest.raises(Cancelled):
        tiny_llm.generate_many([_prompt(300), _prompt(10)], GenerationOptions(max_new_tokens=8),
                               cancel)
    assert fake.steps == 12


def test_grouped_generation_equals_one_prompt_at_a_time(
        tiny_llm: LLMEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    # A random model: the end token is suppressed so every answer has the same length on any
    # CPU, and the token ids are compared (its text is mostly U+FFFD), batched against alone.
    monkeypatch.setattr(tiny_llm.tokenizer, "decode", lambda ids: " ".join(map(str, ids)))
    opts = GenerationOptions(max_new_tokens=12, min_new_tokens=12, repetition_penalty=1.0)
    prompts = [_prompt(200), [Message("user", "le chat dort")], _prompt(30),
               [Message("user", "le chien dort")], _prompt(31)]
    lengths = [len(tiny_llm.prompt_tokens(p)) for p in prompts]
    groups = length_groups(lengths)
    assert [len(g) for g in groups] == [2, 2, 1]  # two batches of two unequal lengths
    assert all(lengths[g[0]] != lengths[g[1]] for g in groups[:2])
    alone = [tiny_llm.generate_many([p], opts)[0] for p in prompts]
    assert len(set(alone)) == len(prompts) and all(len(a.split()) == 12 for a in alone)
    assert tiny_llm.generate_many(prompts, opts) == alone
