"""Hostile-input defences for reading edXML, in one place.

libxml2 (through lxml) parses with entity resolution, DTD loading and network access off, and
any ``DOCTYPE`` is refused outright, which rules out external entities and entity expansion
("billion laughs"). The parse is SAX-style: the tree is built for everything except attachment
payloads, whose text goes straight to a streaming base64 decoder, so memory stays bounded
whatever the attachment size. Depth, element count, text and message sizes are limited.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from axis.edxml.attachments import Base64Decoder
from axis.edxml.decode import Payload, Q
from axis.errors import MalformedEdxmlError, UnsafeXmlError

READ_CHUNK = 64 * 1024
_MAX_PREFIX = 1024
_UTF8_BOM = b"\xef\xbb\xbf"
PAYLOAD_TAG = Q + "ContentTransferEncoded"


@dataclass(frozen=True)
class Limits:
    """Bounds on what the reader accepts; each refusal names the limit it hit."""

    max_depth: int = 32
    max_elements: int = 20_000
    max_text_bytes: int = 1024 * 1024
    max_header_text_bytes: int = 16 * 1024 * 1024
    max_attachments: int = 100
    max_attachment_bytes: int = 2 * 1024 * 1024 * 1024
    max_message_bytes: int = 4 * 1024 * 1024 * 1024


DEFAULT_LIMITS = Limits()


class HeaderComplete(Exception):
    """Raised inside the parse to stop right after ``edXMLHeader`` (routing only)."""


#: Opens the file an attachment payload is decoded into (or None to only count and hash).
SinkOpener = Callable[[int], tuple[BinaryIO | None, object]]
#: Receives (index, element of the finished Attachment, what the opener returned).
SinkCloser = Callable[[int, etree._Element, object], None]


def _recorded(callback):
    """Keep the first exception a callback raised: lxml reports a generic parse error."""

    @functools.wraps(callback)
    def wrapper(self, *args):
        try:
            return callback(self, *args)
        except Exception as exc:
            self.failure = self.failure or exc
            raise

    return wrapper


class EdxmlTarget:
    """lxml parser target: builds the tree, streams payloads out, enforces the limits."""

    def __init__(self, limits: Limits, open_sink: SinkOpener | None = None,
                 close_sink: SinkCloser | None = None, stop_after_header: bool = False) -> None:
        self.limits = limits
        self.open_sink, self.close_sink = open_sink, close_sink
        self.stop_after_header = stop_after_header
        self.builder = etree.TreeBuilder()
        self.root: etree._Element | None = None
        self.failure: Exception | None = None
        self.payloads: list[Payload] = []
        self._unqualified: list[str] = []
        self._depth = self._elements = self._text = self._total_text = 0
        self._decoder: Base64Decoder | None = None
        self._sink: tuple[BinaryIO | None, object] | None = None
        #: the namespace declarations of the element about to start (``start_ns``)
        self._declared: dict[str | None, str] = {}

    @_recorded
    def doctype(self, name: str | None, public_id: str | None,
                system_url: str | None) -> None:
        raise UnsafeXmlError(
            "DOCTYPE refused: edXML allows no DTD, entity declarations or external entities")

    def start_ns(self, prefix: str, uri: str) -> None:
        """A declaration on the next element. The declarations come this way, not as
        ``start``'s ``nsmap``: lxml 6.2.0 passes that empty, which lost every prefix (and made
        every envelope signature over them fail to verify)."""
        self._declared[prefix or None] = uri

    @_recorded
    def start(self, tag: str, attrib: dict[str, str],
              nsmap: dict[str | None, str] | None = None) -> None:  # see start_ns
        declared, self._declared = self._declared, {}
        self._depth += 1
        self._elements += 1
        self._text = 0
        if self._depth > self.limits.max_depth:
            raise UnsafeXmlError(f"XML nested deeper than {self.limits.max_depth} levels")
        if self._elements > self.limits.max_elements:
            raise UnsafeXmlError(
                f"more than {self.limits.max_elements} XML elements in the envelope")
        if self._decoder is not None:
            raise MalformedEdxmlError("ContentTransferEncoded contains elements")
        tag = self._qualified(tag)
        if tag == PAYLOAD_TAG:
            self._open_payload()
        element = self.builder.start(tag, dict(attrib), declared)
        if self.root is None:
            self.root = element

    def _qualified(self, tag: str) -> str:
        """Senders write ``edXML:`` where they forgot to declare it; libxml2 then drops the
        prefix and the element lands in no namespace. Below the root, such elements are read
        as edXML and reported once (:attr:`warnings`)."""
        if tag.startswith("{") or self._depth <= 1:
            return tag
        if tag not in self._unqualified:
            self._unqualified.append(tag)
        return Q + tag

    @property
    def warnings(self) -> list[str]:
        if not self._unqualified:
            return []
        return [f"elements in no namespace (undeclared prefix?) read as edXML:"
                f" {', '.join(self._unqualified)}"]

    def _open_payload(self) -> None:
        index = len(self.payloads)
        if index >= self.limits.max_attachments:
            raise UnsafeXmlError(
                f"more than {self.limits.max_attachments} attachments in one message")
        self._sink = self.open_sink(index) if self.open_sink else (None, None)
        self._decoder = Base64Decoder(self._sink[0], self.limits.max_attachment_bytes,
                                      str(index + 1))

    @_recorded
    def data(self, text: str) -> None:
        if self._decoder is not None:
            self._decoder.feed(text)
            return
        self._text += len(text)
        self._total_text += len(text)
        if self._total_text > self.limits.max_header_text_bytes:
            raise UnsafeXmlError(
                f"more than {self.limits.max_header_text_bytes} characters of text outside"
                " the attachments")
        if self._text > self.limits.max_text_bytes:
            raise UnsafeXmlError(
                f"a text value is longer than {self.limits.max_text_bytes} characters")
        self.builder.data(text)

    @_recorded
    def end(self, tag: str) -> None:
        tag = tag if tag.startswith("{") or self._depth <= 1 else Q + tag
        if tag == PAYLOAD_TAG and self._decoder is not None:
            decoder, self._decoder = self._decoder, None
            decoder.finish()
            self.payloads.append(Payload(None, decoder.size, decoder.digest.hexdigest()))
        element = self.builder.end(tag)
        self._depth -= 1
        if tag == Q + "Attachment" and self._sink is not None:
            sink, self._sink = self._sink, None
            if self.close_sink is not None:
                self.close_sink(len(self.payloads) - 1, element, sink[1])
        if tag == Q + "edXMLHeader" and self.stop_after_header:
            raise HeaderComplete()

    def close(self) -> etree._Element | None:
        if self.failure is not None:  # lxml closes the target after a callback raised
            raise self.failure
        try:
            return self.builder.close()
        except etree.LxmlError:  # incomplete tree: lxml then raises libxml2's own error
            return None


def new_parser(target: EdxmlTarget) -> etree.XMLParser:
    return etree.XMLParser(target=target, resolve_entities=False, no_network=True,
                           load_dtd=False, dtd_validation=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def strip_prefix(first: bytes) -> tuple[bytes, str | None]:
    """``first`` without stray bytes before the XML, and a warning if any were there."""
    start = first.find(b"<")
    if start <= 0:
        if start < 0 and first.strip():
            raise MalformedEdxmlError("not XML: no markup at the start of the message")
        return first, None
    prefix = first[:start]
    if prefix == _UTF8_BOM:
        return first, None
    if start > _MAX_PREFIX:
        raise MalformedEdxmlError(f"not XML: {start} bytes before the first '<'")
    return first[start:], (f"{start} stray bytes before the XML declaration ignored"
                           f" ({prefix[:16]!r})")


def feed(parser: etree.XMLParser, target: EdxmlTarget, stream: BinaryIO,
         limits: Limits) -> tuple[etree._Element, list[str]]:
    """Parse ``stream`` through ``target``; returns the root and reader warnings.
    Foreign exceptions are translated here, at the boundary."""
    warnings: list[str] = []
    total = 0
    first = True
    try:
        while chunk := stream.read(READ_CHUNK):
            if first:
                chunk, warning = strip_prefix(chunk)
                warnings += [warning] if warning else []
                first = False
            total += len(chunk)
            if total > limits.max_message_bytes:
                raise UnsafeXmlError(
                    f"message larger than the limit of {limits.max_message_bytes} bytes")
            parser.feed(chunk)
        if first:
            raise MalformedEdxmlError("empty message")
        root = parser.close()
    except HeaderComplete:
        return target.root, warnings + target.warnings
    except etree.LxmlError as exc:
        if isinstance(target.failure, HeaderComplete):
            return target.root, warnings + target.warnings
        if target.failure is not None:
            raise target.failure from None
        raise MalformedEdxmlError(f"not well-formed XML: {_one_line(exc)}") from None
    return root, warnings + target.warnings


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
