"""Write edXML envelopes in the published samples' form, streaming attachment content.

Output is UTF-8, two-space indented, LF line ends, base64 on one line per attachment; the same
message always gives the same bytes (build → parse → build is byte-stable; RSA signatures are
deterministic too).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from typing import BinaryIO
from xml.sax.saxutils import escape

from lxml import etree

from axis.edxml import encode
from axis.edxml.attachments import encode_stream
from axis.edxml.model import NAMESPACE, Attachment, DocumentMessage, Message
from axis.edxml.signature import EnvelopeSigner, sign_envelope
from axis.errors import EdxmlError

_INDENT = "  "
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@contextlib.contextmanager
def _opened(out: str | os.PathLike | BinaryIO) -> Iterator[BinaryIO]:
    if isinstance(out, str | os.PathLike):
        with open(out, "wb") as handle:
            yield handle
    else:
        yield out


def envelope_bytes(message: Message, signer: EnvelopeSigner | None = None) -> bytes:
    """The serialized ``edXML:edXMLEnvelope`` as it appears inside the document (pure)."""
    try:
        envelope = encode.envelope_element(message)
    except ValueError as exc:  # lxml refuses control characters and NUL
        raise EdxmlError(f"cannot write the envelope: {exc}") from None
    etree.indent(envelope, space=_INDENT, level=1)
    if signer is not None:
        envelope = sign_envelope(envelope, signer)
    return etree.tostring(envelope, encoding="UTF-8")


def write(message: Message, out: str | os.PathLike | BinaryIO, *,
          signer: EnvelopeSigner | None = None) -> None:
    """Write ``message`` to a path or binary stream; attachments are read from their
    ``path`` in bounded chunks. ``signer`` adds an XML signature over the envelope."""
    attachments = message.attachments if isinstance(message, DocumentMessage) else ()
    for attachment in attachments:
        texts = (attachment.content_id, attachment.name, attachment.description,
                 attachment.content_type)
        if any(_NOT_XML.search(text) for text in texts if text):
            raise EdxmlError(f"attachment {attachment.content_id!r} has characters XML cannot"
                             " carry")
        if attachment.path is None:
            raise EdxmlError(f"attachment {attachment.content_id} has no content file"
                             " (parse with an attachments directory to keep content)")
        if not attachment.path.is_file():
            raise EdxmlError(f"attachment file not found: {attachment.path}")
    envelope = envelope_bytes(message, signer)
    with _opened(out) as stream:
        stream.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        stream.write(f'<edXML xmlns="{NAMESPACE}">\n{_INDENT}'.encode())
        stream.write(envelope)
        stream.write(b"\n")
        if attachments:
            _write_attachments(stream, attachments)
        stream.write(b"</edXML>\n")


def _write_attachments(stream: BinaryIO, attachments: Sequence[Attachment]) -> None:
    pad2, pad3 = _INDENT * 2, _INDENT * 3

    def line(depth: str, text: str) -> None:
        stream.write(f"{depth}{text}\n".encode())

    line(_INDENT, "<AttachmentEncoded>")
    for attachment in attachments:
        line(pad2, "<Attachment>")
        for tag, value in (("ContentId", attachment.content_id),
                           ("AttachmentName", attachment.name),
                           ("Description", attachment.description),
                           ("ContentType", attachment.content_type)):
            if value is not None:
                line(pad3, f"<{tag}>{escape(value)}</{tag}>")
        stream.write(f'{pad3}<edXML:ContentTransferEncoded xmlns:edXML="{NAMESPACE}">'
                     .encode())
        if attachment.path is None:  # write() refuses this before writing anything
            raise EdxmlError(f"attachment {attachment.content_id} has no content file")
        with open(attachment.path, "rb") as source:
            encode_stream(source, lambda text: stream.write(text.encode("ascii")))
        stream.write(b"</edXML:ContentTransferEncoded>\n")
        line(pad2, "</Attachment>")
    line(_INDENT, "</AttachmentEncoded>")
