"""Engines on intranet servers declared by the unit: an OpenAI-compatible chat-completions
server (:mod:`engines.remote.openai`) and LibreTranslate (:mod:`engines.remote.libretranslate`),
over one HTTP module (:mod:`engines.remote.http`) that the offline guard lets through only
to the declared ``host:port`` pairs.  Never imports Qt nor ``app``."""
