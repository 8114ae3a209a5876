"""Vietnamese alphabetical order (documents.http.pages.collation), without a browser."""

from __future__ import annotations

import random

from documents.http.pages.collation import sort_key


def test_letters_follow_the_vietnamese_alphabet():
    ordered = ["An", "Ăn", "Âm", "Bình", "Cao", "Chu", "Dung", "Đặng", "Em", "Êm", "Giang",
               "Hà", "Oanh", "Ông", "Ơn", "Uyên", "Ưng", "Vũ", "Yến"]
    shuffled = ordered[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=sort_key) == ordered
    # code-point order puts Đ, Ă, Â, Ơ, Ư after Z: the key is what makes the difference
    assert sorted(shuffled) != ordered


def test_tones_come_after_letters_in_dictionary_order():
    assert sorted(["ạ", "á", "ã", "ả", "à", "a"], key=sort_key) == ["a", "à", "ả", "ã", "á", "ạ"]
    # a tone decides only between otherwise equal words
    assert sorted(["bà", "ba", "bác", "bạn", "băn"], key=sort_key) == [
        "ba", "bà", "bác", "bạn", "băn"]


def test_words_case_and_spaces():
    assert sorted(["Lêna", "Lê Văn", "lê văn"], key=sort_key) == ["lê văn", "Lê Văn", "Lêna"]
    staff = ["Vũ Hải Yến", "Đặng Thu Hà", "Nguyễn Văn An", "Lê Thị Cúc", "Phạm Minh Đức",
             "Dương Văn Bảo"]
    assert sorted(staff, key=sort_key) == ["Dương Văn Bảo", "Đặng Thu Hà", "Lê Thị Cúc",
                                           "Nguyễn Văn An", "Phạm Minh Đức", "Vũ Hải Yến"]


def test_decomposed_and_composed_text_sort_alike():
    import unicodedata

    word = "Nguyễn"
    assert sort_key(unicodedata.normalize("NFD", word)) == sort_key(word)
