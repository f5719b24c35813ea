"""Errors the user can act on. The CLI prints them as one line, without a traceback."""


class PhcError(Exception):
    """An expected failure with a message that says what to do next."""
