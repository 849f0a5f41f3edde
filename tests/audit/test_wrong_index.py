"""Attack: present a genuine proof at the wrong position, or past the end of the tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit import merkle
from audit.errors import ReceiptError
from tests.audit.audit_helpers import check, receipt_setup

LEAVES = [f"record {i}".encode() for i in range(13)]
TREE = merkle.MerkleTree.from_leaves(LEAVES)


@pytest.mark.parametrize(("index", "claimed"), [(0, 1), (5, 4), (12, 11), (6, 7)])
def test_a_proof_for_one_index_fails_at_another(index: int, claimed: int) -> None:
    proof = TREE.inclusion_proof(index)
    assert not merkle.verify_inclusion(LEAVES[index], claimed, 13, proof, TREE.root())


@pytest.mark.parametrize("claimed", [13, 14, 2**64, -1])
def test_an_index_at_or_past_the_size_fails(claimed: int) -> None:
    assert not merkle.verify_inclusion(LEAVES[12], claimed, 13, TREE.inclusion_proof(12), TREE.root())


def test_a_proof_checked_against_another_tree_size_fails() -> None:
    proof = TREE.inclusion_proof(4, 8)
    assert merkle.verify_inclusion(LEAVES[4], 4, 8, proof, TREE.root(8))
    assert not merkle.verify_inclusion(LEAVES[4], 4, 13, proof, TREE.root())
    assert not merkle.verify_inclusion(LEAVES[4], 4, 9, proof, TREE.root(8))


def test_a_receipt_with_a_moved_index_fails(tmp_path: Path) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    receipt["index"] += 1
    with pytest.raises(ReceiptError, match="inclusion proof"):
        check(receipt, export_dir)
