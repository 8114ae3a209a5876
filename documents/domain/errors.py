"""Errors of the register. The web layer maps them to HTTP answers in one place."""

from collections.abc import Iterator
from contextlib import contextmanager

from decree30.errors import RuleError


class RegisterError(Exception):
    """Base of every error the register reports to a user."""

    exit_code = 2


class InvalidInput(RegisterError):
    """The request is malformed or names something impossible (HTTP 422)."""


class NotFound(RegisterError):
    """The document, user or book asked for does not exist (HTTP 404)."""


class Forbidden(RegisterError):
    """The user's role may not perform this action (HTTP 403)."""


class NotAuthenticated(RegisterError):
    """No valid credentials were presented (HTTP 401)."""


class InvalidTransition(RegisterError):
    """The action does not apply to the document in its current state (HTTP 409)."""


class Conflict(RegisterError):
    """The change collides with existing data, e.g. a duplicate user name (HTTP 409)."""


class TooLarge(RegisterError):
    """The request is larger than the hub accepts (HTTP 413)."""


class TooManyRequests(RegisterError):
    """Too many attempts or jobs at once; the message says when to try again (HTTP 429)."""

    def __init__(self, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StorageUnavailable(RegisterError):
    """The hub's database or file store could not be used (server down, connection lost, disk
    full, object store refusing): nothing was changed, worth retrying (HTTP 503)."""


class ConfigurationError(RegisterError):
    """The hub's configuration or secrets are missing or unusable."""


class AuditTampered(RegisterError):
    """The audit log's hash chain is broken: an entry was changed or removed."""

    exit_code = 1


@contextmanager
def decree30_rules() -> Iterator[None]:
    """Where the register applies a Decree 30 rule, a value the rule refuses is invalid input."""
    try:
        yield
    except RuleError as exc:
        raise InvalidInput(str(exc)) from None
