"""Errors of the register. The web layer maps them to HTTP answers in one place."""


class RegisterError(Exception):
    """Base of every error the register reports to a user."""

    exit_code = 2
