"""Hs and H256 are exactly the hashes of docs/ballot-crypto.md §1, over RFC 8785 canonical JSON."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ballotcrypto.group import L
from ballotcrypto.hashing import SUITE, TAG_COEFFICIENT, TAG_DECRYPT, TAG_RANGE, TAG_SHARE_KEY, h256, hs, jcs

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text() | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_jcs_is_rfc8785(value: Any) -> None:
    assert jcs(value) == rfc8785.dumps(value)


def test_jcs_sorts_keys_by_utf16_code_units_beyond_the_bmp() -> None:
    value = {"\U0001f600": 1, "\uffff": 2, "a": 3}
    assert jcs(value) == rfc8785.dumps(value)
    assert jcs(value).index("\U0001f600".encode()) < jcs(value).index("\uffff".encode())


@pytest.mark.parametrize("value", [math.nan, 2**60, "\ud800", {1: 2}, object()])
def test_values_without_a_canonical_form_are_refused(value: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        jcs(value)


def test_hs_is_sha512_of_the_flat_array_reduced_mod_l() -> None:
    text = b'["renda-ballot-v1/range","ab",0,"s0",1]'
    expected = int.from_bytes(hashlib.sha512(text).digest(), "little") % L
    assert jcs([TAG_RANGE, "ab", 0, "s0", 1]) == text
    assert hs(TAG_RANGE, ["ab", 0, "s0", 1]).value == expected


def test_hs_of_non_ascii_items_hashes_their_utf8() -> None:
    text = '["renda-ballot-v1/coefficient","监票人",9007199254740991]'.encode()
    expected = int.from_bytes(hashlib.sha512(text).digest(), "little") % L
    assert hs(TAG_COEFFICIENT, ["监票人", 2**53 - 1]).value == expected


@pytest.mark.parametrize("item", [True, -1, 2**53, 1.5, None, ["a"], "\ud800"])
def test_hs_items_are_strings_or_small_integers(item: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        hs(TAG_RANGE, [item])  # type: ignore[list-item]


def test_every_tag_is_in_the_suites_namespace_and_separates_domains() -> None:
    tags = [TAG_COEFFICIENT, TAG_SHARE_KEY, TAG_RANGE, TAG_DECRYPT]
    assert all(tag.startswith(SUITE + "/") for tag in tags)
    assert len({hs(tag, ["x", 1]) for tag in tags}) == len(tags)


def test_h256_is_sha256_of_jcs() -> None:
    value = {"b": [1, "二"], "a": None}
    assert h256(value) == hashlib.sha256('{"a":null,"b":[1,"二"]}'.encode()).hexdigest()
