"""Attack: add nodes to a proof (before, after, or a duplicate in the middle)."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit import merkle
from audit.errors import ReceiptError
from tests.audit.audit_helpers import check, receipt_setup

LEAVES = [f"record {i}".encode() for i in range(19)]
TREE = merkle.MerkleTree.from_leaves(LEAVES)
EXTRA = merkle.leaf_hash(b"extra")


@pytest.mark.parametrize("index", [0, 5, 16, 18])
def test_an_inclusion_proof_with_an_extra_node_fails(index: int) -> None:
    proof = TREE.inclusion_proof(index)
    for at in range(len(proof) + 1):
        for extra in (EXTRA, TREE.root(), *proof):
            longer = [*proof[:at], extra, *proof[at:]]
            assert not merkle.verify_inclusion(LEAVES[index], index, 19, longer, TREE.root())


@pytest.mark.parametrize("old", [1, 4, 7, 16, 19])
def test_a_consistency_proof_with_an_extra_node_fails(old: int) -> None:
    proof = TREE.consistency_proof(old)
    for at in range(len(proof) + 1):
        longer = [*proof[:at], EXTRA, *proof[at:]]
        assert not merkle.verify_consistency(old, 19, TREE.root(old), TREE.root(), longer)
    # prepending the old root (which the RFC verifier adds itself for powers of two)
    assert not merkle.verify_consistency(old, 19, TREE.root(old), TREE.root(), [TREE.root(old), *proof])


def test_a_receipt_with_an_extended_proof_fails(tmp_path: Path) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    receipt["inclusion_proof"].append(EXTRA.hex())
    with pytest.raises(ReceiptError):
        check(receipt, export_dir)
