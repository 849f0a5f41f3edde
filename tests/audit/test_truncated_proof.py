"""Attack: drop nodes from a proof (a short proof could otherwise be matched to a smaller tree)."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit import merkle
from audit.errors import ReceiptError
from tests.audit.audit_helpers import check, receipt_setup

LEAVES = [f"record {i}".encode() for i in range(27)]
TREE = merkle.MerkleTree.from_leaves(LEAVES)


@pytest.mark.parametrize("index", [0, 9, 16, 26])
def test_an_inclusion_proof_missing_a_node_fails(index: int) -> None:
    proof = TREE.inclusion_proof(index)
    for cut in range(len(proof)):
        shorter = proof[:cut] + proof[cut + 1 :]
        assert not merkle.verify_inclusion(LEAVES[index], index, 27, shorter, TREE.root())
    assert not merkle.verify_inclusion(LEAVES[index], index, 27, [], TREE.root())


@pytest.mark.parametrize("old", [1, 3, 8, 16, 20])
def test_a_consistency_proof_missing_a_node_fails(old: int) -> None:
    proof = TREE.consistency_proof(old)
    for cut in range(len(proof)):
        shorter = proof[:cut] + proof[cut + 1 :]
        assert not merkle.verify_consistency(old, 27, TREE.root(old), TREE.root(), shorter)


def test_a_receipt_with_a_truncated_proof_fails(tmp_path: Path) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    receipt["inclusion_proof"] = receipt["inclusion_proof"][:-1]
    with pytest.raises(ReceiptError):
        check(receipt, export_dir)
