"""The group is RFC 9496's ristretto255: its published vectors, its refusals, and the identity
handled where libsodium 1.0.18 does not (scalarmult reports an identity result as an error,
is_valid_point accepts the all-zero identity)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballotcrypto import sodium
from ballotcrypto.errors import MalformedValue
from ballotcrypto.group import (
    GENERATOR,
    IDENTITY,
    L,
    Point,
    Scalar,
    base_mul,
    decode_point,
    decode_scalar,
    mul,
    multiple_of_g,
)

from .rfc9496 import FROM_UNIFORM, INVALID_ENCODINGS, MULTIPLES_OF_G

scalars = st.integers(min_value=0, max_value=L - 1)


def test_multiples_of_the_generator_are_rfc9496_a1_by_base_scalar_and_repeated_addition() -> None:
    total = IDENTITY
    two_g = decode_point(MULTIPLES_OF_G[2])
    for m, expected in enumerate(MULTIPLES_OF_G):
        assert total.hex() == expected
        assert (Scalar(m) * GENERATOR).hex() == expected
        assert base_mul(m).hex() == expected
        assert multiple_of_g(m).hex() == expected
        if m % 2 == 0:  # the variable-base multiplication, on 2·G
            assert mul(m // 2, two_g.encoding).hex() == expected
        total = total + GENERATOR
    assert GENERATOR.hex() == "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"


@pytest.mark.parametrize(("kind", "encoding"), [(kind, e) for kind, es in INVALID_ENCODINGS.items() for e in es])
def test_rfc9496_a2_invalid_encodings_are_refused(kind: str, encoding: str) -> None:
    with pytest.raises(MalformedValue) as refused:
        decode_point(encoding, "p")
    assert refused.value.finding == "bad-point-encoding"
    assert refused.value.field == "p"
    assert not sodium.is_valid_point(bytes.fromhex(encoding))
    with pytest.raises(MalformedValue):
        Point(bytes.fromhex(encoding))


@pytest.mark.parametrize(("uniform", "expected"), FROM_UNIFORM)
def test_rfc9496_a3_element_derivation_from_64_uniform_bytes(uniform: str, expected: str) -> None:
    assert Point.from_uniform(bytes.fromhex(uniform)).hex() == expected


def test_from_uniform_takes_exactly_64_bytes() -> None:
    with pytest.raises(ValueError):
        Point.from_uniform(bytes(32))


def test_the_identity_is_refused_unless_the_field_allows_it() -> None:
    assert sodium.is_valid_point(bytes(32))  # libsodium 1.0.18 accepts it: the check is ours
    with pytest.raises(MalformedValue) as refused:
        decode_point("00" * 32)
    assert refused.value.finding == "identity-point"
    assert decode_point("00" * 32, allow_identity=True) == IDENTITY
    assert IDENTITY.is_identity and not GENERATOR.is_identity


@pytest.mark.parametrize("text", [GENERATOR.hex().upper(), GENERATOR.hex()[:-2], GENERATOR.hex() + "00",
                                  " " + GENERATOR.hex()[1:], 5, None, GENERATOR.encoding])
def test_a_point_is_exactly_64_lowercase_hex_characters(text: object) -> None:
    with pytest.raises(MalformedValue) as refused:
        decode_point(text)
    assert refused.value.finding == "bad-point-encoding"


def test_point_constructor_checks_type_and_encoding() -> None:
    assert Point(GENERATOR.encoding) == GENERATOR
    with pytest.raises(MalformedValue):
        Point(bytearray(GENERATOR.encoding))  # type: ignore[arg-type]
    with pytest.raises(MalformedValue):
        Point(bytes(31))


def test_scalars_at_or_above_the_order_are_refused() -> None:
    assert decode_scalar((L - 1).to_bytes(32, "little").hex()).value == L - 1
    for value in (L, L + 1, 2**256 - 1):
        with pytest.raises(MalformedValue) as refused:
            decode_scalar(value.to_bytes(32, "little").hex(), "s")
        assert refused.value.finding == "scalar-out-of-range"


@pytest.mark.parametrize("text", ["AB" * 32, "ab" * 31, "ab" * 33, 7, None])
def test_a_scalar_is_exactly_64_lowercase_hex_characters(text: object) -> None:
    with pytest.raises(MalformedValue) as refused:
        decode_scalar(text)
    assert refused.value.finding == "bad-scalar-encoding"


def test_zero_is_refused_where_a_scalar_must_be_non_zero() -> None:
    assert decode_scalar("00" * 32).value == 0
    with pytest.raises(MalformedValue) as refused:
        decode_scalar("00" * 32, nonzero=True)
    assert refused.value.finding == "zero-scalar"


def test_libsodium_reports_an_identity_product_which_the_group_turns_into_the_identity() -> None:
    order = L.to_bytes(32, "little")
    assert sodium.scalarmult(order, GENERATOR.encoding) == bytes(32)  # ℓ·G: libsodium returns -1
    assert sodium.scalarmult_base(bytes(32)) == bytes(32)
    assert Scalar(0) * GENERATOR == IDENTITY
    assert Scalar(5) * IDENTITY == IDENTITY
    assert Scalar(0) * decode_point(MULTIPLES_OF_G[3]) == IDENTITY
    assert GENERATOR - GENERATOR == IDENTITY
    assert -IDENTITY == IDENTITY


@settings(max_examples=40, deadline=None)
@given(scalars, scalars)
def test_scalar_multiplication_distributes_over_scalar_addition(a: int, b: int) -> None:
    p = decode_point(MULTIPLES_OF_G[7])
    assert (Scalar(a) + Scalar(b)) * p == Scalar(a) * p + Scalar(b) * p
    assert (Scalar(a) - Scalar(b)) * GENERATOR == Scalar(a) * GENERATOR - Scalar(b) * GENERATOR
    assert (-Scalar(a)) * GENERATOR == -(Scalar(a) * GENERATOR)
    assert Scalar(a) * (Scalar(b) * GENERATOR) == (Scalar(a) * Scalar(b)) * GENERATOR


@given(st.integers(min_value=1, max_value=L - 1))
def test_inverse(a: int) -> None:
    assert (Scalar(a) * Scalar(a).inverse()).value == 1


def test_zero_has_no_inverse_and_scalars_stay_in_range() -> None:
    with pytest.raises(ZeroDivisionError):
        Scalar(0).inverse()
    for bad in (-1, L):
        with pytest.raises(ValueError):
            Scalar(bad)
    with pytest.raises(ValueError):
        Scalar(True)
    assert Scalar.of(-1).value == L - 1
    assert repr(Scalar(3)) == "Scalar(3)"
    assert repr(GENERATOR).startswith("Point(e2f2ae0a")


@given(st.binary(min_size=64, max_size=64))
def test_wide_reduction_is_libsodiums_scalar_reduce(wide: bytes) -> None:
    assert int.from_bytes(sodium.scalar_reduce(wide), "little") == int.from_bytes(wide, "little") % L


def test_scalar_random_and_randombytes_come_from_libsodium() -> None:
    draws = {sodium.scalar_random() for _ in range(20)}
    assert len(draws) == 20 and all(int.from_bytes(d, "little") < L for d in draws)
    assert len(sodium.randombytes(16)) == 16
    assert sodium.version().count(".") == 2


def test_a_long_table_of_small_multiples_matches_base_multiplication() -> None:
    assert multiple_of_g(1500) == base_mul(1500)
    assert multiple_of_g(1499) == base_mul(1499)


def test_sealed_boxes_open_only_with_their_key_pair() -> None:
    public, secret = sodium.box_seed_keypair(bytes(32))
    other_public, other_secret = sodium.box_seed_keypair(bytes([1]) * 32)
    sealed = sodium.box_seal(b"share", public)
    assert sodium.box_seal_open(sealed, public, secret) == b"share"
    assert sodium.box_seal_open(sealed, other_public, other_secret) is None
    assert sodium.box_seal_open(sealed[:10], public, secret) is None


def test_add_and_sub_refuse_an_invalid_encoding_loudly() -> None:
    bad = bytes.fromhex(INVALID_ENCODINGS["negative field element"][0])
    with pytest.raises(AssertionError):
        sodium.add(bad, GENERATOR.encoding)
    with pytest.raises(AssertionError):
        sodium.sub(GENERATOR.encoding, bad)
