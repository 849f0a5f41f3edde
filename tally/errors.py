"""The tally package's one error hierarchy.

Expected outcomes (a motion fails, a round is void, a tie) are *values* in the results; these
exceptions are for input that is malformed or breaks a statutory rule, caught at the boundary
(the file interface, the server's item editor) and shown to a person.
"""

from __future__ import annotations


class TallyError(Exception):
    """Base of every error raised by :mod:`tally`."""

    code = "tally_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedInput(TallyError):
    """The input does not have the documented shape; ``field`` names the offending field."""

    code = "malformed_input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class StatutoryViolation(TallyError):
    """A definition breaks a statutory (or adopted local) rule; ``rule`` names it."""

    code = "statutory_violation"

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
