"""Lookup and encoding preprocessing layers (CategoryEncoding, Hashing, StringLookup, TextVectorization, ...)."""

from __future__ import annotations

__all__: list[str] = []
