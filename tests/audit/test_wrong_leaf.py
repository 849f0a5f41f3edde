"""Attack: claim that a different leaf (another ballot, or a made-up one) is in the log."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit import merkle
from audit.errors import ReceiptError
from tests.audit.audit_helpers import check, receipt_setup

LEAVES = [f"record {i}".encode() for i in range(21)]
TREE = merkle.MerkleTree.from_leaves(LEAVES)


@pytest.mark.parametrize("index", [0, 7, 20])
def test_a_proof_does_not_verify_another_leaf(index: int) -> None:
    proof = TREE.inclusion_proof(index)
    assert merkle.verify_inclusion(LEAVES[index], index, 21, proof, TREE.root())
    assert not merkle.verify_inclusion(b"forged ballot", index, 21, proof, TREE.root())
    assert not merkle.verify_inclusion(LEAVES[(index + 1) % 21], index, 21, proof, TREE.root())


def test_a_leaf_hash_is_not_accepted_as_leaf_data() -> None:
    proof = TREE.inclusion_proof(3)
    assert not merkle.verify_inclusion(TREE.leaf(3), 3, 21, proof, TREE.root())
    assert merkle.verify_inclusion_hash(TREE.leaf(3), 3, 21, proof, TREE.root())


def test_a_receipt_for_another_leaf_fails(tmp_path: Path) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    check(receipt, export_dir)
    receipt["leaf_hash"] = merkle.leaf_hash(b"a ballot that was never cast").hex()
    with pytest.raises(ReceiptError, match="inclusion proof"):
        check(receipt, export_dir)
