"""Read edXML envelopes: ``parse`` (whole message, attachments streamed to files or memory) and
``peek_routing`` (header only, bounded memory, stops before the attachments)."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from axis.edxml import decode, safety, signature
from axis.edxml.attachments import safe_name, unique_path
from axis.edxml.model import Message, Routing
from axis.edxml.trust import EnvelopeTrust
from axis.errors import MalformedEdxmlError, StrictModeError

Source = str | os.PathLike | bytes | BinaryIO


@contextlib.contextmanager
def _opened(source: Source) -> Iterator[BinaryIO]:
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    elif isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            yield handle
    else:
        yield source


class _AttachmentFiles:
    """Decodes each payload into ``directory``: first to a ``.part`` file, renamed to the
    sanitised attachment name once the whole Attachment element is known."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.written: list[Path] = []
        self.renames: list[str] = []

    def open(self, index: int) -> tuple[BinaryIO, Path]:
        self.directory.mkdir(parents=True, exist_ok=True)
        part = unique_path(self.directory, f".attachment-{index + 1}.part")
        self.written.append(part)
        return part.open("wb"), part

    def close(self, index: int, element: etree._Element, part: object) -> None:
        assert isinstance(part, Path)
        name = (element.findtext(decode.Q + "AttachmentName") or "").strip()
        final = unique_path(self.directory, safe_name(name, f"attachment-{index + 1}"))
        if name and final.name != name:
            self.renames.append(f"attachment name {name!r} saved as {final.name!r}")
        part.replace(final)
        self.written[self.written.index(part)] = final

    def discard(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)


def parse(source: Source, *, strict: bool = False, attachments_dir: str | os.PathLike | None
          = None, limits: safety.Limits = safety.DEFAULT_LIMITS,
          trust: EnvelopeTrust | None = None, contents: list[bytes] | None = None) -> Message:
    """Read a document or status message from a path, bytes or binary stream.

    An envelope signature is ``"valid"`` only if its certificate is trusted by ``trust``;
    without ``trust`` an intact signature from the sender is ``"untrusted"``.

    Attachments are decoded as streams: into files in ``attachments_dir`` when given (their
    ``path`` is then set), otherwise only measured and hashed (``size``, ``sha256``). A
    caller that takes the whole envelope in memory anyway may pass ``contents`` instead: each
    attachment's bytes are appended to it, in the order of ``message.attachments`` (no file
    written; nothing is appended when the message is refused).

    Harmless flaws end up in ``message.warnings``; ``strict=True`` raises
    :class:`StrictModeError` on the first one. Unsafe or meaningless input raises an
    :class:`~axis.errors.EdxmlError` subclass with a one-line message; files written for a
    refused message are removed.
    """
    if attachments_dir is not None and contents is not None:
        raise ValueError("attachments go to a folder or into memory, not both")
    files = _AttachmentFiles(Path(attachments_dir)) if attachments_dir is not None else None
    sinks: list[BinaryIO] = []
    buffers: list[io.BytesIO] = []  # with ``contents``: one per payload, in order

    def open_sink(index: int) -> tuple[BinaryIO | None, object]:
        if contents is not None:
            buffers.append(io.BytesIO())
            return buffers[-1], None
        if files is None:
            return None, None
        handle, part = files.open(index)
        sinks.append(handle)
        return handle, part

    def close_sink(index: int, element: etree._Element, part: object) -> None:
        if files is not None:
            sinks.pop().close()
            files.close(index, element, part)

    target = safety.EdxmlTarget(limits, open_sink, close_sink)
    try:
        with _opened(source) as stream:
            root, warnings = safety.feed(safety.new_parser(target), target, stream, limits)
        payloads = target.payloads
        if files is not None:
            payloads = [replace(p, path=path) for p, path in zip(payloads, files.written,
                                                                  strict=True)]
            warnings += files.renames
        message = decode.message_from_tree(root, payloads, warnings)
        envelope = root.find(decode.Q + "edXMLEnvelope")
        state, warning = signature.check_envelope(envelope, message.sender.organ_id, trust)
        message = replace(message, signature=state,
                          warnings=(*message.warnings, *([warning] if warning else [])))
        if strict and message.warnings:
            more = len(message.warnings) - 1
            raise StrictModeError(f"strict reading refuses: {message.warnings[0]}"
                                  + (f" (and {more} more)" if more else ""))
        if contents is not None:  # the decoder matched payloads and attachments one to one
            contents.extend(buffer.getvalue() for buffer in buffers)
        return message
    except BaseException:
        for handle in sinks:
            handle.close()
        if files is not None:
            files.discard()
        raise


def peek_routing(source: Source, *, limits: safety.Limits = safety.DEFAULT_LIMITS) -> Routing:
    """Routing facts (kind, sender, recipients, document id, response-for, business type or
    status code) read from the header alone: the parse stops at the end of ``edXMLHeader``,
    before any attachment, so memory and time do not depend on the attachments' size."""
    target = safety.EdxmlTarget(limits, stop_after_header=True)
    with _opened(source) as stream:
        root, _ = safety.feed(safety.new_parser(target), target, stream, limits)
    if root is None:
        raise MalformedEdxmlError("no edXML header")
    return decode.routing_from_header(root)
