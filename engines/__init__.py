"""Inference engines: translation, LLM, language detection, segmentation, model store.

This package never imports Qt nor ``app``.
"""
