"""Chat prompts from the model's own template (Jinja2, sandboxed), with a fallback.

The template comes from the GGUF metadata (``tokenizer.chat_template``), kept by the
converter as ``chat_template.jinja``.  Models without one get :data:`FALLBACK_TEMPLATE`,
a plain instruction format that every causal LM continues sensibly.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engines.errors import EngineError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    role: str  # "system", "user", "assistant"
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


class ChatTemplateError(EngineError):
    """The model's chat template failed to render."""


FALLBACK_TEMPLATE = (
    "{{ bos_token }}"
    "{% for m in messages %}"
    "{% if m['role'] == 'system' %}{{ m['content'] }}\n\n"
    "{% elif m['role'] == 'user' %}### Instruction:\n{{ m['content'] }}\n\n"
    "{% else %}### Response:\n{{ m['content'] }}\n\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}### Response:\n{% endif %}"
)


class ChatFormatter:
    """Renders messages into the prompt string the model was trained on."""

    def __init__(self, template: str | None, bos_token: str = "", eos_token: str = "") -> None:
        self.template_source = template or FALLBACK_TEMPLATE
        self.is_fallback = template is None
        self.bos_token, self.eos_token = bos_token, eos_token
        self._compiled: Any = None

    def _template(self) -> Any:
        if self._compiled is None:
            from jinja2.exceptions import TemplateError
            from jinja2.sandbox import ImmutableSandboxedEnvironment

            env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

            def raise_exception(message: str) -> None:
                raise TemplateError(message)

            env.globals["raise_exception"] = raise_exception
            try:
                self._compiled = env.from_string(self.template_source)
            except TemplateError as exc:
                raise ChatTemplateError(f"The model's chat template is invalid: {exc}") from exc
        return self._compiled

    def render(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        msgs = [m.as_dict() for m in messages]
        try:
            return str(self._template().render(
                messages=msgs, add_generation_prompt=add_generation_prompt,
                bos_token=self.bos_token, eos_token=self.eos_token,
            ))
        except ChatTemplateError:
            raise
        except Exception as exc:  # jinja2 TemplateError, or anything the template raises
            if not self.is_fallback and any(m["role"] == "system" for m in msgs):
                # Some templates (Mistral, Gemma) refuse a system role: fold it into the user turn.
                log.info("Chat template refused the system role; merging it into the user turn")
                return self.render(_merge_system(messages), add_generation_prompt)
            raise ChatTemplateError(f"The model's chat template failed: {exc}") from exc


def _merge_system(messages: Sequence[Message]) -> list[Message]:
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    rest = [m for m in messages if m.role != "system"]
    if rest and rest[0].role == "user":
        rest[0] = Message("user", f"{system}\n\n{rest[0].content}")
    else:
        rest.insert(0, Message("user", system))
    return rest
