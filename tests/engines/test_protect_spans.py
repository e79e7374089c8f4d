from __future__ import annotations

from engines.protect import SpanKind, find_spans, missing_spans

REPORT = ("Le 12/03/2024 à 14h30, le convoi FR-2024-0173 (3 VAB, 1 250 litres) a atteint "
          "31U DQ 48251 11932. Contact : ops@example.org, https://intra.example/x. OTAN.")


def test_finds_every_kind() -> None:
    found = {(s.kind, s.text) for s in find_spans(REPORT)}
    assert (SpanKind.DATE, "12/03/2024") in found
    assert (SpanKind.TIME, "14h30") in found
    assert (SpanKind.CODE, "FR-2024-0173") in found
    assert (SpanKind.NUMBER, "1 250") in found
    assert (SpanKind.COORDINATE, "31U DQ 48251 11932") in found
    assert (SpanKind.EMAIL, "ops@example.org") in found
    assert (SpanKind.URL, "https://intra.example/x") in found  # sentence dot excluded
    assert (SpanKind.ACRONYM, "VAB") in found
    assert (SpanKind.ACRONYM, "OTAN") in found


def test_missing_spans_accepts_locale_number_formats_but_not_changes() -> None:
    good = ("On 12/03/2024 at 14h30 the convoy FR-2024-0173 (3 VAB, 1,250 litres) reached "
            "31U DQ 48251 11932. Contact: ops@example.org, https://intra.example/x. OTAN.")
    assert missing_spans(REPORT, good) == []
    bad = good.replace("1,250", "1,520").replace("FR-2024-0173", "FR-2024-0137")
    lost = missing_spans(REPORT, bad)
    assert "1 250" in lost and "FR-2024-0173" in lost
