"""Errors of the axis package, each with a one-line message naming the problem."""


class AxisError(Exception):
    """Base of every error the axis package reports to a user."""

    exit_code = 2


class EdxmlError(AxisError):
    """An edXML envelope (QCVN 102:2016) that cannot be read, written or used."""


class UnsafeXmlError(EdxmlError):
    """Input refused for safety: DTD, entities, excessive depth or size."""


class MalformedEdxmlError(EdxmlError):
    """Not an edXML envelope: not XML, truncated, wrong root, missing or meaningless fields."""


class StrictModeError(EdxmlError):
    """A flaw tolerated by default, refused because strict reading was asked for."""


class UnsafeAttachmentError(EdxmlError):
    """An attachment refused for safety: too large, zip bomb, path traversal, bad base64."""


class EnvelopeSignatureError(EdxmlError):
    """The envelope could not be signed (unusable key or certificate)."""
