"""Vietnamese alphabetical order (thứ tự chữ cái tiếng Việt) for sorted lists.

PyICU is not installable here without compiling ICU, so this is a documented collation key:

1. primary — letters in the Vietnamese alphabet order
   a ă â b c d đ e ê (f) g h i (j) k l m n o ô ơ p q r s t u ư v (w) x y (z)
   (f j w z only occur in foreign words and sit where Latin puts them);
   a space sorts before any letter, so "Lê Văn" comes before "Lêna";
2. secondary — the tone marks, in dictionary order: ngang (none), huyền, hỏi, ngã, sắc, nặng;
3. tertiary — lower case before upper case.

Strings are compared level by level, as ICU's ``vi`` collation does.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}

#: combining marks that make a separate letter (ă â ê ô ơ ư) — kept with the base letter
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
#: combining tone marks, in dictionary order (ngang = 0)
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(text: str) -> list[tuple[str, int, bool]]:
    """(base letter incl. its letter mark, tone, is upper case) for each character."""
    out: list[tuple[str, int, bool]] = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        upper = base.isupper()
        letter = base.lower() + "".join(m for m in marks if m in _LETTER_MARKS)
        tone = next((_TONES[m] for m in marks if m in _TONES), 0)
        out.append((unicodedata.normalize("NFC", letter), tone, upper))
    return out


def _primary(letter: str) -> tuple[int, int]:
    if letter in _LETTER_RANK:
        return (2, _LETTER_RANK[letter])
    if letter.isspace():
        return (0, 0)
    if letter.isdigit():
        return (1, int(letter) if letter.isascii() else ord(letter))
    return (3 if letter.isalpha() else 0, ord(letter[0]))


def sort_key(text: str) -> tuple[tuple, tuple, tuple]:
    """A key for ``sorted(..., key=sort_key)`` giving Vietnamese alphabetical order."""
    letters = _letters(unicodedata.normalize("NFC", " ".join(text.split())))
    return (tuple(_primary(letter) for letter, _, _ in letters),
            tuple(tone for _, tone, _ in letters),
            tuple(upper for _, _, upper in letters))
