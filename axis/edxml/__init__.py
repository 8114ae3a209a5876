"""edXML (QCVN 102:2016/BTTTT): the envelope exchanged over the document interconnection axis.

Public API::

    from axis import edxml

    trust = edxml.EnvelopeTrust.from_paths(["roots/"], revocation="soft")  # require|offline
    message = edxml.parse(path_or_bytes_or_stream, strict=False, attachments_dir=None,
                          trust=trust)
    message.kind            # "edoc" (DocumentMessage) or "status" (StatusMessage)
    message.warnings        # harmless flaws found while reading
    message.signature       # "absent" | "placeholder" | "valid" | "untrusted" | "invalid"
    edxml.write(message, path_or_stream, signer=edxml.EnvelopeSigner.from_files(key, cert))
    routing = edxml.peek_routing(path_or_bytes_or_stream)
    routing.kind, routing.sender, routing.recipients, routing.document_id,
    routing.response_for, routing.business_doc_type, routing.status_code

``"valid"`` means intact, signed with a certificate naming the ``From`` agency, and that
certificate chains to one of the caller's trust anchors (valid now, allowed to sign, not known
revoked); intact and from the sender but not established as trusted (no anchors given, unknown
root, expired, revoked) is ``"untrusted"``; broken or signed by another agency is ``"invalid"``.

``peek_routing`` reads only the header (it stops at the end of ``edXMLHeader``), so the axis
can route a message and check that ``From`` is the authenticated caller before storing its
attachments. For a status message ``recipients`` is the ``ResponseFor`` agency and
``response_for`` its document id. edXML has no message id of its own: documents are
identified by ``DocumentId``; the axis transport keeps its own message ids.

Every failure is an :class:`axis.errors.EdxmlError` subclass with a one-line message:
``UnsafeXmlError`` (DTD, entities, depth, size), ``MalformedEdxmlError`` (not XML, truncated,
wrong root, meaningless header), ``StrictModeError``, ``UnsafeAttachmentError`` (bad base64,
too large, zip bomb, path traversal), ``EnvelopeSignatureError``.
"""

from axis.edxml.attachments import ZipLimits, is_zip, safe_name, unique_path, unzip_safely
from axis.edxml.encode import manifest_for
from axis.edxml.jsonform import from_json, to_json
from axis.edxml.model import (
    NAMESPACE,
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    Code,
    DocumentId,
    DocumentMessage,
    DocumentType,
    ManifestReference,
    Message,
    Organization,
    OtherInfo,
    Promulgation,
    Receiver,
    Replacement,
    ResponseFor,
    Routing,
    Signer,
    StaffInfo,
    StatusCode,
    StatusMessage,
    TraceHeader,
)
from axis.edxml.reader import parse, peek_routing
from axis.edxml.safety import Limits
from axis.edxml.signature import EnvelopeSigner
from axis.edxml.trust import EnvelopeTrust
from axis.edxml.writer import envelope_bytes, write

__all__ = [
    "Attachment",
    "Business",
    "BusinessDocType",
    "BusinessDocumentInfo",
    "Code",
    "DocumentId",
    "DocumentMessage",
    "DocumentType",
    "EnvelopeSigner",
    "EnvelopeTrust",
    "Limits",
    "ManifestReference",
    "Message",
    "NAMESPACE",
    "Organization",
    "OtherInfo",
    "Promulgation",
    "Receiver",
    "Replacement",
    "ResponseFor",
    "Routing",
    "Signer",
    "StaffInfo",
    "StatusCode",
    "StatusMessage",
    "TraceHeader",
    "ZipLimits",
    "envelope_bytes",
    "from_json",
    "is_zip",
    "manifest_for",
    "parse",
    "peek_routing",
    "safe_name",
    "to_json",
    "unique_path",
    "unzip_safely",
    "write",
]
