"""Directory files: the agencies of a reorganisation, as CSV or JSON, into directory entries.

Columns (CSV header) or keys (JSON objects): ``code``, ``name`` (required); ``parentCode``,
``mail``, ``oldCode`` (former codes that now lead here, separated by ``;`` or ``,``),
``successor`` (the code this agency merged into or was renamed to), ``validFrom``,
``validTo`` (dates in any form the edXML reader accepts), ``deleted``, ``code102``,
``centerCode``, ``isAgency``. A JSON file is a list of such objects, or an axis answer
``{"data": [...]}`` (``getAgenciesList``, ``getSynchronizeUnit``), whose ``pid`` is resolved
through the file's ``id``s. Every code is checked (QCVN 102 four levels) before anything is
stored; a bad row is refused naming its line or position.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from axis.edxml.dates import read_date
from axis.errors import InvalidRequest
from axis.server.directory import Entry, check_code

MAX_BYTES = 32 << 20
TRUE, FALSE = {"true", "1", "yes", "x"}, {"false", "0", "no", ""}


def read_directory_file(path: Path) -> list[Entry]:
    """The entries of the CSV or JSON file at ``path`` (JSON when it starts with ``[`` or
    ``{``)."""
    if path.stat().st_size > MAX_BYTES:
        raise InvalidRequest(f"{path}: a directory file larger than 32 MiB is refused")
    text = path.read_bytes().decode("utf-8-sig", errors="strict").strip()
    if text[:1] in ("[", "{"):
        return _from_json(text, path)
    return _from_csv(text, path)


def _from_json(text: str, path: Path) -> list[Entry]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidRequest(f"{path}: not valid JSON ({exc})") from None
    rows = data.get("data") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InvalidRequest(f"{path}: expected a list of agency objects (or {{\"data\": "
                             "[...]}})")
    codes_by_id = {str(r["id"]): str(r.get("code", "")) for r in rows if r.get("id") not in
                   (None, "")}
    return [_entry(row, f"{path}: item {number}", codes_by_id)
            for number, row in enumerate(rows, 1)]


def _from_csv(text: str, path: Path) -> list[Entry]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "code" not in reader.fieldnames:
        raise InvalidRequest(f"{path}: a CSV directory needs a header line with code and name")
    return [_entry(row, f"{path}: line {reader.line_num}", {}) for row in reader]


def _entry(row: Mapping[str, object], where: str, codes_by_id: Mapping[str, str]) -> Entry:
    def text(*keys: str) -> str:
        for key in keys:
            value = row.get(key)
            if value not in (None, ""):
                return str(value).strip()
        return ""

    try:
        code = check_code(text("code"))
        name = text("name")
        if not name:
            raise InvalidRequest(f"agency {code} has no name")
        parent = text("parentCode", "parent", "pcode") or codes_by_id.get(text("pid"), "")
        return Entry(
            code=code, name=name, parent=check_code(parent, "parent code") if parent else None,
            mail=text("mail") or None, code102=text("code102") or None,
            center_code=text("centerCode") or None, is_agency=_flag(row.get("isAgency"), True),
            old_codes=tuple(check_code(c, "old code")
                            for c in re.split(r"[;,|\s]+", text("oldCode")) if c),
            successor=check_code(text("successor"), "successor code") if text("successor")
            else None,
            valid_from=_date(text("validFrom")), valid_to=_date(text("validTo")),
            deleted=_flag(row.get("deleted"), False))
    except (InvalidRequest, ValueError) as exc:
        raise InvalidRequest(f"{where}: {exc}") from None


def _flag(value: object, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return default if lowered == "" else False
    raise ValueError(f"{value!r} is not true or false")


def _date(value: str) -> date | None:
    return read_date(value)[0] if value else None
