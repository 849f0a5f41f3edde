"""RFC 8785: our fast canonical encoder equals `rfc8785.dumps` byte for byte, and `loads`
accepts exactly the canonical spellings."""

from __future__ import annotations

import math
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import canonical
from audit.errors import CanonicalJSONError

# Keys and strings mixing ASCII, control characters, BMP (incl. U+E000..U+FFFF) and astral planes.
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=8) | st.sampled_from(
    ["", "\x00\x1f\x7f", "\u2028\u2029", "\ue000", "\U0001d11e", "中文", '\\"/', "\ufeff"]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=20
)


@settings(max_examples=500, deadline=None)
@given(values)
def test_dumps_equals_the_rfc8785_reference(value: Any) -> None:
    assert canonical.dumps(value) == rfc8785.dumps(value)


@settings(max_examples=300, deadline=None)
@given(values)
def test_loads_accepts_every_canonical_text_and_round_trips(value: Any) -> None:
    encoded = canonical.dumps(value)
    assert canonical.dumps(canonical.loads(encoded.decode("utf-8"))) == encoded


def test_keys_are_sorted_by_utf16_code_units_not_code_points() -> None:
    value = {"\ue000": 1, "\U0001d11e": 2, "a": 3}
    assert canonical.dumps(value) == '{"a":3,"\U0001d11e":2,"\ue000":1}'.encode()


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, 2**53, -(2**53), {1: "int key"}, object(), "\ud800", {"k": {1, 2}}],
    ids=lambda value: "object()" if type(value) is object else repr(value),  # the same in every process
)
def test_values_without_a_canonical_form_are_refused(value: Any) -> None:
    with pytest.raises(CanonicalJSONError):
        canonical.dumps(value)


def test_a_circular_structure_is_refused() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(CanonicalJSONError):
        canonical.dumps(loop)


@pytest.mark.parametrize(
    "text",
    [
        '{"b":1,"a":2}',  # unsorted
        '{"a":1,"a":1}',  # duplicate key
        '{"a": 1}',  # whitespace
        "1.0",  # not the shortest number
        "-0",
        '"\\u0041"',  # needless escape
        '"\\/"',
        "NaN",
        "Infinity",
        "9007199254740993",  # beyond 2**53
        "[1,]",
        "",
        '"\\ud800"',  # lone surrogate
    ],
)
def test_loads_refuses_non_canonical_or_invalid_json(text: str) -> None:
    with pytest.raises(CanonicalJSONError):
        canonical.loads(text)


def test_loads_accepts_canonical_floats() -> None:
    assert canonical.loads("[1.5,1e+21,-0.001]") == [1.5, 1e21, -0.001]


def test_loads_reads_integers_beyond_2_53_as_doubles() -> None:
    assert canonical.loads("9007199254740992") == 2.0**53
    with pytest.raises(CanonicalJSONError):
        canonical.loads("9007199254740993")  # no double has this spelling
