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
    """The envelope could not be signed, or its signature not checked (unusable key,
    certificate or trust anchor)."""


# Errors of the axis exchange (server and clients). ``code`` is stable: it is the SOAP fault code
# and the national protocol's ``ErrorCode``, so clients can act on it.


class ExchangeError(AxisError):
    """An exchange through the axis was refused; ``code`` names why, stably."""

    code = "AXIS_ERROR"


class AuthenticationFailed(ExchangeError):
    code = "AUTHENTICATION_FAILED"


class ReplayedRequest(AuthenticationFailed):
    code = "REPLAYED_REQUEST"


class NotPermitted(ExchangeError):
    code = "NOT_PERMITTED"


class UnknownRecipient(ExchangeError):
    code = "UNKNOWN_RECIPIENT"


class MessageNotFound(ExchangeError):
    code = "MESSAGE_NOT_FOUND"


class MessageTooLarge(ExchangeError):
    code = "MESSAGE_TOO_LARGE"


class InvalidRequest(ExchangeError):
    code = "INVALID_REQUEST"


class HashMismatch(InvalidRequest):
    code = "HASH_MISMATCH"


class MessageIdConflict(ExchangeError):
    code = "MESSAGE_ID_CONFLICT"


class AgencyExists(ExchangeError):
    code = "AGENCY_EXISTS"


class AxisUnavailable(ExchangeError):
    """The axis could not be reached or answered with a server error; worth retrying."""

    code = "AXIS_UNAVAILABLE"


#: Every exchange error by its code, so a client turns a remote code back into the same class.
EXCHANGE_ERRORS = {cls.code: cls for cls in (
    ExchangeError, AuthenticationFailed, ReplayedRequest, NotPermitted, UnknownRecipient,
    MessageNotFound, MessageTooLarge, InvalidRequest, HashMismatch, MessageIdConflict,
    AgencyExists, AxisUnavailable,
)}
