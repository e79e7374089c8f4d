"""Options and results of a summary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engines.llm.languages import LANGUAGE_NAMES, language_name  # noqa: F401 - re-exported

LENGTHS = ("brief", "standard", "detailed")
STYLES = ("prose", "bullets")


@dataclass(frozen=True)
class SummaryOptions:
    lang: str = "en"
    length: str = "standard"  # brief | standard | detailed
    style: str = "prose"  # prose | bullets
    key_facts: bool = True

    def __post_init__(self) -> None:
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
    """A number, date or code of the summary that the source does not contain."""

    text: str
    context: str


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
            lines += ["## Unsupported by the source (check these)", ""]
            lines += [f"- **{u.text}** — “{u.context}”" for u in self.unsupported]
            lines.append("")
        if self.warnings:
            lines += ["## Warnings", ""] + [f"- {w}" for w in self.warnings] + [""]
        engine = f"{self.engine} ({self.model_id})" if self.model_id else self.engine
        lines.append(f"_Engine: {engine}; language: {self.language}; chunks: {self.chunks}_")
        return "\n".join(lines) + "\n"
