"""Accent-insensitive Vietnamese text for search: "Quyết định" and "quyet dinh" match."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without tone marks or diacritics; đ becomes d (it is a letter, not a mark,
    so Unicode decomposition alone leaves it)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
