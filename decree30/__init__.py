"""Decree 30/2020 (Nghị định 30/2020/NĐ-CP) as pure rules, standard library only: numbers,
notations and date lines of administrative documents, document type abbreviations, and Vietnam
time. Both ``signing`` and ``documents`` apply these; neither keeps a copy."""

from decree30 import numbering, vietnam_time
from decree30.numbering import DOCUMENT_TYPES, number_and_notation
from decree30.vietnam_time import VIETNAM_TIME

__all__ = [
    "DOCUMENT_TYPES",
    "VIETNAM_TIME",
    "number_and_notation",
    "numbering",
    "vietnam_time",
]
