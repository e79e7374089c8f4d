"""Key facts as constrained JSON: prompt, then validate and repair; drop on failure."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

log = logging.getLogger(__name__)

FIELDS = ("who", "what", "where", "when", "units_equipment", "places_coordinates", "dates")
FIELD_LABELS = {
    "who": "Who", "what": "What", "where": "Where", "when": "When",
    "units_equipment": "Units and equipment", "places_coordinates": "Places and coordinates",
    "dates": "Dates",
}
MAX_ITEMS = 12
MAX_ITEM_CHARS = 200

SCHEMA_HINT = (
    "Answer with one JSON object and nothing else, with exactly these keys, each a list "
    "of short strings copied from the text (empty list if unknown): "
    + ", ".join(f'"{f}"' for f in FIELDS) + "."
)


class KeyFactsError(ValueError):
    """The model's answer could not be turned into valid key facts."""


def _extract_object(text: str) -> str:
    text = re.sub(r"^```(?:json)?|```$", "", text.strip(), flags=re.M).strip()
    start = text.find("{")
    if start < 0:
        raise KeyFactsError("no JSON object in the answer")
    depth, in_str, esc = 0, False, False
    for i in range(start, len(text)):
        c = text[i]
        if in_str:
            esc = c == "\\" and not esc
            if c == '"' and not esc:
                in_str = False
            continue
        if c == '"':
            in_str = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
    # Truncated answer: close what is open.
    tail = text[start:]
    if in_str:
        tail += '"'
    tail += "]" * max(0, tail.count("[") - tail.count("]"))
    return tail + "}" * max(1, depth)


def _repair(raw: str) -> str:
    s = raw
    s = re.sub(r",\s*([}\]])", r"\1", s)  # trailing commas
    s = re.sub(r"(?<=[{,\s])'([^']*)'\s*:", r'"\1":', s)  # 'key':
    s = re.sub(r":\s*'([^']*)'", r': "\1"', s)  # : 'value'
    s = re.sub(r"(?<=[\[,\s])'([^'\]]*)'(?=\s*[,\]])", r'"\1"', s)  # ['a', 'b']
    s = re.sub(r"([{,]\s*)([A-Za-z_][\w ]*?)\s*:", r'\1"\2":', s)  # unquoted keys
    return s


def _normalize_key(key: str) -> str | None:
    k = re.sub(r"[^a-z]+", "_", key.lower()).strip("_")
    aliases = {"units": "units_equipment", "equipment": "units_equipment",
               "units_and_equipment": "units_equipment", "places": "places_coordinates",
               "coordinates": "places_coordinates", "places_and_coordinates": "places_coordinates",
               "date": "dates", "time": "when"}
    k = aliases.get(k, k)
    return k if k in FIELDS else None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | int | float):
        value = [value]
    if isinstance(value, dict):
        value = [f"{k}: {v}" for k, v in value.items()]
    if not isinstance(value, list):
        return []
    out: list[str] = []
    for item in value:
        if isinstance(item, dict | list):
            item = json.dumps(item, ensure_ascii=False)
        text = str(item).strip()
        if text and text.lower() not in ("unknown", "n/a", "none", "null") and text not in out:
            out.append(text[:MAX_ITEM_CHARS])
    return out[:MAX_ITEMS]


def parse_key_facts(answer: str) -> dict[str, list[str]]:
    """Validate and repair the model's JSON; raise :class:`KeyFactsError` if hopeless."""
    raw = _extract_object(answer)
    data: Any = None
    for candidate in (raw, _repair(raw)):
        try:
            data = json.loads(candidate)
            break
        except json.JSONDecodeError:
            continue
    if not isinstance(data, dict):
        raise KeyFactsError("the answer is not a JSON object")
    facts: dict[str, list[str]] = {f: [] for f in FIELDS}
    known = 0
    for key, value in data.items():
        field = _normalize_key(str(key))
        if field is None:
            continue
        known += 1
        for item in _as_list(value):
            if item not in facts[field]:
                facts[field].append(item)
    if not known:
        raise KeyFactsError("none of the expected keys is present")
    return facts


def key_facts_prompt(text: str, lang_name: str) -> str:
    return (f"Extract the key facts of this report. Write the values in {lang_name}.\n"
            f"{SCHEMA_HINT}\n\nReport:\n{text}")
