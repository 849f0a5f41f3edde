"""The incremental tree against a deliberately naive recursive one (naive_merkle.py, straight
from the RFC 9162 §2.1 definitions), for every size, index and old size."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import merkle
from audit.errors import ProofError
from tests.audit import naive_merkle as naive

leaves_lists = st.lists(st.binary(max_size=8), max_size=40)


@settings(max_examples=60, deadline=None)
@given(leaves_lists)
def test_roots_and_proofs_equal_the_naive_recursive_definitions(leaves: list[bytes]) -> None:
    tree = merkle.MerkleTree.from_leaves(leaves)
    for size in range(len(leaves) + 1):
        assert tree.root(size) == naive.mth(leaves[:size])
        for index in range(size):
            assert tree.inclusion_proof(index, size) == naive.path(index, leaves[:size])
        for old in range(1, size + 1):
            assert tree.consistency_proof(old, size) == naive.proof(old, leaves[:size])


@settings(max_examples=60, deadline=None)
@given(leaves_lists, st.data())
def test_proofs_for_a_batch_of_leaves_equal_each_leafs_own_proof(leaves: list[bytes], data: st.DataObject) -> None:
    if not leaves:
        return
    tree = merkle.MerkleTree.from_leaves(leaves)
    size = data.draw(st.integers(1, len(leaves)))
    indices = data.draw(st.lists(st.integers(0, size - 1), max_size=12))
    assert tree.inclusion_proofs(indices, size) == [naive.path(i, leaves[:size]) for i in indices]
    assert tree.inclusion_proofs(indices) == [tree.inclusion_proof(i) for i in indices]


def test_a_batch_with_one_leaf_outside_the_tree_is_refused() -> None:
    tree = merkle.MerkleTree.from_leaves([b"a", b"b", b"c"])
    with pytest.raises(ProofError):
        tree.inclusion_proofs([0, 3], 3)


@settings(max_examples=60, deadline=None)
@given(leaves_lists, st.data())
def test_every_genuine_proof_verifies(leaves: list[bytes], data: st.DataObject) -> None:
    if not leaves:
        return
    tree = merkle.MerkleTree.from_leaves(leaves)
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    root = tree.root(size)
    assert merkle.verify_inclusion(leaves[index], index, size, tree.inclusion_proof(index, size), root)
    assert merkle.verify_inclusion_hash(tree.leaf(index), index, size, tree.inclusion_proof(index, size), root)
    assert merkle.verify_consistency(old, size, tree.root(old), root, tree.consistency_proof(old, size))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.binary(max_size=4), max_size=20), max_size=6))
def test_appending_one_by_one_equals_extending_in_batches(batches: list[list[bytes]]) -> None:
    one, many = merkle.MerkleTree(), merkle.MerkleTree()
    so_far: list[bytes] = []
    for batch in batches:
        for data in batch:
            one.append(data)
        many.extend_hashes(b"".join(merkle.leaf_hash(d) for d in batch))
        so_far += batch
        assert one.size == many.size == len(so_far)
        assert one.root() == many.root() == naive.mth(so_far)


def test_list_functions_build_the_same_tree() -> None:
    leaves = [bytes([i]) for i in range(13)]
    assert merkle.root(leaves) == naive.mth(leaves)
    assert merkle.inclusion_proof(leaves, 7) == naive.path(7, leaves)
    assert merkle.consistency_proof(leaves, 5) == naive.proof(5, leaves)
    assert merkle.root([]) == hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT


def test_hashes_are_domain_separated() -> None:
    assert merkle.leaf_hash(b"ab") == hashlib.sha256(b"\x00ab").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


@pytest.mark.parametrize(
    ("call", "args"),
    [
        ("inclusion_proof", (3, 3)),
        ("inclusion_proof", (-1, 3)),
        ("inclusion_proof", (0, 0)),
        ("inclusion_proof", (0, 9)),
        ("consistency_proof", (0, 3)),
        ("consistency_proof", (4, 3)),
        ("consistency_proof", (1, 9)),
        ("root", (9,)),
        ("root", (-1,)),
        ("leaf", (5,)),
    ],
)
def test_impossible_proof_requests_raise_proof_error(call: str, args: tuple[int, ...]) -> None:
    tree = merkle.MerkleTree.from_leaves([b"a", b"b", b"c", b"d", b"e"])
    with pytest.raises(ProofError):
        getattr(tree, call)(*args)


def test_leaf_hashes_must_have_32_bytes() -> None:
    tree = merkle.MerkleTree()
    with pytest.raises(ProofError):
        tree.append_hash(b"short")
    with pytest.raises(ProofError):
        tree.extend_hashes(b"x" * 33)
    tree.extend_hashes(b"")
    assert tree.size == 0


@settings(max_examples=40, deadline=None)
@given(leaves_lists, st.data())
def test_truncating_equals_building_the_prefix(leaves: list[bytes], data: st.DataObject) -> None:
    tree = merkle.MerkleTree.from_leaves(leaves)
    size = data.draw(st.integers(0, len(leaves)))
    tree.truncate(size)
    assert tree.size == size and tree.root() == naive.mth(leaves[:size])
    assert tree._levels[: len(merkle.MerkleTree.from_leaves(leaves[:size])._levels)] == (
        merkle.MerkleTree.from_leaves(leaves[:size])._levels
    )
    with pytest.raises(ProofError):
        tree.truncate(size + 1)


def test_every_consistency_proof_between_small_sizes_verifies() -> None:
    """Exhaustively, every pair of sizes up to 40 (each branch of RFC 9162 §2.1.4.2)."""
    tree = merkle.MerkleTree.from_leaves([bytes([i]) for i in range(40)])
    for new in range(1, 41):
        for old in range(1, new + 1):
            proof = tree.consistency_proof(old, new)
            assert merkle.verify_consistency(old, new, tree.root(old), tree.root(new), proof), (old, new)
