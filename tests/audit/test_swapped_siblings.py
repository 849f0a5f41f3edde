"""Attack: reorder the nodes of a genuine proof (swap siblings or levels)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from audit import merkle
from audit.errors import ReceiptError
from tests.audit.audit_helpers import check, receipt_setup

LEAVES = [f"record {i}".encode() for i in range(23)]
TREE = merkle.MerkleTree.from_leaves(LEAVES)


@pytest.mark.parametrize("index", [1, 6, 13, 22])
def test_any_reordering_of_an_inclusion_proof_fails(index: int) -> None:
    proof = TREE.inclusion_proof(index)
    for order in itertools.permutations(range(len(proof))):
        reordered = [proof[i] for i in order]
        if reordered != proof:
            assert not merkle.verify_inclusion(LEAVES[index], index, 23, reordered, TREE.root())


def test_swapping_a_leaf_with_its_sibling_fails() -> None:
    # leaf 4's sibling is leaf 5: presenting leaf 5 with leaf 4's hash as "sibling" at index 4 fails
    proof = TREE.inclusion_proof(4)
    assert proof[0] == TREE.leaf(5)
    swapped = [TREE.leaf(4), *proof[1:]]
    assert not merkle.verify_inclusion_hash(TREE.leaf(5), 4, 23, swapped, TREE.root())
    assert merkle.verify_inclusion_hash(TREE.leaf(5), 5, 23, swapped, TREE.root())  # only at its own index


@pytest.mark.parametrize("old", [3, 6, 11])
def test_any_reordering_of_a_consistency_proof_fails(old: int) -> None:
    proof = TREE.consistency_proof(old)
    for order in itertools.permutations(range(len(proof))):
        reordered = [proof[i] for i in order]
        if reordered != proof:
            assert not merkle.verify_consistency(old, 23, TREE.root(old), TREE.root(), reordered)


def test_a_receipt_with_swapped_proof_nodes_fails(tmp_path: Path) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    proof = receipt["inclusion_proof"]
    proof[0], proof[1] = proof[1], proof[0]
    with pytest.raises(ReceiptError):
        check(receipt, export_dir)
