"""Runtime tokenizer for a model folder written by `convert_gguf`.

CTranslate2's `Generator.generate_batch` / `generate_tokens` take token
*strings* (the entries of the model's vocabulary), which is what
`GGUFTokenizer.encode_tokens` returns.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

from engines.gguf.errors import GGUFTokenizerError

logger = logging.getLogger(__name__)

TOKENIZER_FILE = "tokenizer.json"
CHAT_TEMPLATE_FILE = "chat_template.jinja"
LLM_CONFIG_FILE = "llm_config.json"


class GGUFTokenizer:
    """Encode/decode text for a converted model folder (tokenizer.json + llm_config.json)."""

    def __init__(self, model_dir: str | Path) -> None:
        self.model_dir = Path(model_dir)
        tok_path = self.model_dir / TOKENIZER_FILE
        cfg_path = self.model_dir / LLM_CONFIG_FILE
        try:
            self._tok = Tokenizer.from_file(str(tok_path))
            self.config: dict[str, Any] = json.loads(cfg_path.read_text(encoding="utf-8"))
        except Exception as exc:  # tokenizers raises bare Exception; json ValueError
            raise GGUFTokenizerError(
                f"Cannot load the tokenizer in {self.model_dir}: {exc}"
            ) from exc
        template_path = self.model_dir / CHAT_TEMPLATE_FILE
        self.chat_template: str | None = (
            template_path.read_text(encoding="utf-8") if template_path.is_file() else None
        )
        self.add_bos: bool = bool(self.config.get("add_bos_token", False))
        self.bos_token: str | None = self.config.get("bos_token")
        self.eos_token: str | None = self.config.get("eos_token")
        self.eos_token_ids: list[int] = [int(i) for i in self.config.get("eos_token_ids", [])]
        self.eos_tokens: list[str] = [str(t) for t in self.config.get("eos_tokens", [])]

    # -- vocabulary ---------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return int(self.config.get("vocab_size", self._tok.get_vocab_size(with_added_tokens=True)))

    def token_to_id(self, token: str) -> int | None:
        return self._tok.token_to_id(token)

    def id_to_token(self, token_id: int) -> str | None:
        return self._tok.id_to_token(token_id)

    def ids_to_tokens(self, ids: Sequence[int]) -> list[str]:
        out: list[str] = []
        for i in ids:
            token = self._tok.id_to_token(int(i))
            if token is None:
                raise GGUFTokenizerError(f"Token id {i} is outside the vocabulary.")
            out.append(token)
        return out

    def tokens_to_ids(self, tokens: Sequence[str]) -> list[int]:
        out: list[int] = []
        for t in tokens:
            tid = self._tok.token_to_id(t)
            if tid is None:
                raise GGUFTokenizerError(f"Token {t!r} is not in the vocabulary.")
            out.append(tid)
        return out

    # -- encode / decode ----------------------------------------------------
    def encode(self, text: str, add_special_tokens: bool | None = None) -> list[int]:
        """Token ids. `add_special_tokens=None` follows the GGUF's add_bos/add_eos flags.

        Special tokens written literally in `text` (e.g. ``<|im_start|>`` produced by
        the chat template) are always recognised as single tokens.
        """
        add = True if add_special_tokens is None else add_special_tokens
        return list(self._tok.encode(text, add_special_tokens=add).ids)

    def encode_tokens(self, text: str, add_special_tokens: bool | None = None) -> list[str]:
        """Token strings, as CTranslate2's Generator expects them."""
        return self.ids_to_tokens(self.encode(text, add_special_tokens))

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        return str(self._tok.decode([int(i) for i in ids], skip_special_tokens=skip_special_tokens))

    def decode_tokens(self, tokens: Sequence[str], skip_special_tokens: bool = True) -> str:
        return self.decode(self.tokens_to_ids(tokens), skip_special_tokens)

    def is_eos(self, token_id: int) -> bool:
        return token_id in self.eos_token_ids

    # -- chat ---------------------------------------------------------------
    def apply_chat_template(
        self,
        messages: Sequence[Mapping[str, str]],
        add_generation_prompt: bool = True,
        **extra: Any,
    ) -> str:
        """Render the GGUF's chat template (Jinja2, sandboxed, HF conventions)."""
        if self.chat_template is None:
            raise GGUFTokenizerError("This model has no chat template.")
        return render_chat_template(
            self.chat_template,
            messages,
            add_generation_prompt=add_generation_prompt,
            bos_token=self.bos_token or "",
            eos_token=self.eos_token or "",
            **extra,
        )

    def encode_chat(
        self, messages: Sequence[Mapping[str, str]], add_generation_prompt: bool = True
    ) -> list[str]:
        """Chat prompt as token strings ready for `Generator.generate_batch`.

        The template already writes any BOS it needs, so no special tokens are added.
        """
        prompt = self.apply_chat_template(messages, add_generation_prompt=add_generation_prompt)
        return self.encode_tokens(prompt, add_special_tokens=False)


def render_chat_template(
    template: str,
    messages: Sequence[Mapping[str, str]],
    add_generation_prompt: bool = True,
    **variables: Any,
) -> str:
    """Render a Hugging Face style chat template like `transformers` does."""
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    try:
        compiled = env.from_string(template)
        return compiled.render(
            messages=[dict(m) for m in messages],
            add_generation_prompt=add_generation_prompt,
            **variables,
        )
    except TemplateError as exc:
        raise GGUFTokenizerError(f"Chat template error: {exc}") from exc
