"""Errors of the axis package, each with a one-line message naming the problem."""


class AxisError(Exception):
    """Base of every error the axis package reports to a user."""

    exit_code = 2
