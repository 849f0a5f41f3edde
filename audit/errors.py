"""The one error hierarchy of the `audit` package.

Expected verification outcomes are *values* (``False`` from a proof verifier, a failed
``audit.verify.Report``); exceptions are for malformed input at the boundary and for
broken evidence found while opening a log (design.md, "Packages and what flows between them").
Every exception raised on purpose by this package derives from `AuditError`; the ones that
describe bad arguments also derive from `ValueError`.
"""

from __future__ import annotations


class AuditError(Exception):
    """Base class of every error raised by `audit`."""


class CanonicalJSONError(AuditError, ValueError):
    """A value has no RFC 8785 canonical form (float NaN, integer beyond 2**53, bad key...)."""


class RecordError(AuditError, ValueError):
    """A log record is malformed: not canonical JSON, missing fields, bad body for its type."""


class ProofError(AuditError, ValueError):
    """A proof was requested for impossible parameters (index >= size, old size 0, ...)."""


class KeyFormatError(AuditError, ValueError):
    """A key or verifier key string (C2SP signed-note vkey) is malformed."""


class KeyFileError(AuditError):
    """A key file cannot be written or read safely (exists, or readable by others)."""


class NoteError(AuditError, ValueError):
    """A C2SP signed note or checkpoint is malformed or its signature does not verify."""


class SignatureError(NoteError):
    """A signed note carries no valid signature from the trusted key (or a bad one from it)."""


class StorageError(AuditError):
    """The on-disk log is unusable: locked by another writer, or its evidence is inconsistent."""


class ReceiptError(AuditError, ValueError):
    """A ballot receipt is malformed or does not verify."""


class ExportError(AuditError):
    """An export cannot be written (target not empty, log and supplied tally inputs disagree)."""


class TallyUnavailableError(AuditError):
    """The verifier needs `tally` to recount a result, and it cannot be imported."""
