"""Options and results of a summary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engines.llm.languages import LANGUAGE_NAMES, language_name  # noqa: F401 - re-exported

LENGTHS = ("brief", "standard", "detailed")
STYLES = ("prose", "bullets")
# What a summary of a translated document is made from: the source (then the summary is
# translated), or the translation (summarized in the target language).
BASES = ("source", "translation")


@dataclass(frozen=True)
class SummaryOptions:
    lang: str = "en"
    length: str = "standard"  # brief | standard | detailed
    style: str = "prose"  # prose | bullets
    key_facts: bool = True
    basis: str = "source"  # source | translation

    def __post_init__(self) -> None:
        if self.basis not in BASES:
            raise ValueError(f"basis must be one of {', '.join(BASES)}")
        if self.length not in LENGTHS:
            raise ValueError(f"length must be one of {', '.join(LENGTHS)}")
        if self.style not in STYLES:
            raise ValueError(f"style must be one of {', '.join(STYLES)}")

    @property
    def max_new_tokens(self) -> int:
        return {"brief": 160, "standard": 320, "detailed": 600}[self.length]

    @property
    def sentences(self) -> int:
        return {"brief": 3, "standard": 6, "detailed": 12}[self.length]


@dataclass
class Unsupported:
    """Something the summary states that the source does not contain, with its sentence."""

    text: str
    context: str
    kind: str = "number"  # number, URL, e-mail address, name, number + unit


def server_label(server: dict[str, str]) -> str:
    """The line that says a summary was made on an intranet server, and which."""
    version = f", version {server['server_version']}" if server.get("server_version") else ""
    return (f"Made on the intranet server {server.get('server', '?')} "
            f"({server.get('url', '?')}), model {server.get('model_reported', '?')}{version}.")


@dataclass
class SummaryResult:
    text: str
    engine: str  # "llm" or "extractive"
    language: str
    model_id: str = ""
    demo: bool = False
    key_facts: dict[str, list[str]] | None = None
    unsupported: list[Unsupported] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chunks: int = 1
    reduce_rounds: int = 0
    max_prompt_tokens: int = 0
    context_length: int = 0
    server: dict[str, str] = field(default_factory=dict)  # made on an intranet server
    basis: str = ""  # how it was made from a translated document (see basis_label)
    translated: bool = False  # the summary text went through the NMT engine

    def basis_label(self) -> str:
        if self.basis == "translation":
            return f"Summarized from the translation ({self.language})."
        if self.translated:
            return f"Summarized from the source, then translated into {self.language}."
        if self.basis == "source":
            return f"Summarized from the source document (written in {self.language})."
        return ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_markdown(self, include_text: bool = True) -> str:
        lines = ["# Summary", ""] if include_text else []
        if self.demo:
            lines += [f"> Produced by a DEMO-quality model ({self.model_id}); "
                      "check it against the source.", ""]
        if self.server:
            lines += [f"> {server_label(self.server)}", ""]
        if include_text:
            lines += [self.text.strip(), ""]
        if self.key_facts:
            lines += ["## Key facts", "", "| Field | Values |", "|---|---|"]
            for k, values in self.key_facts.items():
                if values:
                    lines.append(f"| {k} | {'; '.join(values)} |")
            lines.append("")
        if self.unsupported:
            lines += ["## Not found in the source (check these)", ""]
            lines += [f"- {u.kind}: **{u.text}** — “{u.context}”" for u in self.unsupported]
            lines.append("")
        if self.warnings:
            lines += ["## Warnings", ""] + [f"- {w}" for w in self.warnings] + [""]
        if self.basis_label():
            lines.append(f"_{self.basis_label()}_")
        engine = f"{self.engine} ({self.model_id})" if self.model_id else self.engine
        lines.append(f"_Engine: {engine}; language: {self.language}; chunks: {self.chunks}_")
        return "\n".join(lines) + "\n"
