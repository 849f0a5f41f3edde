"""The verifiers are strict and total: any malformed argument gives False, never an exception
(wrong hash length, wrong types, index >= size, size 0, old size > new size)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import merkle

LEAVES = [bytes([i]) * 3 for i in range(11)]
TREE = merkle.MerkleTree.from_leaves(LEAVES)
ROOT = TREE.root()
GOOD_PATH = TREE.inclusion_proof(4)
GOOD_CONSISTENCY = TREE.consistency_proof(6)

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 40),
    st.binary(max_size=40),
    st.text(max_size=5),
    st.lists(st.binary(min_size=31, max_size=33), max_size=6),
    st.tuples(st.binary(min_size=32, max_size=32)),
)


@settings(max_examples=300, deadline=None)
@given(junk, junk, junk, junk, junk)
def test_verify_inclusion_never_raises(leaf: Any, index: Any, size: Any, proof: Any, root: Any) -> None:
    assert merkle.verify_inclusion(leaf, index, size, proof, root) in (True, False)
    assert merkle.verify_inclusion_hash(leaf, index, size, proof, root) in (True, False)


@settings(max_examples=300, deadline=None)
@given(junk, junk, junk, junk, junk)
def test_verify_consistency_never_raises(old: Any, new: Any, old_root: Any, new_root: Any, proof: Any) -> None:
    assert merkle.verify_consistency(old, new, old_root, new_root, proof) in (True, False)


@pytest.mark.parametrize(
    "args",
    [
        (LEAVES[4], 4, 11, [*GOOD_PATH[:-1], GOOD_PATH[-1][:31]], ROOT),  # short node
        (LEAVES[4], 4, 11, GOOD_PATH, ROOT + b"\x00"),  # long root
        (LEAVES[4], 11, 11, GOOD_PATH, ROOT),  # index == size
        (LEAVES[4], True, 11, GOOD_PATH, ROOT),  # a bool is not an index
        (LEAVES[4], 4, 11, "not a list", ROOT),
        ("text", 4, 11, GOOD_PATH, ROOT),
    ],
)
def test_malformed_inclusion_arguments_are_rejected(args: tuple[Any, ...]) -> None:
    assert merkle.verify_inclusion(*args) is False


@pytest.mark.parametrize(
    "args",
    [
        (0, 11, merkle.EMPTY_ROOT, ROOT, GOOD_CONSISTENCY),  # old size 0
        (12, 11, ROOT, ROOT, GOOD_CONSISTENCY),  # old size > new size
        (6, 11, TREE.root(6)[:31], ROOT, GOOD_CONSISTENCY),  # short root
        (6, 11, TREE.root(6), ROOT, []),  # empty proof
        (11, 11, ROOT, ROOT, [ROOT]),  # equal sizes need an empty proof
        (11, 11, ROOT, TREE.root(6), []),  # equal sizes need equal roots
    ],
)
def test_malformed_consistency_arguments_are_rejected(args: tuple[Any, ...]) -> None:
    assert merkle.verify_consistency(*args) is False


def test_equal_sizes_with_an_empty_proof_and_equal_roots_are_consistent() -> None:
    assert merkle.verify_consistency(11, 11, ROOT, ROOT, [])
