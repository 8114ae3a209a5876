"""The JSON form of a message (pure: no I/O): what ``edochub edxml parse --json`` prints and
what ``edochub edxml build`` reads back.

Keys are the model's field names (``from`` for the sender); dates and timestamps keep the
wire forms ``yyyy/MM/dd`` and ``yyyy/MM/dd HH:mm:ss``; the business type is its number and the
status code its two digits. Both kinds print every key, ``null`` or ``[]`` where it does not
apply. ``kind``, ``warnings``, ``signature`` and the attachments' ``size``/``sha256`` describe
what was read and are ignored when building (the content comes from files).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from axis.edxml import model as m
from axis.edxml.encode import manifest_for
from axis.errors import MalformedEdxmlError

_DOCUMENT_KEYS = ("to", "document_id", "code", "promulgation", "document_type", "subject",
                  "content", "signer", "due_date", "other_info", "steering_type", "to_places",
                  "business", "manifest")
_READ_ONLY = frozenset({"kind", "warnings", "signature"})


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.strftime(m.TIMESTAMP_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(m.DATE_FORMAT)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def to_json(message: m.Message) -> dict[str, Any]:
    """The JSON-ready dict of ``message``."""
    result: dict[str, Any] = {"kind": message.kind, "from": _plain(message.sender)}
    if isinstance(message, m.DocumentMessage):
        for key in _DOCUMENT_KEYS:
            result[key] = _plain(getattr(message, key))
        result |= {"status": None, "staff": None,
                   "response_for": _plain(message.response_for)}
        attachments = [{k: v for k, v in _plain(a).items() if k != "path"}
                       for a in message.attachments]
    else:
        result |= {key: None for key in _DOCUMENT_KEYS}
        result |= {"to": [], "to_places": [], "manifest": [],
                   "status": {"code": message.status_code.value,
                              "description": message.description,
                              "timestamp": _plain(message.timestamp)},
                   "staff": _plain(message.staff),
                   "response_for": [_plain(message.response_for)]}
        attachments = []
    result |= {"trace": _plain(message.trace), "attachments": attachments,
               "warnings": list(message.warnings), "signature": message.signature}
    return result


class _Builder:
    """Builds model objects from JSON values, naming the offending key on error."""

    def value(self, hint: Any, raw: Any, where: str) -> Any:
        origin = typing.get_origin(hint)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(hint) if a is not type(None)]
            return None if raw is None else self.value(options[0], raw, where)
        if origin is tuple:
            if not isinstance(raw, list):
                raise MalformedEdxmlError(f"{where} must be a list")
            item = typing.get_args(hint)[0]
            return tuple(self.value(item, v, f"{where}[{i}]") for i, v in enumerate(raw))
        try:
            return self.scalar(hint, raw, where)
        except (ValueError, TypeError):
            raise MalformedEdxmlError(f"{where}: {raw!r} is not a valid value") from None

    def scalar(self, hint: Any, raw: Any, where: str) -> Any:
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return self.record(hint, raw, where)
        if hint is dt.datetime:
            return dt.datetime.strptime(raw, m.TIMESTAMP_FORMAT)
        if hint is dt.date:
            return dt.datetime.strptime(raw, m.DATE_FORMAT).date()
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return hint(raw)
        if hint is bool and not isinstance(raw, bool):
            raise TypeError(raw)
        if hint is int and (isinstance(raw, bool) or not isinstance(raw, int)):
            raise TypeError(raw)
        if hint is str and not isinstance(raw, str):
            raise TypeError(raw)
        if hint is Path:
            return Path(raw)
        return raw

    def record(self, cls: type, raw: Any, where: str, renames: dict[str, str] | None = None,
               ignore: frozenset[str] = frozenset(), extra: dict[str, Any] | None = None) -> Any:
        if not isinstance(raw, dict):
            raise MalformedEdxmlError(f"{where} must be an object")
        renames = renames or {}
        hints = typing.get_type_hints(cls)
        names = {renames.get(f.name, f.name): f for f in dataclasses.fields(cls)}
        unknown = set(raw) - set(names) - ignore
        if unknown:
            raise MalformedEdxmlError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        kwargs = dict(extra or {})
        for key, field in names.items():
            if key in raw and field.name not in kwargs:
                kwargs[field.name] = self.value(hints[field.name], raw[key], f"{where}.{key}")
        try:
            return cls(**kwargs)
        except TypeError:
            missing = [k for k, f in names.items() if f.name not in kwargs
                       and f.default is dataclasses.MISSING
                       and f.default_factory is dataclasses.MISSING]
            raise MalformedEdxmlError(f"{where}: {missing[0] if missing else 'a key'}"
                                      " is required") from None


def from_json(spec: dict[str, Any], attachment_files: Sequence[Path] = ()) -> m.Message:
    """The message described by ``spec`` (the ``parse --json`` shape); ``attachment_files``
    give the content of the attachments, in order (metadata from ``spec["attachments"]`` when
    present, otherwise derived from the file names)."""
    builder = _Builder()
    if not isinstance(spec, dict):
        raise MalformedEdxmlError("SPEC must be a JSON object")
    kind = spec.get("kind", "edoc")
    spec = {k: v for k, v in spec.items() if k not in _READ_ONLY}
    if kind == "status":
        status = spec.get("status")
        if not isinstance(status, dict):
            raise MalformedEdxmlError("SPEC.status must be an object for a status message")
        responses = spec.get("response_for") or []
        if len(responses) != 1:
            raise MalformedEdxmlError("SPEC.response_for must hold exactly one entry for a"
                                      " status message")
        if attachment_files:
            raise MalformedEdxmlError("a status message carries no attachments")
        flat = {k: v for k, v in spec.items() if k not in _DOCUMENT_KEYS}
        flat |= {"response_for": responses[0], "status_code": status.get("code"),
                 "description": status.get("description"),
                 "timestamp": status.get("timestamp")}
        return builder.record(m.StatusMessage, flat, "SPEC", renames={"sender": "from"},
                              ignore=frozenset({"status", "attachments"}))
    if kind != "edoc":
        raise MalformedEdxmlError(f"SPEC.kind {kind!r} is not edoc or status")
    listed = spec.get("attachments") or []
    if not isinstance(listed, list):
        raise MalformedEdxmlError("SPEC.attachments must be a list")
    if listed and len(listed) != len(attachment_files):
        raise MalformedEdxmlError(f"SPEC lists {len(listed)} attachments but"
                                  f" {len(attachment_files)} files were given")
    attachments = []
    for index, path in enumerate(attachment_files):
        meta = listed[index] if listed else {"content_id": f"cid:{index + 1}",
                                              "name": Path(path).name}
        attachments.append(builder.record(
            m.Attachment, meta,
            f"SPEC.attachments[{index}]", extra={"path": Path(path)}))
    extra: dict[str, Any] = {"attachments": tuple(attachments)}
    if not spec.get("manifest"):
        extra["manifest"] = manifest_for(tuple(attachments))
    return builder.record(m.DocumentMessage, {k: v for k, v in spec.items()
                                              if k not in ("status", "staff")},
                          "SPEC", renames={"sender": "from"}, extra=extra)
