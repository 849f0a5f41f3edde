"""Canonical JSON, RFC 8785 (JSON Canonicalization Scheme, JCS).

RFC 8785 §3.2: no whitespace; strings escaped as ECMAScript ``JSON.stringify`` does
(only ``"`` and ``\\``, and control characters below U+0020 as ``\\b \\t \\n \\f \\r`` or
``\\u00xx`` with lowercase hex; everything else literal UTF-8); numbers in ECMAScript form;
object members sorted by the UTF-16 code units of their names (§3.2.3).

`rfc8785.dumps` is the reference, but it is pure Python (≈40 µs for a ballot record here).
For the values this package actually writes -- dicts with string keys, lists, strings, bools,
``None`` and integers within ±(2**53 - 1) -- the C encoder of the standard library produces
the very same bytes, with two exceptions we route to `rfc8785`:

* floats (ECMAScript number formatting differs from ``repr``);
* keys containing characters above U+FFFF: Python sorts by code point, RFC 8785 by UTF-16
  code unit, and the two orders differ between U+E000..U+FFFF and the surrogate range.

``tests/audit/test_canonical.py`` property-tests the equality against `rfc8785.dumps`.
"""

from __future__ import annotations

from json import JSONDecoder
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

import rfc8785

from audit.errors import CanonicalJSONError
from audit.limits import MAX_DEPTH, too_deep

__all__ = ["Encoded", "dumps", "loads"]

_MAX_SAFE_INT = 2**53 - 1

# The C encoder of `json`, built once (``json.dumps`` builds one per call): no indent, ":" and ","
# separators, sorted keys, no NaN.  No circular-reference markers: `_plain` recursion catches those.
_encode = c_make_encoder(None, None, encode_basestring, None, ":", ",", True, False, False)


def _plain_key(key: object) -> bool:
    return type(key) is str and (key.isascii() or max(key) <= "\uffff")


def _plain(value: object) -> bool:
    """True if the stdlib encoder's output for `value` is exactly its RFC 8785 form."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT  # type: ignore[operator]
    if kind is dict:
        return all(_plain_key(k) and _plain(v) for k, v in value.items())  # type: ignore[attr-defined]
    if kind is list or kind is tuple:
        return all(_plain(v) for v in value)  # type: ignore[attr-defined]
    return False


def dumps(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of `value`.

    Raises `CanonicalJSONError` for values JSON cannot represent canonically (NaN, integers
    beyond 2**53 - 1, non-string keys, lone surrogates, unsupported types).
    """
    try:
        if _plain(value):
            try:
                return "".join(_encode(value, 0)).encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate: rfc8785 gives the precise error below
                pass
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise CanonicalJSONError(f"no canonical JSON form: {exc}") from exc


class Encoded(dict[str, Any]):
    """A JSON object that carries its own RFC 8785 bytes, made once by the caller (``canonical``):
    `audit.records.encode` splices them in instead of encoding the object again. For a large
    value written several ways (an encrypted ballot is ≈ 40 kB: its tracker, its seal and its
    record), the caller encodes it once and builds the rest around it; the caller vouches that
    ``canonical == dumps(self)``, and nobody changes the object afterwards."""

    __slots__ = ("canonical",)

    def __init__(self, value: dict[str, Any], canonical: bytes) -> None:
        super().__init__(value)
        self.canonical = canonical


class _NotPlain(Exception):
    pass


def _no_constant(name: str) -> Any:
    raise CanonicalJSONError(f"{name} is not JSON")


def _flag_float(text: str) -> Any:
    raise _NotPlain


def _number(text: str) -> int | float:
    """RFC 8785 numbers are IEEE 754 doubles: an integer beyond 2**53 is read as one."""
    value = int(text)
    return value if -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT else float(text)


def _safe_int(text: str) -> int:
    value = int(text)
    if -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT:
        return value
    raise _NotPlain


# Plain JSON (no float, no integer beyond 2**53 - 1) is read by _PLAIN; anything else by _DOUBLES.
_PLAIN = JSONDecoder(parse_constant=_no_constant, parse_float=_flag_float, parse_int=_safe_int)
_DOUBLES = JSONDecoder(parse_constant=_no_constant, parse_int=_number)


def loads(text: str) -> Any:
    """Parse `text` and require that it is already in RFC 8785 canonical form.

    Rejects non-canonical spellings (whitespace, unsorted or duplicate keys, needless escapes,
    ``1.0`` for ``1``...) with `CanonicalJSONError`, so a record has exactly one meaning for every
    reader: two parsers can never disagree on which of two duplicate keys wins.  Nesting deeper
    than `audit.limits.MAX_DEPTH` is refused before parsing.
    """
    if too_deep(text):
        raise CanonicalJSONError(f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        try:
            value = _PLAIN.decode(text)
            if not text.isascii() and max(text) > "\uffff":
                raise _NotPlain  # keys might sort differently by UTF-16 code units
            # Plain values: the C encoder's output is their RFC 8785 form (see `dumps`); a lone
            # surrogate comes out raw, so it never equals the (valid UTF-8) text.
            same = "".join(_encode(value, 0)) == text
        except _NotPlain:  # floats, integers only a double can hold, characters beyond U+FFFF
            value = _DOUBLES.decode(text)
            same = dumps(value) == text.encode("utf-8")
    except ValueError as exc:  # JSONDecodeError, or an integer of more digits than int() takes
        raise CanonicalJSONError(f"not JSON: {exc}") from exc
    if not same:
        raise CanonicalJSONError("JSON is not in RFC 8785 canonical form")
    return value
