"""Chat templates: the model's own (three families) and the fallback."""

from __future__ import annotations

import pytest

from engines.llm.chat import FALLBACK_TEMPLATE, ChatFormatter, ChatTemplateError, Message

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
    "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
LLAMA3 = (
    "{{ bos_token }}{% for message in messages %}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + "
    "message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
    "{% endif %}"
)
# Mistral-Instruct style: no system role, strict alternation, raise_exception otherwise.
MISTRAL = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}"
    "{% endif %}{% endfor %}"
)
MESSAGES = [Message("system", "Be brief."), Message("user", "Summarize: 12 trucks.")]


def test_chatml() -> None:
    out = ChatFormatter(CHATML).render(MESSAGES)
    assert out == ("<|im_start|>system\nBe brief.<|im_end|>\n"
                   "<|im_start|>user\nSummarize: 12 trucks.<|im_end|>\n<|im_start|>assistant\n")


def test_llama3_uses_bos_and_headers() -> None:
    out = ChatFormatter(LLAMA3, bos_token="<|begin_of_text|>").render(MESSAGES)
    assert out.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.")
    assert out.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")


def test_mistral_refusing_system_role_gets_it_merged() -> None:
    out = ChatFormatter(MISTRAL, bos_token="<s>", eos_token="</s>").render(MESSAGES)
    assert out == "<s>[INST] Be brief.\n\nSummarize: 12 trucks. [/INST]"


def test_fallback_without_template() -> None:
    f = ChatFormatter(None, bos_token="<s>")
    assert f.is_fallback and f.template_source == FALLBACK_TEMPLATE
    out = f.render(MESSAGES)
    assert out == "<s>Be brief.\n\n### Instruction:\nSummarize: 12 trucks.\n\n### Response:\n"


def test_a_template_that_raises_is_a_typed_error() -> None:
    bad = "{{ raise_exception('template is broken') }}"
    with pytest.raises(ChatTemplateError, match="template is broken"):
        ChatFormatter(bad).render([Message("user", "x")])
    with pytest.raises(ChatTemplateError, match="invalid"):
        ChatFormatter("{% for %}").render([Message("user", "x")])


def test_template_is_sandboxed() -> None:
    sneaky = "{{ messages.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(ChatTemplateError):
        ChatFormatter(sneaky).render([Message("user", "x")])
