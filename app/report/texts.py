"""Fixed texts of a report: the machine-translation disclaimer and the section labels."""

from __future__ import annotations

DISCLAIMERS: dict[str, str] = {
    "en": ("This is a machine translation produced offline. It may contain errors and must "
           "not be relied on without checking it against the original document, which alone "
           "is authoritative."),
    "fr": ("Ceci est une traduction automatique réalisée hors ligne. Elle peut comporter des "
           "erreurs et ne doit pas être utilisée sans vérification sur le document original, "
           "qui seul fait foi."),
    "de": ("Dies ist eine offline erstellte maschinelle Übersetzung. Sie kann Fehler "
           "enthalten und darf nicht ohne Abgleich mit dem Originaldokument verwendet "
           "werden; allein das Original ist maßgeblich."),
    "es": ("Esta es una traducción automática realizada sin conexión. Puede contener errores "
           "y no debe utilizarse sin cotejarla con el documento original, el único que hace "
           "fe."),
    "ru": ("Это машинный перевод, выполненный в автономном режиме. Он может содержать "
           "ошибки, и его нельзя использовать без сверки с оригиналом документа, который "
           "один имеет силу."),
    "uk": ("Це машинний переклад, виконаний в автономному режимі. Він може містити помилки, "
           "і його не можна використовувати без звірки з оригіналом документа, який один "
           "має силу."),
    "ar": ("هذه ترجمة آلية أُنجزت دون اتصال بالشبكة. قد تحتوي على أخطاء، ولا يجوز الاعتماد "
           "عليها دون مقارنتها بالوثيقة الأصلية، وهي وحدها المعتمدة."),
    "zh": ("本文为离线生成的机器翻译，可能存在错误。"
           "未经与原始文件核对不得使用，仅原始文件具有权威性。"),
}

_EN_LABELS: dict[str, str] = {
    "title": "Translation report",
    "provenance": "Provenance",
    "source_file": "Source file",
    "sha256": "SHA-256",
    "format": "Format",
    "pages": "Pages",
    "declared": "as saved in the file",
    "source_language": "Source language (detected)",
    "target_language": "Target language",
    "confidence": "confidence",
    "engines": "Engines and models",
    "demo": "DEMO-QUALITY MODEL",
    "glossary": "Glossary",
    "none": "none",
    "unknown": "unknown",
    "produced": "Produced",
    "workstation": "Workstation",
    "user": "User",
    "marking": "Classification marking",
    "marking_none": "no marking detected",
    "markings_found": "Markings found in the source",
    "where": "Where",
    "as_written": "As written",
    "disclaimer": "Machine translation",
    "warnings": "Warnings",
    "summary": "Summary",
    "key_facts": "Key facts",
    "unsupported": "Not found in the source: numbers, names, links and units of the summary",
    "no_summary": "No summary was requested.",
    "translation": "Translation",
    "source": "Source",
    "target": "Translation",
    "header": "Header",
    "footer": "Footer",
    "appendix": "Appendix: fidelity",
    "fidelity_summary": "Overview",
    "untranslated": "Blocks not translated",
    "numbers_lost": "Numbers or dates not preserved",
    "missing_text": "Text possibly missing, invented or looping (coverage, length, repetition)",
    "identical": "Left in the source language",
    "markup": "Markup debris and repaired spans",
    "styles": "Styled spans and pages",
    "skipped": "Blocks kept as they are",
    "ocr": "Read by OCR with low confidence: check against the scan",
    "overflow": "Layout overflow",
    "glossary_applied": "Glossary terms applied",
    "nothing": "none",
    "block": "Block",
    "reason": "Reason",
    "page": "Page",
    "role": "Role",
    "model": "Model",
    "version": "Version",
    "checksum": "Manifest checksum",
    "term": "Term",
    "rendering": "Rendering",
    "count": "Occurrences",
}

_FR_LABELS: dict[str, str] = {
    "title": "Rapport de traduction",
    "provenance": "Provenance",
    "source_file": "Fichier source",
    "format": "Format",
    "pages": "Pages",
    "declared": "selon le fichier",
    "source_language": "Langue source (détectée)",
    "target_language": "Langue cible",
    "confidence": "confiance",
    "engines": "Moteurs et modèles",
    "demo": "MODÈLE DE DÉMONSTRATION",
    "glossary": "Glossaire",
    "none": "aucun",
    "unknown": "inconnu",
    "produced": "Produit le",
    "workstation": "Poste",
    "user": "Utilisateur",
    "marking": "Mention de protection",
    "marking_none": "aucune mention détectée",
    "markings_found": "Mentions relevées dans la source",
    "where": "Emplacement",
    "as_written": "Telle qu'écrite",
    "disclaimer": "Traduction automatique",
    "warnings": "Avertissements",
    "summary": "Résumé",
    "key_facts": "Faits essentiels",
    "unsupported": "Absents de la source : nombres, noms, liens et unités du résumé",
    "no_summary": "Aucun résumé demandé.",
    "translation": "Traduction",
    "source": "Source",
    "target": "Traduction",
    "header": "En-tête",
    "footer": "Pied de page",
    "appendix": "Annexe : fidélité",
    "fidelity_summary": "Vue d'ensemble",
    "untranslated": "Blocs non traduits",
    "numbers_lost": "Nombres ou dates non conservés",
    "missing_text": "Texte peut-être manquant, inventé ou répété (couverture, longueur)",
    "identical": "Laissés dans la langue source",
    "markup": "Débris de balises et segments réparés",
    "styles": "Segments stylés et pages",
    "skipped": "Blocs laissés tels quels",
    "ocr": "Lus par OCR avec une confiance faible : à vérifier sur le scan",
    "overflow": "Débordements de mise en page",
    "glossary_applied": "Termes du glossaire appliqués",
    "nothing": "aucun",
    "block": "Bloc",
    "reason": "Motif",
    "page": "Page",
    "role": "Rôle",
    "model": "Modèle",
    "version": "Version",
    "checksum": "Empreinte du manifeste",
    "term": "Terme",
    "rendering": "Traduction imposée",
    "count": "Occurrences",
}


def disclaimer(lang: str | None) -> str:
    """The disclaimer in ``lang`` (English when we have no text for it)."""
    return DISCLAIMERS.get((lang or "en").split("-")[0].lower(), DISCLAIMERS["en"])


def disclaimers(target: str | None) -> list[tuple[str, str]]:
    """(language, text): the target language's disclaimer, then the French one."""
    code = (target or "en").split("-")[0].lower()
    code = code if code in DISCLAIMERS else "en"
    out = [(code, DISCLAIMERS[code])]
    if code != "fr":
        out.append(("fr", DISCLAIMERS["fr"]))
    return out


def labels(lang: str | None) -> dict[str, str]:
    """Section labels: French for a French report, English otherwise."""
    if (lang or "").lower().startswith("fr"):
        return {**_EN_LABELS, **_FR_LABELS}
    return dict(_EN_LABELS)
