"""The one error hierarchy of `ballotcrypto`.

A proof primitive answers a check with a value (``True``/``False``, `proofs.py`); the checks a
server, a trustee's device or a verifier runs on an object received from someone else raise one of
these.  Each carries a stable ``finding`` (kebab-case, what a log or a verifier report names,
e.g. ``bad-selection-proof``) and a Chinese ``message`` that a deputy, a 监票人 or staff may be
shown; ``code`` names the class of fault as in ``tally.errors``.  Errors that describe a malformed
value also derive from `ValueError`.
"""

from __future__ import annotations


class BallotCryptoError(Exception):
    """Base of every error raised on purpose by `ballotcrypto`."""

    code = "ballot_crypto_error"

    def __init__(self, finding: str, message: str) -> None:
        super().__init__(f"{finding}: {message}")
        self.finding = finding
        self.message = message


class MalformedValue(BallotCryptoError, ValueError):
    """A value does not have its documented encoding; ``field`` names where it was found.

    Findings: ``malformed`` (shape, members, types, lengths), ``bad-point-encoding`` (not 64
    lowercase hex characters, not canonical, not a point), ``identity-point``,
    ``bad-scalar-encoding``, ``scalar-out-of-range`` (≥ ℓ), ``zero-scalar``.
    """

    code = "malformed_value"

    def __init__(self, finding: str, field: str, message: str) -> None:
        super().__init__(finding, f"{field}：{message}" if field else message)
        self.field = field


class FormError(BallotCryptoError, ValueError):
    """A vote's form (selections and limits) is impossible or unsupported (finding ``bad-form``)."""

    code = "bad_form"

    def __init__(self, message: str) -> None:
        super().__init__("bad-form", message)


class BallotRefused(BallotCryptoError):
    """A ballot is not well-formed for its vote (docs/ballot-crypto.md §3.4).

    Findings: ``wrong-vid``, ``wrong-selection-count``, ``wrong-limit-count``,
    ``wrong-write-in-count``, ``bad-selection-proof``, ``bad-limit-proof``, ``bad-write-in-proof``;
    ``where`` is ``s<i>``/``l<j>``/``w<s>`` or empty.
    """

    code = "ballot_refused"

    def __init__(self, finding: str, message: str, where: str = "") -> None:
        super().__init__(finding, message)
        self.where = where


class OpeningRefused(BallotCryptoError):
    """A Benaloh opening does not open the spoiled ballot (§3.6).

    Findings: ``wrong-ballot-id``, ``wrong-tracker``, ``wrong-value-count``, ``opening-mismatch``
    (a nonce and value that do not give the ciphertext), ``values-break-form``, and for write-in
    slots ``wrong-write-in-count``, ``bad-write-in-name`` (not a name, or one name twice),
    ``write-in-breaks-use`` (a name without its use bit or the reverse), ``write-in-mismatch`` (ρ
    and the name do not give R and the sealed bytes).
    """

    code = "opening_refused"


class CeremonyFault(BallotCryptoError):
    """A step of the key ceremony failed (§2); ``trustee`` names whose message it was (0: none).

    Findings: ``bad-ceremony``, ``wrong-trustee``, ``bad-coefficient-proof``, ``bad-share``,
    ``wrong-share-key``, ``bad-confirmation-proof``, ``missing-trustee``, ``identity-key``.
    """

    code = "ceremony_fault"

    def __init__(self, finding: str, message: str, trustee: int = 0) -> None:
        super().__init__(finding, message)
        self.trustee = trustee


class CountFault(BallotCryptoError):
    """The decryption of the totals failed (§4, §5); ``trustee`` names whose partial (0: none).

    Findings: ``wrong-total-count``, ``bad-partial``, ``wrong-quorum``, ``no-count``; for the two
    write-in rounds (§6.1) also ``wrong-ballots`` (a partial for other ballots than the round's)
    and ``bad-write-in`` (a used slot whose sealed name does not open to a name).
    """

    code = "count_fault"

    def __init__(self, finding: str, message: str, trustee: int = 0) -> None:
        super().__init__(finding, message)
        self.trustee = trustee


class KeyFileRefused(BallotCryptoError):
    """A trustee's key file does not open (docs/ballot-crypto.md §7).

    Findings: ``not-a-key-file``, ``unsupported-version``, ``unsupported-cipher``,
    ``unsupported-kdf``, ``bad-passphrase`` (empty), ``wrong-passphrase`` (or a changed ciphertext,
    nonce or salt: nobody can tell them apart), ``tampered`` (the clear ``about`` or the secret
    does not match).
    """

    code = "key_file_refused"
